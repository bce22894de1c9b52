"""Benchmark ``scoreboard``: the hands-on labs' ministry scoreboard, alone and under a mixed load.

Data (PostgreSQL, a throwaway cluster): the demo organisations and 50,000 demo people (SMALL:
10,000). In the ministry with the most people (the Cabinet Secretariat with the demo data),
5,000 of them (SMALL: 1,000) are IT administrators doing labs — the board of that ministry ranks
all of them — and 1,000 more (SMALL: 200) in other ministries, so that the ministry filter has
rows to leave out. 10 labs: the real ``ssh-bruteforce`` package and 9 copies of its ``Lab`` row
(``bench-1`` … ``bench-9``, same definition and digest). Every learner has a ``LabAttempt`` in
every lab: in the real lab (bulk_create) random but consistent question states (points = the
sum of the states'); in the copies (one ``INSERT … SELECT`` each, the answers column copied from
a seed-0 row of the real lab) random points / solved / last solve. Learners who submit
answers in the benchmark have their own real case (seed from ``registry.seed_for``) and fresh
question states; everybody else's rows carry the answers of the case of seed 0 (as big as a
real case's: the detection question's labelled log sample is most of it).

Measured:

1. Static (Django test client, one process, DEBUG off, persistent connection; median of 5
   after a warm-up, baseline and page alternated): baseline = ONE hand-written SQL query
   giving the same standings as the board (top 50 of the ministry: sum of points, sum of
   solved, latest solve, ordered by points desc, latest solve asc, person id; joined to person
   and organisation for the names), run with a cursor. Page = GET ``labs:scoreboard`` (the
   learner's ministry board) signed in as a learner of that ministry with the MFA session
   marker, with the board cache COLD (the board version bumped before each timed run, outside
   the timing); the warm (cached) page is reported too. The page's standings are checked equal
   to the baseline's. ratio = page cold / baseline, target ≤ 1.5.
2. A solve shows within 1 s: a right answer through ``services.submit`` for a learner of the
   ministry, then the board page fetched until their new points show (the delay from the
   answer's commit, and from the start of the answer).
3. Load: gunicorn, 2 sync workers, on the same database (DEBUG off, persistent connections).
   Board readers: 20 client threads reading the board PAGE (``/labs/scoreboard/``, what a
   learner sees, with 20 learners' session cookies) — the page rather than the API board,
   because it is what learners look at and it costs more (session, user, their own record).
   Submitters: 10 client threads answering through the API (``POST /api/v1/labs/ssh-bruteforce/
   questions/<q>/submissions``) with write tokens of 400 learners (SMALL: 150), rotating over
   learners × questions so that the wrong-answer rate limit and the attempt limit are rarely
   reached; 1 answer in 10 right, the rest wrong. Phases: readers alone and submitters alone
   (15 s each, SMALL: 10 s; the latter with 200 other learners, SMALL: 150), then the MIXED
   phase the targets are about (both at once, 30 s, SMALL: 10 s) with a few probe solves whose
   appearance on the board page is timed, then for comparison only the API board read alone.
   Readers and submitters run in two separate client processes (http.client, one connection
   per request: sync gunicorn workers close connections) on the same 2 cores as the server
   and PostgreSQL. Reported per phase: reads/s and p50/p95/p99, submissions/s and p99, errors
   (429s from the wrong-answer rate limit are counted apart and are not errors), answers
   checked = Submission rows stored, board version bumps and boards built, and where the CPU
   went (gunicorn workers, PostgreSQL, the load generator and other processes, from /proc).

BENCH lines:

* ``BENCH scoreboard ratio=<page cold ÷ baseline> target=<=1.50`` — FAIL also when the standings
  differ or the quiet solve takes more than 1 s to show.
* ``BENCH scoreboard-mixed ratio=<board reads per s ÷ 100> target=>=1.00`` — PASS only when
  also the reads' p99 < 500 ms, submissions ≥ 150/s, no errors, answers checked = rows stored
  and every probe solve showed within 1 s; the other figures follow on the line.

Results in ``bench/results/scoreboard.json`` (SMALL: ``scoreboard-small.json``). When a target
fails, the per-request cost (queries, SQL time) and a cProfile of the page and of a submission
are printed and stored.
"""

from __future__ import annotations

import cProfile
import html
import http.client
import io
import json
import multiprocessing
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta

from bench.common import ROOT, SMALL, bench_line, median, postgres_cluster, write_result

REAL = "ssh-bruteforce"
COPIES = 9
PEOPLE = 10_000 if SMALL else 50_000
LEARNERS = 1_000 if SMALL else 5_000  # in the measured ministry
OTHERS = 200 if SMALL else 1_000  # learners in other ministries
SUBMITTERS = 150 if SMALL else 400  # answering in the mixed phase
SOLO_SUBMITTERS = 150 if SMALL else 200  # answering in the submissions-alone phase
PROBES = 4  # learners near the top whose solves are watched
SPARES = 6  # learners with a real case and a token for the in-process profile
READERS, WRITERS = 20, 10
DURATION = 10 if SMALL else 30  # the mixed phase
ALONE = 10 if SMALL else 15  # the reads-alone and submissions-alone phases
RIGHT_SHARE = 0.1
RUNS = 5
BATCH = 2000
PORT = 8767
SEED = 20260314
TARGET_RATIO, TARGET_SHOW_MS = 1.5, 1000.0
TARGET_READS, TARGET_READ_P99_MS, TARGET_SUBS = 100.0, 500.0, 150.0

