#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster from the machine's server binaries.
#   eval "$(scripts/pg-tmp.sh start)"   -> exports PG_TMP_DIR, PG_TMP_PORT, DATABASE_URL
#   scripts/pg-tmp.sh stop DIR
# initdb refuses to run as root, so as root the cluster belongs to the postgres user.
set -euo pipefail

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    BIN=$(find_bin) || { echo "echo 'PostgreSQL server binaries not found' >&2; false"; exit 0; }
    DIR=$(mktemp -d /tmp/hifazat-pg.XXXXXX)
    if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$DIR"; fi
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
    echo "export PG_TMP_DIR=$DIR PG_TMP_PORT=$PORT PG_BIN=$BIN"
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/hifazat"
    ;;
  stop)
    DIR=${2:?cluster dir}
    BIN=$(find_bin)
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
