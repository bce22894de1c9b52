"""Benchmark ``quiz``: N concurrent learners start the final test, autosave 10 times, submit.

Against gunicorn (2 workers) on the test database engine (PostgreSQL when its binaries are
here, else SQLite). Baseline, in the same run and at the same concurrency: the same number
of requests to a trivial authenticated page (the home page). Reports errors (must be 0),
answers sent vs stored (must be equal), p50/p95 latency and the throughput ratio.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import requests

from bench.common import ROOT, SMALL, bench_line, git_commit, postgres_cluster, write_result

SIZES = [50] if SMALL else [200, 1000]
# Concurrent connections from the load generator, which shares the machine's 2 cores with
# the server: more connections only lengthen the queue in front of 2 sync workers.
CLIENTS = 8
SAVES = 10
TARGET_RATIO, TARGET_P95 = 0.5, 0.300


def setup_database(url: str, n: int) -> list[tuple[str, int]]:
    """N learners with a signed-in session each: (session key, enrolment id)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hifazat.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from hifazat.demo.generator import load_organisations
    from hifazat.learning.models import Course, Enrolment
    from hifazat.orgs.models import Organisation, Person

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("curriculum", "load", verbosity=0)
    load_organisations()
    org = Organisation.objects.get(code="ITTD")
    course = Course.objects.get(slug="basic")
    out = []
    for i in range(n):
        person = Person.objects.create_user(
            email=f"bench{n}-{i}@moitt.gov.example",  # a tag per run size: runs share one database
            full_name=f"Bench Learner {i}",
            organisation=org,
            employee_number=f"QB{n}-{i:05d}",
        )
        enrolment = Enrolment.objects.create(
            person=person, course=course, version=course.current_version
        )
        session = SessionStore()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session["hifazat_session_started"] = time.time()
        session.create()
        out.append((session.session_key, enrolment.pk))
    return out


