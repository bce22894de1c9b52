"""Benchmark ``tracking``: the open pixel and the click (landing page) under load, gunicorn with
2 workers on PostgreSQL, with a campaign's tokens in the database.

Baseline, in the same run with the same load generator (8 keep-alive connections): the same
server answering a static 1×1 GIF from a view that touches no database. Targets: ≥ 0.5× the
baseline's requests/s with p99 < 100 ms; and, while a campaign sends at a fixed 100 messages/s
(a real worker to a real SMTP sink), ≥ 0.4× the baseline measured under the same load.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.common import ROOT, SMALL, bench_line, git_commit, postgres_cluster, write_result
from bench.dispatch import Sink, worker

TOKENS = 2000 if SMALL else 20000
REQUESTS = 3000 if SMALL else 12000
CLIENTS = 8
TARGET, TARGET_LOADED, P99 = 0.5, 0.4, 0.100


def tokens(url: str, name: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hifazat.settings")
    import django

    django.setup()
    from hifazat.phishing.models import Send

    for token in Send.objects.filter(email__startswith=f"{name}-").values_list("token", flat=True):
        print(token)


def load(base: str, paths: list[str]) -> tuple[float, list[float], int]:
    timings: list[float] = []
    errors = 0

    def client(chunk: list[str]) -> None:
        nonlocal errors
        s = requests.Session()
        for path in chunk:
            start = time.perf_counter()
            r = s.get(base + path, timeout=30)
            timings.append(time.perf_counter() - start)
            if r.status_code != 200:
                errors += 1

    chunks = [paths[i::CLIENTS] for i in range(CLIENTS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, chunks))
    return len(paths) / (time.perf_counter() - started), timings, errors


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def measure(base: str, toks: list[str]) -> dict:
    out = {}
    picks = [toks[i % len(toks)] for i in range(REQUESTS)]
    for name, paths in (
        ("baseline", ["/t-static/o.gif"] * REQUESTS),
        ("open", [f"/t/{t}/o.gif" for t in picks]),
        ("click", [f"/t/{t}/" for t in picks]),
    ):
        load(base, paths[:200])  # warm up
        rps, timings, errors = load(base, paths)
        out[name] = {"rps": rps, "p99": pct(timings, 0.99), "errors": errors}
    return out


def run(url: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "HIFAZAT_VAR_DIR": str(tmp),
            "DATABASE_URL": url,
            "PYTHONPATH": str(ROOT),
            "HIFAZAT_TASKS_IMMEDIATE": "0",
            "STATIC_MANIFEST": "0",
            "SITE_URL": "http://127.0.0.1:8766",
            "DB_CONN_MAX_AGE": "60",  # persistent connections, as docs/deploy.md recommends
        }
        env.pop("PYTEST_VERSION", None)
        sink = Sink(tmp / "sink.log", env)

        def setup(n: int, name: str) -> str:
            return subprocess.run(
                [sys.executable, "-m", "bench.dispatch", "--setup", str(n), str(sink.port), name],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True,
            ).stdout.split()[-1]  # fmt: skip

        setup(TOKENS, "track")
        toks = subprocess.run(
            [sys.executable, "-m", "bench.tracking", "--tokens", "track"],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        # the tracked campaign is not sent (its rows stay queued): pause it
        subprocess.run(
            [sys.executable, "-c",
             "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','hifazat.settings');"
             "django.setup();from hifazat.phishing.models import Campaign as C;"
             "C.objects.filter(name='Bench track').update(state='paused')"],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "hifazat.wsgi:application", "--workers", "2",
             "--bind", "127.0.0.1:8766", "--log-level", "warning"],
            env=env, cwd=ROOT,
        )  # fmt: skip
        base = "http://127.0.0.1:8766"
        wlog = (tmp / "worker.log").open("w")
        try:
            for _ in range(120):
                try:
                    requests.get(base + "/healthz", timeout=5)
                    break
                except requests.RequestException:
                    time.sleep(0.5)
            quiet = measure(base, toks)
            # now a campaign sends at 100 messages a second while we measure again
            setup(30000 if not SMALL else 6000, "busy")
            subprocess.run(
                [sys.executable, "-c",
                 "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','hifazat.settings');"
                 "django.setup();from hifazat.phishing.models import SendingProfile as P;"
                 "P.objects.filter(name='Sink busy').update(rate_per_minute=6000)"],
                env=env, cwd=ROOT, check=True,
            )  # fmt: skip
            w = worker(env, "bench-sender", wlog)
            time.sleep(5)
            before = len(sink.rows("busy-"))
            t0 = time.monotonic()
            loaded = measure(base, toks)
            sent_rate = (len(sink.rows("busy-")) - before) / (time.monotonic() - t0)
            w.terminate()
            w.wait(timeout=60)
        finally:
            server.terminate()
            server.wait(timeout=30)
            sink.proc.terminate()
            wlog.close()
    status = 0
    print(
        f"\ntracking — gunicorn 2 workers, PostgreSQL, {CLIENTS} connections, {TOKENS} tokens, commit {git_commit()}"
    )
    for label, m in (("quiet", quiet), (f"sending {sent_rate:.0f} msg/s", loaded)):
        for name in ("baseline", "open", "click"):
            r = m[name]
            print(
                f"  {label:<22} {name:<9} {r['rps']:>7.0f} req/s  p99 {r['p99'] * 1000:>5.0f} ms  errors {r['errors']}"
            )
    results = {"quiet": quiet, "loaded": loaded, "sent_rate": sent_rate, "commit": git_commit()}
    write_result("tracking", results)
    for name in ("open", "click"):
        ratio = quiet[name]["rps"] / quiet["baseline"]["rps"]
        line = bench_line(
            f"tracking-{name}", ratio, ">=", TARGET,
            p99_ms=f"{quiet[name]['p99'] * 1000:.0f}", errors=quiet[name]["errors"],
        )  # fmt: skip
        if quiet[name]["p99"] >= P99 or quiet[name]["errors"]:
            line = line.replace(" PASS ", " FAIL ")
        print(line)
        status |= "FAIL" in line
        ratio = loaded[name]["rps"] / loaded["baseline"]["rps"]
        line = bench_line(
            f"tracking-{name}-while-sending", ratio, ">=", TARGET_LOADED,
            sending_msg_s=f"{sent_rate:.0f}", p99_ms=f"{loaded[name]['p99'] * 1000:.0f}",
        )  # fmt: skip
        print(line)
        status |= "FAIL" in line
    return status


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--tokens":
        tokens(os.environ["DATABASE_URL"], sys.argv[2])
        return 0
    with postgres_cluster() as server:
        if server is None:
            print("tracking: needs PostgreSQL (scripts/pg-tmp.sh could not start one)")
            return 1
        import psycopg

        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_tracking")
            conn.execute("CREATE DATABASE bench_tracking")
        return run(server.rsplit("/", 1)[0] + "/bench_tracking")


if __name__ == "__main__":
    sys.exit(main())