BASELINE_SQL = """
SELECT a.person_id, p.full_name, o.name,
       SUM(a.points) AS total, SUM(a.solved) AS solved_total, MAX(a.last_solved_at) AS last
  FROM labs_labattempt a
  JOIN orgs_person p ON p.id = a.person_id
  LEFT JOIN orgs_organisation o ON o.id = p.organisation_id
 WHERE p.org_path LIKE %s
 GROUP BY a.person_id, p.full_name, o.name
 ORDER BY total DESC, last ASC, a.person_id ASC
 LIMIT 50
"""
COPY_SQL = """
INSERT INTO labs_labattempt (lab_id, person_id, event_id, seed, answers, digest, started_at,
                             points, solved, last_solved_at, finished_at)
SELECT %s, u.person_id, NULL, 0, t.answers, %s, %s, u.points, u.solved, u.last, u.finished
  FROM unnest(%s::bigint[], %s::integer[], %s::integer[], %s::timestamptz[], %s::timestamptz[])
       AS u(person_id, points, solved, last, finished)
 CROSS JOIN (SELECT answers FROM labs_labattempt WHERE id = %s) AS t
"""
ROW = re.compile(
    r"<tr(?P<me> class=\"table-primary\")?><td>(?P<rank>\d+)</td><td>(?P<name>.*?)</td>"
    r"<td>(?P<org>.*?)</td><td class=\"text-end\">(?P<solved>\d+)</td>"
    r"<td class=\"text-end\">(?P<points>-?\d+)</td></tr>"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def commit() -> str:
    """The checked-out commit, read from .git (the benchmark runs no git command)."""
    try:
        head = (ROOT / ".git" / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:9]
        ref = head[5:]
        path = ROOT / ".git" / ref
        if path.exists():
            return path.read_text().strip()[:9]
        for line in (ROOT / ".git" / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line[:9]
    except OSError:
        pass
    return "unknown"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else 0.0


# --- set-up --------------------------------------------------------------------------------


def configure(url: str, var_dir: str) -> dict:
    """Production-like settings for this process and the gunicorn it starts; returns the env."""
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "hifazat.settings",
            "HIFAZAT_VAR_DIR": var_dir,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{PORT}",
            "STATIC_MANIFEST": "0",
            "HIFAZAT_TASKS_IMMEDIATE": "0",
            "DB_CONN_MAX_AGE": "60",  # persistent connections, as docs/deploy.md recommends
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("PYTEST_VERSION", None)
    import django

    django.setup()
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def load_lab(timeout: float = 1800.0) -> None:
    """Load the lab packages. The SSH lab and the checkers are written by others at the same
    time: wait until both are there and load without error."""
    from hifazat.labs import registry

    lab = ROOT / "hifazat" / "labs" / "catalogue" / "ssh_bruteforce"
    needed = [lab / "lab.yaml", lab / "generator.py", ROOT / "hifazat" / "labs" / "checkers.py"]
    deadline = time.monotonic() + timeout
    while True:
        problem = ""
        if all(p.exists() for p in needed):
            try:
                registry.load_all()
                return
            except Exception as exc:  # half-written: try again in a while
                problem = repr(exc)[:300]
                sys.modules.pop("hifazat.labs.catalogue.ssh_bruteforce.generator", None)
        else:
            problem = "missing " + ", ".join(str(p) for p in needed if not p.exists())
        if time.monotonic() > deadline:
            raise SystemExit(f"scoreboard: the ssh-bruteforce lab cannot be loaded: {problem}")
        log(f"  waiting for the ssh-bruteforce lab ({problem}) …")
        time.sleep(30)


def pick_ministry():
    """The ministry (top-level organisation) with the most people."""
    from hifazat.orgs.models import Organisation, Person

    best, best_n = None, -1
    for org in Organisation.objects.filter(parent__isnull=True):
        n = Person.objects.filter(org_path__startswith=org.path).count()
        if n > best_n:
            best, best_n = org, n
    return best


def place_learners(ministry, rng: random.Random) -> tuple[list[int], list[int]]:
    """LEARNERS IT administrators in the ministry's subtree (people moved in if it has too
    few) and OTHERS elsewhere. Returns (ministry learners, other learners) as person ids."""
    from hifazat.orgs.models import Organisation, Person

    inside = list(
        Person.objects.filter(org_path__startswith=ministry.path)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(inside) < LEARNERS:  # move people in from elsewhere, to the subtree's organisations
        orgs = list(Organisation.objects.filter(path__startswith=ministry.path))
        movers = list(
            Person.objects.exclude(org_path__startswith=ministry.path)
            .order_by("-pk")
            .values_list("pk", flat=True)[: LEARNERS - len(inside)]
        )
        for org in orgs:
            chunk = [pk for i, pk in enumerate(movers) if i % len(orgs) == orgs.index(org)]
            Person.objects.filter(pk__in=chunk).update(organisation=org, org_path=org.path)
        inside = sorted(inside + movers)
    learners = inside[:LEARNERS]
    outside = list(
        Person.objects.exclude(org_path__startswith=ministry.path)
        .order_by("pk")
        .values_list("pk", flat=True)[:OTHERS]
    )
    for chunk_start in range(0, len(learners) + len(outside), 5000):
        ids = (learners + outside)[chunk_start : chunk_start + 5000]
        Person.objects.filter(pk__in=ids).update(track=Person.Track.IT_ADMIN)
    rng.shuffle(learners)
    return learners, outside


def right_and_wrong(lab, answers: dict) -> dict[str, tuple[str | None, str]]:
    """Per question: a right answer as a learner would type it (None when the checker's
    expected value has no simple typed form, e.g. a whole config) and a wrong one; both
    checked with the lab's own checkers."""
    from hifazat.labs import checkers

    out = {}
    for q in lab.questions:
        expected = answers[q["id"]]
        kind, options = q["checker"], q["options"]
        candidates = {
            "ip": [str(expected)],
            "integer": [str(expected)],
            "text": [expected[0] if isinstance(expected, list) else str(expected)],
            "datetime": [str(expected)],
            "choice": [str(expected)],
            "detection": ["Failed password", r"Failed password for"],
        }.get(kind, [])
        right = next(
            (c for c in candidates if checkers.check(kind, expected, c, options).correct), None
        )
        wrongs = {
            "ip": ["198.51.100.254", "192.0.2.253"],
            "integer": [str(expected + 1000) if isinstance(expected, int) else "99999"],
            "datetime": ["2026-01-01T00:00:00+05:00", "2025-06-01T12:00:00+05:00"],
            "detection": ["^NOTHING-MATCHES-THIS$"],
            "config": ["PermitRootLogin yes\nPasswordAuthentication yes\n"],
        }.get(kind, []) + ["no-such-answer-xyz", "0"]
        wrong = next(
            (w for w in wrongs if checkers.check(kind, expected, w, options).score == 0), wrongs[0]
        )
        out[q["id"]] = (right, wrong)
    return out


def load_data() -> dict:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hifazat.core.middleware import SESSION_STARTED
    from hifazat.demo.generator import load_organisations, load_people
    from hifazat.labs import registry
    from hifazat.labs.models import Lab, LabAttempt, QuestionState
    from hifazat.orgs.models import Person
    from hifazat.orgs.tokens import token_create

    rng = random.Random(SEED)
    timings = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    timings["migrate_s"] = time.perf_counter() - started

    started = time.perf_counter()
    load_organisations()
    done = [0]

    def progress(n: int) -> None:
        done[0] += n
        if done[0] % 10000 == 0 or done[0] == PEOPLE:
            log(f"  people {done[0]:,}/{PEOPLE:,}")

    load_people(PEOPLE, batch_size=5000, progress=progress)
    timings["people_s"] = time.perf_counter() - started

    started = time.perf_counter()
    load_lab()
    real = Lab.objects.get(slug=REAL)
    labs = [real] + [
        Lab.objects.create(
            slug=f"bench-{i}",
            version=real.version,
            definition=real.definition,
            digest=real.digest,
        )
        for i in range(1, COPIES + 1)
    ]
    package = registry.package(REAL)
    template = package.generate(0)
    ministry = pick_ministry()
    learners, others = place_learners(ministry, rng)
    probes = learners[:PROBES]
    submitters = learners[PROBES : PROBES + SUBMITTERS]
    rest = learners[PROBES + SUBMITTERS :]
    solo_submitters, rest = rest[:SOLO_SUBMITTERS], rest[SOLO_SUBMITTERS:]
    spares, rest = rest[:SPARES], rest[SPARES:]
    readers = rest[:READERS]
    own_case = probes + submitters + solo_submitters + spares  # they answer: their real cases
    cases = {}
    for pk in own_case:
        seed = registry.seed_for(REAL, pk)
        cases[pk] = (seed, package.generate(seed).answers)
    timings["labs_and_cases_s"] = time.perf_counter() - started
    log(f"  {len(cases)} real cases generated in {timings['labs_and_cases_s']:.1f} s")

    questions = real.questions
    max_points = real.max_points
    now = timezone.now()

    def random_score() -> tuple[int, int, object]:
        """Points, solved and last solve of a learner in one lab."""
        if rng.random() < 0.25:  # opened, nothing solved yet
            return 0, 0, None
        solved = rng.sample(questions, rng.randint(1, len(questions)))
        points = max(0, sum(q["points"] for q in solved) - rng.choice((0, 0, 0, 1, 2, 3, 5)))
        last = now - timedelta(seconds=rng.uniform(60, 30 * 86400))
        return points, len(solved), last

    started = time.perf_counter()
    everyone = learners + others
    # the real lab first, with consistent question states
    template_id = None
    for start in range(0, len(everyone), BATCH):
        rows, states = [], []
        for pk in everyone[start : start + BATCH]:
            seed, answers = cases.get(pk, (0, template.answers))
            attempt = LabAttempt(
                lab=real, person_id=pk, seed=seed, answers=answers, digest=real.digest
            )
            per_q = []
            solved_at = []
            for q in questions:
                state = QuestionState(question=q["id"])
                if pk not in cases and rng.random() < 0.6:
                    if rng.random() < 0.7:
                        state.tries = rng.randint(1, 3)
                        state.best_score = 1.0
                        state.points = q["points"]
                        state.solved_at = now - timedelta(seconds=rng.uniform(60, 30 * 86400))
                        solved_at.append(state.solved_at)
                    else:
                        state.tries = rng.randint(1, 3)
                per_q.append(state)
            attempt.points = sum(s.points for s in per_q)
            attempt.solved = len(solved_at)
            attempt.last_solved_at = max(solved_at) if solved_at else None
            rows.append(attempt)
            states.append(per_q)
        with transaction.atomic():
            LabAttempt.objects.bulk_create(rows, batch_size=500)
            for attempt, per_q in zip(rows, states, strict=True):
                for state in per_q:
                    state.attempt_id = attempt.pk
            QuestionState.objects.bulk_create(
                [s for per_q in states for s in per_q], batch_size=5000
            )
        if template_id is None:
            template_id = next(r.pk for r in rows if r.seed == 0)
    log(f"  lab {real.slug}: {len(everyone):,} attempts with question states")
    # the copies: random scores; the answers column copied in SQL from a seed-0 row of the real
    # lab (what bulk_create would send, without serialising 44 KB of JSON per row in Python)
    probe_rank = {pk: i for i, pk in enumerate(probes)}
    for lab in labs[1:]:
        columns = ([], [], [], [], [])
        for pk in everyone:
            if pk in probe_rank:  # the leaders: (nearly) everything solved in every copy
                points, solved = max_points - 3 * probe_rank[pk], len(questions)
                last = now - timedelta(days=2, minutes=probe_rank[pk])
            else:
                points, solved, last = random_score()
            finished = last if solved == len(questions) else None
            for column, value in zip(columns, (pk, points, solved, last, finished), strict=True):
                column.append(value)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(COPY_SQL, [lab.pk, lab.digest, now, *columns, template_id])
        log(f"  lab {lab.slug}: {len(everyone):,} attempts")
    timings["attempts_s"] = time.perf_counter() - started

    started = time.perf_counter()
    people = {p.pk: p for p in Person.objects.filter(pk__in=own_case + readers)}
    tokens = {
        pk: token_create(actor=people[pk], name="bench scoreboard", scope="write", days=1)[1]
        for pk in own_case
    }
    read_tokens = {  # for the comparison phase that reads the API board instead of the page
        pk: token_create(actor=people[pk], name="bench scoreboard", scope="read", days=1)[1]
        for pk in readers
    }

    def session_for(person) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session[SESSION_STARTED] = time.time()
        session["account_authentication_methods"] = [
            {"method": "password", "at": 0},
            {"method": "mfa", "at": 0, "type": "totp"},
        ]
        session.create()
        return session.session_key

    sessions = {pk: session_for(people[pk]) for pk in readers + probes}
    timings["tokens_sessions_s"] = time.perf_counter() - started

    started = time.perf_counter()
    from hifazat.labs import services as lab_services

    standings = lab_services.rebuild_standings()  # the attempts were bulk-loaded in SQL
    timings["standings_s"] = time.perf_counter() - started
    timings["standings"] = standings

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_total_relation_size('labs_labattempt')")
        attempts_bytes = cursor.fetchone()[0]
    timings["analyze_s"] = time.perf_counter() - started
    answers_bytes = len(json.dumps(template.answers))
    return {
        "ministry": ministry,
        "labs": labs,
        "real": real,
        "learners": learners,
        "others": others,
        "probes": probes,
        "submitters": submitters,
        "solo_submitters": solo_submitters,
        "spares": spares,
        "solved": set(),  # (learner, question) solved by the probes
        "readers": readers,
        "cases": cases,
        "tokens": tokens,
        "read_tokens": read_tokens,
        "sessions": sessions,
        "people": people,
        "attempts": LabAttempt.objects.count(),
        "population": Person.objects.count(),
        "attempts_bytes": attempts_bytes,
        "answers_bytes": answers_bytes,
        "timings": timings,
    }


# --- static measurement ----------------------------------------------------------------------


def baseline(path: str) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL, [path + "%"])
        return cursor.fetchall()


def client_for(person):
    """A test client signed in as ``person`` with the second factor passed (conftest.client_as)."""
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


def page_rows(body: str) -> list[dict]:
    return [
        {
            "me": bool(m["me"]),
            "rank": int(m["rank"]),
            "name": html.unescape(m["name"]),
            "organisation": html.unescape(m["org"]),
            "solved": int(m["solved"]),
            "points": int(m["points"]),
        }
        for m in ROW.finditer(body)
    ]


def fetch(client, url: str, **extra) -> str:
    response = client.get(url, **extra)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code} {response.get('Location', '')}")
    return response.content.decode()


def time_it(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def compare(base: list[tuple], board: list[dict], page: list[dict]) -> list[str]:
    problems = []
    expected = [(r[0], r[1], r[2], int(r[3] or 0), int(r[4] or 0), r[5]) for r in base]
    got = [
        (r["person_id"], r["name"], r["organisation"], r["points"], r["solved"], r["last"])
        for r in board
    ]
    if expected != got:
        first = next(
            (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b), None
        )
        problems.append(
            f"standings() differs from the baseline ({len(got)} vs {len(expected)} rows, "
            f"first difference at rank {None if first is None else first + 1})"
        )
    shown = [(r["rank"], r["name"], r["solved"], r["points"]) for r in page]
    wanted = [(i + 1, r[1], int(r[4] or 0), int(r[3] or 0)) for i, r in enumerate(base)]
    if shown != wanted:
        problems.append(f"page rows differ from the baseline ({len(shown)} vs {len(wanted)})")
    if len(base) != 50:
        problems.append(f"the baseline has {len(base)} rows, not 50")
    return problems


def profile_call(fn, before=None, repeat: int = 1, cprofile: bool = False) -> dict:
    """Queries of one call (with their times), and optionally a cProfile of ``repeat`` calls."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if before:
        before()
    with CaptureQueriesContext(connection) as ctx:
        total = time_it(fn)
    queries = [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in ctx.captured_queries]
    out = {"total_ms": total * 1000, "sql_ms": sum(q["ms"] for q in queries), "queries": queries}
    if cprofile:
        profiler = cProfile.Profile()
        for _ in range(repeat):
            if before:
                before()
            profiler.enable()
            fn()
            profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(r"hifazat|django/(template|db/models|core)", 25)
        out["cprofile"] = text.getvalue()
    return out


def measure_static(data: dict) -> dict:
    from django.test import Client
    from django.urls import reverse

    from hifazat.labs import selectors, services
    from hifazat.labs.models import LabAttempt

    ministry = data["ministry"]
    viewer = data["people"][data["readers"][0]]
    client = client_for(viewer)
    url = reverse("labs:scoreboard")
    api_client = Client()  # the token decides
    token = data["tokens"][data["spares"][0]]
    api_url = "/api/v1/labs/scoreboards/organisation"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    base = baseline(ministry.path)
    services.bump_board()
    body = fetch(client, url)
    problems = compare(base, services.standings("org", ministry.pk), page_rows(body))

    names = ("baseline", "page_cold", "page_warm", "standings", "api_cold", "api_warm")
    extra = ("home", "ministry_of", "own_record", "own_record_lean", "own_record_values")
    runs = {k: [] for k in names + extra}

    # the parts of the page apart from the board, to see where its time goes
    def own_record(lean: bool):
        qs = LabAttempt.objects.filter(person=viewer).select_related("lab").order_by("lab__slug")
        return list(qs.defer("answers") if lean else qs)

    parts = {
        "home": lambda: fetch(client, "/"),  # a trivial signed-in page: the framework's cost
        "ministry_of": lambda: selectors.ministry_of(viewer),
        "own_record": lambda: own_record(False),  # the view's "mine" query, as written
        "own_record_lean": lambda: own_record(True),  # the same without the answers column
        "own_record_values": lambda: list(  # only what the page shows
            LabAttempt.objects.filter(person=viewer)
            .order_by("lab__slug")
            .values("lab__slug", "lab__definition__title", "points", "solved", "finished_at")
        ),
    }
    # warm-up
    time_it(lambda: baseline(ministry.path))
    services.bump_board()
    fetch(client, url)
    fetch(api_client, api_url, **auth)
    for fn in parts.values():
        fn()
    for _ in range(RUNS):
        for name, fn in parts.items():
            runs[name].append(time_it(fn))
        runs["baseline"].append(time_it(lambda: baseline(ministry.path)))
        services.bump_board()
        runs["page_cold"].append(time_it(lambda: fetch(client, url)))
        runs["page_warm"].append(time_it(lambda: fetch(client, url)))
        runs["standings"].append(time_it(lambda: services.standings("org", ministry.pk)))
        services.bump_board()
        runs["api_cold"].append(time_it(lambda: fetch(api_client, api_url, **auth)))
        runs["api_warm"].append(time_it(lambda: fetch(api_client, api_url, **auth)))
    ms = {k: median(v) * 1000 for k, v in runs.items()}
    pairs = [p / b for p, b in zip(runs["page_cold"], runs["baseline"], strict=True)]
    return {
        "pair_ratios": pairs,
        "runs_s": runs,
        "median_ms": ms,
        "problems": problems,
        "client": client,
        "url": url,
        "bytes": len(body.encode()),
    }


def solve_shows(data: dict, url: str) -> dict:
    """A right answer through services.submit, then the board page until the new points show."""
    from hifazat.labs import services
    from hifazat.labs.models import LabAttempt

    probe = data["people"][data["probes"][0]]
    attempt = LabAttempt.objects.select_related("lab").get(lab=data["real"], person=probe)
    rw = right_and_wrong(data["real"], attempt.answers)
    question = next(q for q, (right, _w) in rw.items() if right is not None)
    viewer = client_for(probe)
    before = next(r for r in page_rows(fetch(viewer, url)) if r["me"])
    started = time.perf_counter()
    outcome = services.submit(
        actor=probe, attempt=attempt, question=question, answer=rw[question][0]
    )
    committed = time.perf_counter()
    assert outcome.verdict and outcome.verdict.correct, outcome
    data["solved"].add((probe.pk, question))
    gained = next(q["points"] for q in data["real"].questions if q["id"] == question)
    points = before["points"] + gained
    polls = 0
    while True:
        polls += 1
        mine = next((r for r in page_rows(fetch(viewer, url)) if r["me"]), None)
        if mine and mine["points"] == points:
            break
        if time.perf_counter() - committed > 10:
            return {"shown": False, "polls": polls, "question": question}
    shown = time.perf_counter()
    return {
        "shown": True,
        "question": question,
        "points_before": before["points"],
        "points_after": points,
        "rank": mine["rank"],
        "polls": polls,
        "submit_ms": (committed - started) * 1000,
        "delay_ms": (shown - committed) * 1000,
        "total_ms": (shown - started) * 1000,
    }


def profile_requests(data: dict, url: str, cprofile: bool) -> dict:
    """One cold page, one warm page and one API submission with their queries; with
    ``cprofile``, a profile of 10 of each."""
    from django.test import Client

    from hifazat.labs import services
    from hifazat.labs.models import LabAttempt

    viewer = client_for(data["people"][data["readers"][1]])
    fetch(viewer, url)
    out = {
        "page_cold": profile_call(
            lambda: fetch(viewer, url), before=services.bump_board, repeat=10, cprofile=cprofile
        ),
        "page_warm": profile_call(lambda: fetch(viewer, url), repeat=10, cprofile=cprofile),
    }
    # wrong answers of the spare learners, round robin over learners and questions
    api = Client()
    work = []
    for pk in data["spares"]:
        attempt = LabAttempt.objects.select_related("lab").get(lab=data["real"], person_id=pk)
        rw = right_and_wrong(data["real"], attempt.answers)
        work += [(data["tokens"][pk], q, wrong) for q, (_r, wrong) in rw.items()]
    random.Random(SEED).shuffle(work)
    it = iter(work[data.setdefault("spares_used", 0) :])  # each learner × question rarely

    def submit():
        data["spares_used"] += 1
        token, question, answer = next(it)
        response = api.post(
            f"/api/v1/labs/{REAL}/questions/{question}/submissions",
            data=json.dumps({"answer": answer}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        if response.status_code != 200:
            raise SystemExit(f"submission: {response.status_code} {response.content[:200]!r}")

    submit()  # warm-up
    out["submit_wrong"] = profile_call(submit, repeat=10, cprofile=cprofile)
    return out


# --- mixed load ------------------------------------------------------------------------------


def _request(method: str, path: str, headers: dict, body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


BOARD_PAGE = "/labs/scoreboard/"
BOARD_API = "/api/v1/labs/scoreboards/organisation"


def reader_process(sessions: list[str], start_at: float, duration: float, queue) -> None:
    """READERS threads, each reading the board page with its own learner's session (or, for a
    credential that is an API token, the API board)."""
    results: list[tuple[float, float, int]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def reader(key: str) -> None:
        mine, bad = [], []
        if key.startswith("hz_"):
            path, headers, marker = BOARD_API, {"Authorization": f"Bearer {key}"}, b"["
        else:
            path, headers, marker = BOARD_PAGE, {"Cookie": f"sessionid={key}"}, b'id="scoreboard"'
        while time.time() < start_at:
            time.sleep(0.005)
        end = start_at + duration
        while time.time() < end:
            t0 = time.perf_counter()
            at = time.time()
            try:
                status, body = _request("GET", path, headers)
                if status == 200 and marker not in body:
                    status = 599  # an answer, but not the board
                if status != 200 and len(bad) < 5:
                    bad.append(f"{status} {body[:120]!r}")
            except OSError as exc:
                status = 0
                bad.append(repr(exc))
            mine.append((at, time.perf_counter() - t0, status))
        with lock:
            results.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=reader, args=(k,)) for k in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(("readers", results, failures[:20]))


def writer_process(work: list[dict], start_at: float, duration: float, queue) -> None:
    """WRITERS threads submitting answers through the API; each owns a slice of the learners and
    rotates over learner × question, so each pair is answered rarely."""
    results: list[tuple[float, float, int, str]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        rng = random.Random(SEED + index)
        mine_work = work[index::WRITERS]
        pairs = [(w, q) for q in work[0]["questions"] for w in mine_work]
        mine, bad, k = [], [], index
        while time.time() < start_at:
            time.sleep(0.005)
        end = start_at + duration
        while time.time() < end:
            learner, question = pairs[k % len(pairs)]
            k += 1
            right, wrong = learner["questions"][question]
            answer = right if right is not None and rng.random() < RIGHT_SHARE else wrong
            kind = "right" if answer == right else "wrong"
            body = json.dumps({"answer": answer}).encode()
            headers = {
                "Authorization": f"Bearer {learner['token']}",
                "Content-Type": "application/json",
            }
            t0 = time.perf_counter()
            at = time.time()
            try:
                status, data = _request(
                    "POST", f"/api/v1/labs/{REAL}/questions/{question}/submissions", headers, body
                )
                if status == 200:
                    payload = json.loads(data)
                    kind += "-checked" if payload["checked"] else "-refused"
                    if payload["correct"]:
                        kind += "-correct"
                elif len(bad) < 20 and status != 429:
                    bad.append(f"{status} {data[:200]!r}")
            except (OSError, ValueError) as exc:
                status = 0
                bad.append(repr(exc))
            mine.append((at, time.perf_counter() - t0, status, kind))
        with lock:
            results.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(("writers", results, failures[:20]))


def cpu_snapshot(mine: list[int], server: int, pg_port: str) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system, from /proc) by pid of this run's gunicorn (``server`` and its
    workers), this run's PostgreSQL (the postmaster on ``pg_port`` and its backends) and this
    benchmark's own processes (``mine``: the load generator). Other processes on the machine,
    other gunicorns and PostgreSQL clusters included, are not in it."""
    tick = os.sysconf("SC_CLK_TCK")
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        procs[int(entry)] = (cmd, int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    postmaster = next(
        (pid for pid, (cmd, _pp, _c) in procs.items()
         if "postgres" in cmd and f"-p {pg_port} " in cmd + " "),
        None,
    )  # fmt: skip
    out = {}
    for pid, (_cmd, ppid, seconds) in procs.items():
        if pid in mine:
            out[pid] = ("load generator", seconds)
        elif pid == server or ppid == server:
            out[pid] = ("gunicorn", seconds)
        elif postmaster and (pid == postmaster or ppid == postmaster):
            out[pid] = ("postgres", seconds)
    return out


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def boards_cached(version_before: int) -> int:
    """Boards built since the board version was ``version_before`` (one cache entry each)."""
    from django.conf import settings
    from django.db import connection

    if not settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        return -1
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cache_key FROM {settings.CACHES['default']['LOCATION']} "
            "WHERE cache_key LIKE %s",
            ["%labs:board:%"],
        )
        keys = [row[0] for row in cursor.fetchall()]
    return sum(
        1
        for k in keys
        if k.rsplit(":", 1)[1].isdigit() and int(k.rsplit(":", 1)[1]) > version_before
    )


def probe_solves(data: dict, work: dict, start_at: float, duration: float) -> list[dict]:
    """During the load: probe learners answer right through the API; poll the board page with
    their session until their new points show."""
    out = []
    wait = duration / (len(data["probes"]) * 2 + 1)
    time.sleep(max(0.0, start_at - time.time()) + wait)
    for pk in data["probes"][1:] + data["probes"][:1]:
        question = next(
            (
                q
                for q, (right, _wrong) in work[pk].items()
                if right is not None and (pk, q) not in data["solved"]
            ),
            None,
        )
        if question is None:
            continue
        if time.time() > start_at + duration - 3:
            break
        right = work[pk][question][0]
        headers = {"Cookie": f"sessionid={data['sessions'][pk]}"}
        status, body = _request("GET", "/labs/scoreboard/", headers)
        before = next((r for r in page_rows(body.decode()) if r["me"]), None)
        t0 = time.perf_counter()
        status, answer = _request(
            "POST",
            f"/api/v1/labs/{REAL}/questions/{question}/submissions",
            {"Authorization": f"Bearer {data['tokens'][pk]}", "Content-Type": "application/json"},
            json.dumps({"answer": right}).encode(),
        )
        t1 = time.perf_counter()
        data["solved"].add((pk, question))
        if status != 200 or not json.loads(answer)["correct"] or before is None:
            out.append({"question": question, "learner": pk, "status": status, "shown": False})
            continue
        gained = next(q["points"] for q in data["real"].questions if q["id"] == question)
        wanted = before["points"] + gained
        polls, shown = 0, None
        while time.perf_counter() - t1 < 10:
            polls += 1
            status, body = _request("GET", "/labs/scoreboard/", headers)
            mine = next((r for r in page_rows(body.decode()) if r["me"]), None)
            if mine and mine["points"] >= wanted:
                shown = time.perf_counter()
                break
            time.sleep(0.02)
        out.append(
            {
                "question": question,
                "learner": pk,
                "status": status,
                "shown": shown is not None,
                "polls": polls,
                "submit_ms": (t1 - t0) * 1000,
                "delay_ms": ((shown or time.perf_counter()) - t1) * 1000,
                "total_ms": ((shown or time.perf_counter()) - t0) * 1000,
            }
        )
        time.sleep(wait)
    return out


def run_phase(data: dict, server: int, sessions: list[str], writer_work: list[dict],
              duration: float, work_for_probes: dict | None = None) -> dict:  # fmt: skip
    """One load phase against the running server: readers and/or writers for ``duration``
    seconds (and probe solves when ``work_for_probes`` is given); their figures."""
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connections

    from hifazat.labs.models import Submission
    from hifazat.labs.services import BOARD_VERSION

    submissions_before = Submission.objects.count()
    version_before = cache.get(BOARD_VERSION) or 0
    connections.close_all()
    load_before = os.getloadavg()[0]
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 4.0  # the clients' processes start and import meanwhile
    children = []
    if sessions:
        children.append(
            ctx.Process(target=reader_process, args=(sessions, start_at, duration, queue))
        )
    if writer_work:
        children.append(
            ctx.Process(target=writer_process, args=(writer_work, start_at, duration, queue))
        )
    for child in children:
        child.start()
    while time.time() < start_at - 0.5:
        time.sleep(0.05)
    mine = [os.getpid()] + [c.pid for c in children]
    pg_port = str(settings.DATABASES["default"]["PORT"])
    cpu_before, busy_before = cpu_snapshot(mine, server, pg_port), machine_busy()
    wall = time.time()
    probes = probe_solves(data, work_for_probes, start_at, duration) if work_for_probes else []
    while time.time() < start_at + duration:
        time.sleep(0.05)
    cpu_after, busy_after = cpu_snapshot(mine, server, pg_port), machine_busy()
    wall = time.time() - wall
    got = {"readers": ([], []), "writers": ([], [])}
    for _ in children:
        kind, results, failures = queue.get(timeout=duration + 120)
        got[kind] = (results, failures)
    for child in children:
        child.join(timeout=30)

    cpu = Counter()
    for pid, (role, seconds) in cpu_after.items():
        cpu[role] += (seconds - cpu_before.get(pid, (role, 0.0))[1]) / wall
    cpu = {role: round(cpu[role], 2) for role in ("gunicorn", "postgres", "load generator")}
    cpu["other processes"] = round((busy_after - busy_before) / wall - sum(cpu.values()), 2)
    reads, read_failures = got["readers"]
    writes, write_failures = got["writers"]
    end = start_at + duration
    reads = [r for r in reads if r[0] < end]
    writes = [w for w in writes if w[0] < end]
    read_ok = [r[1] for r in reads if r[2] == 200]
    write_ok = [w[1] for w in writes if w[2] in (200, 429)]
    kinds = Counter(w[3] for w in writes if w[2] == 200)
    statuses = Counter(w[2] for w in writes)
    checked = sum(n for k, n in kinds.items() if "-checked" in k)
    probe_checked = sum(1 for p in probes if p.get("submit_ms") is not None)
    total_requests = len(reads) + len(writes)
    busy = cpu["gunicorn"] + cpu["postgres"]
    return {
        "duration_s": duration,
        "readers": len(sessions),
        "writers": WRITERS if writer_work else 0,
        "submitting_learners": len(writer_work),
        "reads": len(reads),
        "reads_ok": len(read_ok),
        "reads_s": len(read_ok) / duration,
        "read_p50_ms": pct(read_ok, 0.50) * 1000,
        "read_p95_ms": pct(read_ok, 0.95) * 1000,
        "read_p99_ms": pct(read_ok, 0.99) * 1000,
        "read_errors": len(reads) - len(read_ok),
        "read_failures": read_failures,
        "submissions": len(writes),
        "submissions_s": len(write_ok) / duration,
        "submit_p50_ms": pct(write_ok, 0.50) * 1000,
        "submit_p95_ms": pct(write_ok, 0.95) * 1000,
        "submit_p99_ms": pct(write_ok, 0.99) * 1000,
        "submit_statuses": {str(k): v for k, v in statuses.items()},
        "submit_kinds": dict(kinds),
        "rate_limited_429": statuses.get(429, 0),
        "submit_errors": len(writes) - len(write_ok),
        "submit_failures": write_failures,
        "answers_checked": checked + probe_checked,
        "submission_rows_stored": Submission.objects.count() - submissions_before,
        "solves_s": sum(n for k, n in kinds.items() if k.endswith("-correct")) / duration,
        "board_versions": (cache.get(BOARD_VERSION) or 0) - version_before,
        "boards_built": boards_cached(version_before),
        "cpu_cores": cpu,
        # server CPU (gunicorn + PostgreSQL) per request, in ms
        "server_cpu_ms_per_request": busy * wall / total_requests * 1000 if total_requests else 0,
        "loadavg_1min_before": load_before,
        "probes": probes,
    }


def mixed_load(data: dict, env: dict) -> dict:
    """gunicorn with 2 sync workers; the board readers alone, the submitters alone (other
    learners), then both together with probe solves. Returns the three phases' figures."""
    from hifazat.labs.models import LabAttempt

    work = {}
    everybody = data["submitters"] + data["solo_submitters"] + data["probes"]
    for attempt in LabAttempt.objects.filter(lab=data["real"], person_id__in=everybody):
        work[attempt.person_id] = right_and_wrong(data["real"], attempt.answers)

    def writer_work(pks):
        return [{"token": data["tokens"][pk], "questions": work[pk]} for pk in pks]

    sessions = [data["sessions"][pk] for pk in data["readers"]]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hifazat.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        for _ in range(120):
            try:
                _request("GET", "/healthz", {})
                break
            except OSError:
                time.sleep(0.5)
        # warm-up: both workers import and connect
        for key in sessions[:6]:
            _request("GET", "/labs/scoreboard/", {"Cookie": f"sessionid={key}"})
        for pk in data["probes"]:
            _request("GET", "/api/v1/labs", {"Authorization": f"Bearer {data['tokens'][pk]}"})
        log(f"  reads alone ({ALONE} s) …")
        reads = run_phase(data, server.pid, sessions, [], ALONE)
        log(f"  submissions alone ({ALONE} s) …")
        writes = run_phase(data, server.pid, [], writer_work(data["solo_submitters"]), ALONE)
        log(f"  mixed ({DURATION} s) …")
        mixed = run_phase(
            data, server.pid, sessions, writer_work(data["submitters"]), DURATION, work
        )
        log(f"  for comparison: API board reads alone ({ALONE} s) …")
        api_tokens = [data["read_tokens"][pk] for pk in data["readers"]]
        api_reads = run_phase(data, server.pid, api_tokens, [], ALONE)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "reads_alone": reads,
        "submissions_alone": writes,
        "mixed": mixed,
        "api_reads_alone": api_reads,
    }


