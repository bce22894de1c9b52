#!/usr/bin/env bash
# `make test`: lint, migrations check, the whole suite on PostgreSQL (a throwaway cluster),
# a smoke subset on SQLite, and the browser tests. Without PostgreSQL the suite runs on SQLite
# and PostgreSQL-only tests are skipped visibly; REQUIRE_POSTGRES=1 / REQUIRE_BROWSER=1 turn
# those absences into failures (CI sets both).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export HIFAZAT_VAR_DIR="${HIFAZAT_VAR_DIR:-$(mktemp -d /tmp/hifazat-test.XXXXXX)}"
start=$(date +%s)

echo "== ruff"
$BIN/ruff format --check .
$BIN/ruff check .

echo "== migrations are complete"
DATABASE_URL="sqlite:///$HIFAZAT_VAR_DIR/check.sqlite3" $BIN/hifazat makemigrations --check --dry-run

PG_DIR=""
cleanup() { [ -n "$PG_DIR" ] && scripts/pg-tmp.sh stop "$PG_DIR"; }
trap cleanup EXIT

if out=$(scripts/pg-tmp.sh start 2>&1) && eval "$out" && [ -n "${PG_TMP_DIR:-}" ]; then
  PG_DIR=$PG_TMP_DIR
  echo "== full suite on PostgreSQL ($DATABASE_URL)"
  $BIN/pytest -n 2 "$@"
  echo "== smoke subset on SQLite"
  REQUIRE_POSTGRES=0 DATABASE_URL="sqlite:///$HIFAZAT_VAR_DIR/smoke.sqlite3" $BIN/pytest -n 2 -m smoke "$@"
else
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but could not be started:" >&2
    echo "$out" >&2
    exit 1
  fi
  echo "== PostgreSQL not available: whole suite on SQLite (PostgreSQL-only tests will be SKIPPED)"
  DATABASE_URL="sqlite:///$HIFAZAT_VAR_DIR/all.sqlite3" $BIN/pytest -n 2 "$@"
fi
echo "== make test finished in $(( $(date +%s) - start ))s"
