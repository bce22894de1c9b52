"""Helpers for tests that run real processes (gunicorn, the worker, the CLI) against the
test database. Such tests use ``transactional_db`` so that their data is committed."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
HIFAZAT = [sys.executable, "-m", "hifazat.cli"]


def test_database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def process_env(**extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "HIFAZAT_VAR_DIR": str(settings.VAR_DIR),
        "SECRET_KEY": settings.SECRET_KEY,
        "HIFAZAT_TASKS_IMMEDIATE": "0",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PYTEST_VERSION", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright in this process only
    env.pop("PYTEST_XDIST_WORKER", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_cli(*args, env=None, check=True, input=None, timeout=120):
    return subprocess.run(
        [*HIFAZAT, *args],
        env=env or process_env(),
        capture_output=True,
        text=True,
        check=check,
        input=input,
        timeout=timeout,
        cwd=ROOT,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=30.0, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
