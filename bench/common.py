"""Helpers shared by the benchmarks: databases to run on, timing, reporting."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SMALL = os.environ.get("SCALE", "") == "small"


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"


@contextmanager
def postgres_cluster():
    """A throwaway PostgreSQL cluster (scripts/pg-tmp.sh), or None when there is none."""
    if os.environ.get("BENCH_POSTGRES_URL"):
        yield os.environ["BENCH_POSTGRES_URL"]
        return
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg-tmp.sh"), "start"], capture_output=True, text=True
    )
    values = {}
    for line in out.stdout.splitlines():
        for part in line.removeprefix("export ").split():
            if "=" in part:
                key, value = part.split("=", 1)
                values[key] = value
    if "PG_TMP_DIR" not in values:
        yield None
        return
    try:
        yield values["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    finally:
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "pg-tmp.sh"), "stop", values["PG_TMP_DIR"]],
            capture_output=True,
        )


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median(values):
    return statistics.median(values)


def write_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    return path


def bench_line(bench_id: str, ratio: float, op: str, target: float, **extra) -> str:
    ok = ratio <= target if op == "<=" else ratio >= target
    tail = " ".join(f"{k}={v}" for k, v in extra.items())
    return f"BENCH {bench_id} ratio={ratio:.2f} target={op}{target:.2f} {'PASS' if ok else 'FAIL'} {tail}".rstrip()


def client_for(person):
    """A test client signed in as ``person``, as if past the second factor."""
    from django.test import Client

    client = Client()
    client.force_login(person)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": 0},
        {"method": "mfa", "at": 0, "type": "totp"},
    ]
    session.save()
    return client


def fetch(client, url: str) -> int:
    """GET url and read the whole body (streamed exports included); returns the body size."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code} {response.get('Location', '')}")
    if response.streaming:
        return len(b"".join(response.streaming_content))
    return len(response.content)


def time_it(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started