# --- report ----------------------------------------------------------------------------------


def run(url: str) -> int:
    with tempfile.TemporaryDirectory() as var_dir:
        env = configure(url, var_dir)
        from django.db import connection

        scale = "SMALL" if SMALL else "full"
        log(
            f"scoreboard ({scale}): {PEOPLE:,} people, {LEARNERS:,} + {OTHERS:,} learners × "
            f"{1 + COPIES} labs …"
        )
        data = load_data()
        log("  measuring the board: baseline SQL and the page …")
        static = measure_static(data)
        ms = static["median_ms"]
        ratio = ms["page_cold"] / ms["baseline"]
        shows = solve_shows(data, static["url"])
        log(f"  a solve shows after {shows.get('delay_ms', float('nan')):.0f} ms; mixed load …")
        profiles = profile_requests(data, static["url"], cprofile=False)
        phases = mixed_load(data, env)
        mixed = phases["mixed"]
        mixed_ok = (
            mixed["reads_s"] >= TARGET_READS
            and mixed["read_p99_ms"] < TARGET_READ_P99_MS
            and mixed["submissions_s"] >= TARGET_SUBS
            and mixed["read_errors"] == 0
            and mixed["submit_errors"] == 0
            and mixed["answers_checked"] == mixed["submission_rows_stored"]
            and all(p["shown"] and p["delay_ms"] <= TARGET_SHOW_MS for p in mixed["probes"])
            and bool(mixed["probes"])
        )
        static_ok = (
            ratio <= TARGET_RATIO and not static["problems"] and shows["shown"]
            and shows["delay_ms"] <= TARGET_SHOW_MS
        )  # fmt: skip
        if not (static_ok and mixed_ok):
            profiles = profile_requests(data, static["url"], cprofile=True)
        pg_version = connection.pg_version
        ministry = data["ministry"]
        sha = commit()

    timings = data["timings"]
    print(
        f"\nscoreboard — {data['population']:,} people; {len(data['learners']):,} learners in "
        f"{ministry.name} + {len(data['others']):,} elsewhere × {len(data['labs'])} labs = "
        f"{data['attempts']:,} attempts ({data['attempts_bytes'] / 2**20:.0f} MB with their "
        f"answers, {data['answers_bytes'] / 1024:.0f} KB of JSON each); PostgreSQL "
        f"{pg_version // 10000}; commit {sha}"
    )
    print(
        "  set-up: " + ", ".join(f"{k.removesuffix('_s')} {v:.1f} s" for k, v in timings.items())
    )
    print(
        "  standings page = baseline: "
        + ("yes" if not static["problems"] else "NO: " + "; ".join(static["problems"]))
    )
    labels = {
        "baseline": "baseline: one SQL query (cursor)",
        "standings": "services.standings() (reads the Standing rows the board reads)",
        "page_cold": "board page, cache cold",
        "page_warm": "board page, cache warm",
        "api_cold": "API organisation board, cold",
        "api_warm": "API organisation board, warm",
        "home": "  parts: home page (framework, session)",
        "ministry_of": "  parts: selectors.ministry_of()",
        "own_record": "  parts: the page's own-record query",
        "own_record_lean": "  parts: the same, answers deferred",
        "own_record_values": "  parts: the same, only the fields shown",
    }
    print("  static, Django test client, one process (median of 5 after a warm-up):")
    for name, label in labels.items():
        values = ", ".join(f"{v * 1000:.1f}" for v in static["runs_s"][name])
        print(f"    {label:<42} {ms[name]:>7.1f} ms  (runs {values})")
    print(
        f"    page size {static['bytes'] / 1024:.0f} KB; ratio page cold ÷ baseline per run: "
        + ", ".join(f"{r:.2f}" for r in static["pair_ratios"])
        + f" (median {median(static['pair_ratios']):.2f})"
    )
    if shows["shown"]:
        print(
            f"  a solve shows: answer committed in {shows['submit_ms']:.0f} ms, on the board "
            f"{shows['delay_ms']:.0f} ms later ({shows['polls']} page read(s)); rank "
            f"{shows['rank']}, {shows['points_before']} → {shows['points_after']} points"
        )
    else:
        print("  a solve shows: NOT within 10 s")
    print("  per request, in process (queries and their time; ms rounded by Django):")
    for name, p in profiles.items():
        print(
            f"    {name:<14} {p['total_ms']:>6.1f} ms, {len(p['queries']):>2} queries, SQL "
            f"{p['sql_ms']:>5.1f} ms"
        )
    m = mixed
    print(
        f"\n  load: gunicorn 2 sync workers; {READERS} threads reading the board PAGE (session "
        f"cookies), {WRITERS} threads answering through the API ({RIGHT_SHARE:.0%} right); the "
        "clients in 2 processes on the same machine"
    )
    for label, phase in (
        (f"reads alone, {ALONE} s", phases["reads_alone"]),
        (f"submissions alone, {ALONE} s ({len(data['solo_submitters'])} learners)",
         phases["submissions_alone"]),
        (f"MIXED, {DURATION} s ({len(data['submitters'])} learners answering)", m),
        (f"for comparison, not a target: the API board ({BOARD_API}) read alone, {ALONE} s",
         phases["api_reads_alone"]),
    ):  # fmt: skip
        print(f"   {label}")
        if phase["readers"]:
            print(
                f"    board reads   {phase['reads_ok']:>6}  {phase['reads_s']:>6.1f}/s  p50 "
                f"{phase['read_p50_ms']:>5.0f}  p95 {phase['read_p95_ms']:>5.0f}  p99 "
                f"{phase['read_p99_ms']:>5.0f} ms  errors {phase['read_errors']}"
            )
        if phase["writers"]:
            print(
                f"    submissions   {phase['submissions']:>6}  {phase['submissions_s']:>6.1f}/s  "
                f"p50 {phase['submit_p50_ms']:>5.0f}  p95 {phase['submit_p95_ms']:>5.0f}  p99 "
                f"{phase['submit_p99_ms']:>5.0f} ms  errors {phase['submit_errors']}  429 "
                f"{phase['rate_limited_429']}"
            )
            print(
                f"    outcomes {dict(sorted(phase['submit_kinds'].items()))}; answers checked "
                f"{phase['answers_checked']} = rows stored {phase['submission_rows_stored']}: "
                f"{'yes' if phase['answers_checked'] == phase['submission_rows_stored'] else 'NO'}"
            )
            print(
                f"    solves {phase['solves_s']:.1f}/s → board version bumped "
                f"{phase['board_versions']} times, {phase['boards_built']} boards built"
            )
        print(
            "    CPU (cores busy): "
            + ", ".join(f"{k} {v:.2f}" for k, v in phase["cpu_cores"].items())
            + f" of {os.cpu_count()}; server CPU per request "
            f"{phase['server_cpu_ms_per_request']:.1f} ms (load average before "
            f"{phase['loadavg_1min_before']:.1f})"
        )
    for p in m["probes"]:
        if p.get("submit_ms") is None:
            print(f"    probe solve {p['question']}: answer failed ({p.get('status')})")
        else:
            print(
                f"    probe solve {p['question']:<20} answer {p['submit_ms']:>5.0f} ms, shown "
                f"{'after' if p['shown'] else 'NOT within'} {p['delay_ms']:>5.0f} ms "
                f"({p['polls']} reads)"
            )
    for failure in (m["read_failures"] + m["submit_failures"])[:10]:
        print(f"    failure: {failure}")

    if not static_ok or not mixed_ok:
        print("\n  shortfall:")
        if ratio > TARGET_RATIO:
            print(f"    cold page {ratio:.2f}× the baseline, target ≤ {TARGET_RATIO:.2f}×")
        if m["reads_s"] < TARGET_READS:
            print(f"    board reads {m['reads_s']:.0f}/s, target ≥ {TARGET_READS:.0f}/s")
        if m["read_p99_ms"] >= TARGET_READ_P99_MS:
            print(
                f"    board read p99 {m['read_p99_ms']:.0f} ms, target < {TARGET_READ_P99_MS:.0f}"
            )
        if m["submissions_s"] < TARGET_SUBS:
            print(f"    submissions {m['submissions_s']:.0f}/s, target ≥ {TARGET_SUBS:.0f}/s")
        ra, sa = phases["reads_alone"], phases["submissions_alone"]
        print(
            f"    alone (no other load of ours): {ra['reads_s']:.0f} board reads/s at "
            f"{ra['server_cpu_ms_per_request']:.1f} ms of server CPU (gunicorn + PostgreSQL) each; "
            f"{sa['submissions_s']:.0f} submissions/s at {sa['server_cpu_ms_per_request']:.1f} ms"
        )
        need = (
            TARGET_READS * ra["server_cpu_ms_per_request"]
            + TARGET_SUBS * sa["server_cpu_ms_per_request"]
        )
        print(
            f"    the mixed targets ({TARGET_READS:.0f} reads/s + {TARGET_SUBS:.0f} answers/s) at "
            f"these costs need {need / 1000:.2f} cores of server CPU; the machine has "
            f"{os.cpu_count()}, shared with the load generator and other processes"
        )
        for name, p in profiles.items():
            print(f"  --- {name}: queries of one request")
            for q in p["queries"]:
                print(f"    {q['ms']:>6.1f} ms  {q['sql'][:140]}")
            if p.get("cprofile"):
                print(f"  --- {name}: cProfile of 10 requests")
                print(p["cprofile"])

    result = {
        "id": "scoreboard",
        "scale": scale,
        "engine": "postgres",
        "postgres_version": pg_version,
        "commit": sha,
        "people": data["population"],
        "ministry": ministry.name,
        "learners_in_ministry": len(data["learners"]),
        "learners_elsewhere": len(data["others"]),
        "labs": len(data["labs"]),
        "attempts": data["attempts"],
        "attempts_table_bytes": data["attempts_bytes"],
        "setup_s": timings,
        "standings_match": not static["problems"],
        "problems": static["problems"],
        "static_median_ms": ms,
        "static_runs_s": static["runs_s"],
        "static_pair_ratios": static["pair_ratios"],
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
        "solve_shows": shows,
        "load": phases,
        "targets_mixed": {
            "reads_s": TARGET_READS,
            "read_p99_ms": TARGET_READ_P99_MS,
            "submissions_s": TARGET_SUBS,
        },
        "profiles": profiles,
    }
    write_result("scoreboard-small" if SMALL else "scoreboard", result)
    line = bench_line(
        "scoreboard",
        ratio,
        "<=",
        TARGET_RATIO,
        learners=len(data["learners"]),
        labs=len(data["labs"]),
        page_cold_ms=f"{ms['page_cold']:.1f}",
        page_warm_ms=f"{ms['page_warm']:.1f}",
        baseline_ms=f"{ms['baseline']:.1f}",
        solve_shows_ms=f"{shows.get('delay_ms', -1):.0f}",
    )
    if static["problems"] or not shows["shown"] or shows["delay_ms"] > TARGET_SHOW_MS:
        line = line.replace(" PASS ", " FAIL ")
    print(line)
    shows_max = max((p.get("delay_ms", 1e9) for p in m["probes"]), default=-1)
    mixed_line = bench_line(
        "scoreboard-mixed",
        m["reads_s"] / TARGET_READS,
        ">=",
        1.0,
        reads_s=f"{m['reads_s']:.1f}",
        read_p99_ms=f"{m['read_p99_ms']:.0f}",
        submissions_s=f"{m['submissions_s']:.1f}",
        submit_p99_ms=f"{m['submit_p99_ms']:.0f}",
        errors=m["read_errors"] + m["submit_errors"],
        rate_limited=m["rate_limited_429"],
        solve_shows_max_ms=f"{shows_max:.0f}",
    )
    if mixed_ok:
        mixed_line = mixed_line.replace(" FAIL ", " PASS ")
    else:
        mixed_line = mixed_line.replace(" PASS ", " FAIL ")
    print(mixed_line)
    return int(" FAIL " in line or " FAIL " in mixed_line)


def main() -> int:
    with postgres_cluster() as server:
        if server is None:
            print("scoreboard: needs PostgreSQL (scripts/pg-tmp.sh could not start one)")
            return 1
        import psycopg

        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_scoreboard")
            conn.execute("CREATE DATABASE bench_scoreboard")
        status = run(server.rsplit("/", 1)[0] + "/bench_scoreboard")
        from django.db import connections

        connections.close_all()  # before the cluster stops
        return status


if __name__ == "__main__":
    sys.exit(main())