def learner(base: str, session_key: str, timings: list, errors: list) -> int:
    """One learner's run; returns how many answers it sent in its last save."""
    s = requests.Session()
    s.cookies.set("sessionid", session_key)

    def call(method, path, **kw):
        start = time.perf_counter()
        r = s.request(method, base + path, allow_redirects=False, timeout=60, **kw)
        timings.append(time.perf_counter() - start)
        if r.status_code >= 400:
            errors.append(f"{method} {path} {r.status_code}")
        return r

    course = call("GET", "/learning/courses/basic/")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', course.text)
    if not found:
        errors.append(f"course page: {course.status_code} {course.headers.get('Location', '')}")
        return 0
    token = found.group(1)
    headers = {"Referer": base + "/"}
    start = call(
        "POST",
        "/learning/courses/basic/test/final/",
        data={"csrfmiddlewaretoken": token},
        headers=headers,
    )
    attempt_url = start.headers["Location"]
    page = call("GET", attempt_url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    radios = re.findall(
        r'type="radio" name="(q-[a-z0-9-]+)" id="[^"]+" value="([^"]+)"', page.text
    )
    selects = re.findall(r'<select class="[^"]+" name="(q-[a-z0-9-]+)"', page.text)
    fields = {}
    for name, value in radios:
        fields.setdefault(name, value)
    checks = re.findall(
        r'type="checkbox" name="(q-[a-z0-9-]+)" id="[^"]+" value="([^"]+)"', page.text
    )

    for name, value in checks:
        fields.setdefault(name, value)
    for position, name in enumerate(selects, start=1):
        fields[name] = str((position % 4) + 1)
    items = list(fields.items())
    for seq in range(1, SAVES + 1):
        data = dict(items[: max(1, len(items) * seq // SAVES)])
        data.update({"csrfmiddlewaretoken": token, "seq": str(seq)})
        call(
            "POST",
            attempt_url + "save/",
            data=data,
            headers={**headers, "Accept": "application/json"},
        )
    call(
        "POST",
        attempt_url + "submit/",
        data={"csrfmiddlewaretoken": token, "seq": str(SAVES + 1), **dict(items)},
        headers=headers,
    )
    radio_qids = {name[2:] for name, _ in radios + checks}
    select_qids = {name[2:].rsplit("-", 1)[0] for name in selects}
    return len(radio_qids | select_qids)


def baseline(base: str, session_key: str, count: int, timings: list, errors: list) -> None:
    s = requests.Session()
    s.cookies.set("sessionid", session_key)
    for _ in range(count):
        start = time.perf_counter()
        r = s.get(base + "/", timeout=60)
        timings.append(time.perf_counter() - start)
        if r.status_code != 200:
            errors.append(f"GET / {r.status_code}")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else 0.0


def run(engine: str, url: str) -> int:
    status = 0
    for n in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "HIFAZAT_VAR_DIR": tmp,
                "DATABASE_URL": url,
                "PYTHONPATH": str(ROOT),
                "HIFAZAT_TASKS_IMMEDIATE": "1",
                "STATIC_MANIFEST": "0",
                "SITE_URL": "http://127.0.0.1:8765",
            }
            env.pop("PYTEST_VERSION", None)
            sessions_out = subprocess.run(
                [sys.executable, "-m", "bench.quiz", "--setup", url, str(n)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            lines = [line.split() for line in sessions_out.splitlines()]
            keys = [
                parts[0]
                for parts in lines
                if len(parts) == 2 and len(parts[0]) == 32 and parts[1].isdigit()
            ]
            assert len(keys) == n, f"expected {n} sessions, got {len(keys)}"
            port = 8765
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "hifazat.wsgi:application",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=ROOT,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                for _ in range(120):
                    try:
                        requests.get(base + "/healthz", timeout=5)
                        break
                    except requests.RequestException:
                        time.sleep(0.5)
                quiz_t, quiz_err, sent = [], [], []
                started = time.perf_counter()
                with ThreadPoolExecutor(CLIENTS) as pool:
                    sent = list(
                        pool.map(partial(learner, base, timings=quiz_t, errors=quiz_err), keys)
                    )
                quiz_s = time.perf_counter() - started
                per_client = max(1, len(quiz_t) // CLIENTS)
                base_t, base_err = [], []
                started = time.perf_counter()
                with ThreadPoolExecutor(CLIENTS) as pool:
                    list(
                        pool.map(
                            partial(
                                baseline, base, count=per_client, timings=base_t, errors=base_err
                            ),
                            keys[:CLIENTS],
                        )
                    )
                base_s = time.perf_counter() - started
            finally:
                server.terminate()
                server.wait(timeout=30)
            stored = subprocess.run(
                [sys.executable, "-m", "bench.quiz", "--count", url, str(n)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            answers_stored, submitted, max_seq_ok = (int(x) for x in stored)
            quiz_rps, base_rps = len(quiz_t) / quiz_s, len(base_t) / base_s
            ratio = quiz_rps / base_rps
            p50, p95 = statistics.median(quiz_t), pct(quiz_t, 0.95)
            print(
                f"\nquiz — {n} learners, {engine}, gunicorn 2 workers, {CLIENTS} connections, commit {git_commit()}"
            )
            print(
                f"  quiz requests   {len(quiz_t):>6}  {quiz_rps:>7.1f} req/s  p50 {p50 * 1000:>6.0f} ms  p95 {p95 * 1000:>6.0f} ms  errors {len(quiz_err)}"
            )
            print(
                f"  baseline (home) {len(base_t):>6}  {base_rps:>7.1f} req/s  p50 {statistics.median(base_t) * 1000:>6.0f} ms  errors {len(base_err)}"
            )
            print(
                f"  answers sent {sum(sent)} · stored {answers_stored} · attempts submitted {submitted}/{n} · final seq ok {max_seq_ok}/{n}"
            )
            consistent = (
                sum(sent) == answers_stored and submitted == n and max_seq_ok == n and not quiz_err
            )
            write_result(
                f"quiz-{engine}-{n}",
                {
                    "id": "quiz",
                    "engine": engine,
                    "learners": n,
                    "ratio": ratio,
                    "p50": p50,
                    "p95": p95,
                    "errors": quiz_err[:20],
                    "sent": sum(sent),
                    "stored": answers_stored,
                    "submitted": submitted,
                    "commit": git_commit(),
                },
            )
            line = bench_line(
                f"quiz-{n}",
                ratio,
                ">=",
                TARGET_RATIO,
                engine=engine,
                learners=n,
                p95_ms=f"{p95 * 1000:.0f}",
                errors=len(quiz_err),
                sent=sum(sent),
                stored=answers_stored,
            )
            if not consistent or (n == 200 and p95 > TARGET_P95):
                line = line.replace(" PASS ", " FAIL ")
            print(line)
            status |= " FAIL " in line
    return status


def count(url: str, n: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hifazat.settings")
    import django

    django.setup()
    from hifazat.assessments.models import Answer, Attempt

    attempts = Attempt.objects.filter(
        kind="final", enrolment__person__email__startswith=f"bench{n}-"
    )
    print(
        Answer.objects.filter(attempt__in=attempts).count(),
        attempts.filter(submitted_at__isnull=False).count(),
        attempts.filter(seq__gte=SAVES).count(),
    )


def main() -> int:
    with postgres_cluster() as pg_url:
        if pg_url:
            return run("postgres", pg_url.rsplit("/", 1)[0] + "/postgres")
        with tempfile.TemporaryDirectory() as tmp:
            return run("sqlite", f"sqlite:///{tmp}/quiz.sqlite3")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--setup"]:
        for key, enrolment in setup_database(sys.argv[2], int(sys.argv[3])):
            print(key, enrolment)
    elif sys.argv[1:2] == ["--count"]:
        count(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
