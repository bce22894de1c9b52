"""Benchmark ``dashboard``: the readiness dashboards at national scale, on SQLite (a file) and on
PostgreSQL (a throwaway cluster), each in its own process with its own database.

Data: the demo organisations, 1,000,000 demo people (SMALL: 20,000) and the scale data set of
``hifazat.demo.scale`` — about 3,000,000 enrolments (SMALL: 60,000) with their certificates and
test attempts, lab cases for 40 % of the IT administrators, 12 phishing campaigns with about
2,000,000 events (SMALL: 40,000) and 500 advisories (SMALL: 50) to 60 organisations each. Then a
programme manager (national) and a focal person of the largest ministry (most people in its
subtree), the current month's snapshot and 12 earlier months (copies of the current one's rows:
what the trend tables read costs the same whatever the figures), ``VACUUM ANALYZE`` on
PostgreSQL (``hifazat.demo.scale`` ran ``ANALYZE`` on both). How long each step took is reported.

Measured (Django test client, one process, DEBUG off, persistent connection; one warm-up, then
RUNS repetitions alternating baseline and the three candidates; medians):

* baseline — hand-written SQL written here, independent of ``hifazat.reports.measures``: one
  grouped aggregate per area (people; valid and expiring certificates with the people holding a
  basic / advanced one; learning gain; lab completion and the lab score histogram; phishing
  delivered / human clicks / reporters per campaign and organisation for the campaigns of the
  last 12 months, and the minutes-to-report histogram; repeat clickers, named and all;
  advisories received / acknowledged / seconds to acknowledge / due / implemented / overdue;
  enrolments overdue), each grouped by the organisation the row belongs to, then added up in
  Python over every subtree (and the nation) and turned into the dashboards' rates, medians
  and readiness score for the nation and every ministry and division;
* refresh — ``snapshots.refresh()``: computing and storing the current month's snapshot;
  target ≤ 2 × baseline;
* national — GET /reports/national/ as the programme manager (the snapshot fresh); target
  ≤ 2 × baseline and under 1 s on SQLite, 0.5 s on PostgreSQL;
* organisation — GET /reports/organisations/<largest ministry>/ as its focal person (with the
  live "needs action" lists); the same targets.

Checked: the baseline's figures equal the snapshot's (``measures.Figures``) for the nation and
every ministry and division, rates within 1e-6 (counts exactly, seconds within a relative
1e-6); each difference is printed as FAIL. Then one more run of each candidate with its queries
captured (count, SQL time, the slowest), and the query plans (EXPLAIN ANALYZE on PostgreSQL,
EXPLAIN QUERY PLAN on SQLite) of the slowest ones.

Results in ``bench/results/dashboard.json`` (SMALL: ``dashboard-small.json``). The last line is
``BENCH dashboard ratio=<the worst candidate ÷ baseline over both engines> target=<=2.00`` with
each engine's times; FAIL also when an absolute page target is missed, a figure differs or an
engine could not run — every shortfall is printed. ``BENCH_ENGINES=sqlite`` (or ``postgres``)
runs one engine only (the line then says FAIL: the benchmark wants both).
"""

from __future__ import annotations

import cProfile
import hashlib
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from bench.common import (
    ROOT,
    SMALL,
    bench_line,
    client_for,
    fetch,
    git_commit,
    median,
    postgres_cluster,
    time_it,
    write_result,
)

SCALE = {
    "people": 20_000 if SMALL else 1_000_000,
    "enrolments": 60_000 if SMALL else 3_000_000,
    "phishing_events": 40_000 if SMALL else 2_000_000,
    "advisories": 50 if SMALL else 500,
}
RUNS = 5
TARGET = 2.0
PAGE_LIMIT_MS = {"sqlite": 1000.0, "postgres": 500.0}
TOLERANCE = 1e-6
HISTORY_MONTHS = 12
CANDIDATES = ("refresh", "national", "organisation")
ENGINES = [
    e.strip() for e in os.environ.get("BENCH_ENGINES", "sqlite,postgres").split(",") if e.strip()
]

PSEUDONYMOUS_MIN = 5  # people a pseudonymous campaign must reach for its rates to be shown
FINAL_STATES = ("implemented", "partial", "not_applicable", "cannot_comply", "verified")
IMPLEMENTED = ("implemented", "not_applicable")
WEIGHTS = {  # the readiness score's default weights (none are set in the bench database)
    "basic_coverage": 25,
    "advanced_coverage": 15,
    "lab_completion": 10,
    "phishing_resistance": 15,
    "year_report_rate": 10,
    "ack_rate": 10,
    "implementation_rate": 15,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Log:
    """What ``load_scale`` writes its progress to: lines on stderr."""

    def write(self, message: str) -> None:
        log(message.rstrip("\n"))


# --- the Django process ------------------------------------------------------------------


def configure(url: str, var_dir: str) -> None:
    """Production-like settings (DEBUG off, persistent connection), as bench/results.py."""
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "hifazat.settings",
            "HIFAZAT_VAR_DIR": var_dir,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1:8000",
            "STATIC_MANIFEST": "0",
            "HIFAZAT_TASKS_IMMEDIATE": "0",
            "DB_CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("PYTEST_VERSION", None)
    import django

    django.setup()


def largest_ministry():
    from django.db.models import Count

    from hifazat.orgs.models import Organisation, Person

    orgs = list(Organisation.objects.all())
    own = dict(
        Person.objects.filter(is_active=True)
        .values("organisation_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("organisation_id", "n")
    )
    sizes = [
        (sum(own.get(o.pk, 0) for o in orgs if o.path.startswith(m.path)), -m.pk, m)
        for m in orgs
        if m.kind == Organisation.Kind.MINISTRY
    ]
    people, _pk, ministry = max(sizes, key=lambda s: s[:2])
    return ministry, people


def build() -> dict:
    """The data set; returns the accounts, the ministry and how long each step took."""
    from django.core.management import call_command
    from django.db import connection

    from hifazat.demo.generator import load_organisations, load_people
    from hifazat.demo.scale import load_scale
    from hifazat.orgs.models import Organisation, Person, RoleAssignment
    from hifazat.orgs.roles import Role

    timings = {}

    def step(name, fn):
        started = time.perf_counter()
        result = fn()
        timings[name] = time.perf_counter() - started
        log(f"  {name}: {timings[name]:.1f} s")
        return result

    def migrate():
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("curriculum", "load", verbosity=0)
        load_organisations()

    step("migrate", migrate)
    done = [0]

    def progress(n: int) -> None:
        done[0] += n
        if done[0] % (SCALE["people"] // 10 or 1) < n or done[0] == SCALE["people"]:
            log(f"  people {done[0]:,}/{SCALE['people']:,}")

    step("people", lambda: load_people(SCALE["people"], batch_size=10_000, progress=progress))
    scale = step(
        "scale_data",
        lambda: load_scale(
            enrolments=SCALE["enrolments"],
            phishing_events=SCALE["phishing_events"],
            advisories=SCALE["advisories"],
            stdout=_Log(),
        ),
    )
    for name, seconds in scale["timings"].items():
        timings[f"scale_{name}"] = seconds

    ministry, ministry_people = largest_ministry()
    manager = Person.objects.create_user(
        email="bench.programme.manager@hifazat.gov.example",
        full_name="Bench Programme Manager",
        organisation=Organisation.objects.get(code="ITTD")
        if Organisation.objects.filter(code="ITTD").exists()
        else ministry,
        employee_number="BENCH-PM-1",
    )
    RoleAssignment.objects.create(person=manager, role=Role.PROGRAMME_MANAGER, organisation=None)
    focal = Person.objects.create_user(
        email="bench.focal.person@hifazat.gov.example",
        full_name="Bench Focal Person",
        organisation=ministry,
        employee_number="BENCH-FP-1",
    )
    RoleAssignment.objects.create(person=focal, role=Role.FOCAL_PERSON, organisation=ministry)

    if connection.vendor == "postgresql":

        def vacuum():
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

        step("vacuum_analyze", vacuum)
    step("snapshots", history)
    return {
        "timings": timings,
        "counts": scale["counts"],
        "manager": manager,
        "focal": focal,
        "ministry": ministry,
        "ministry_people": ministry_people,
    }


def history() -> None:
    """The current month's snapshot, and HISTORY_MONTHS earlier ones (copies of its rows)."""
    from django.db import transaction
    from django.utils import timezone

    from hifazat.reports import snapshots
    from hifazat.reports.models import OrgFigures, Snapshot

    current = snapshots.refresh()
    rows = list(OrgFigures.objects.filter(snapshot=current).values_list("organisation_id", "data"))
    period = current.period
    with transaction.atomic():
        for _ in range(HISTORY_MONTHS):
            period = snapshots.previous_month(period)
            if Snapshot.objects.filter(period=period).exists():
                continue
            old = Snapshot.objects.create(
                period=period,
                as_of=snapshots.month_end(period),
                taken_at=snapshots.month_end(period) + timedelta(minutes=5),
                seconds=current.seconds,
            )
            OrgFigures.objects.bulk_create(
                [OrgFigures(snapshot=old, organisation_id=pk, data=data) for pk, data in rows],
                batch_size=500,
            )
    assert timezone.now() - current.taken_at < snapshots.MAX_AGE


# --- baseline: the same figures in hand-written SQL -------------------------------------------


def dialect(vendor: str) -> dict[str, str]:
    """Engine-specific pieces: exact seconds between two moments, and minutes (floored)."""
    if vendor == "postgresql":
        return {
            "seconds": "GREATEST(0, EXTRACT(EPOCH FROM {a} - {b}))",
            "minutes": "GREATEST(0, FLOOR(EXTRACT(EPOCH FROM {a} - {b}) / 60))",
        }
    # SQLite keeps moments as text 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC): whole seconds from
    # julianday(), microseconds from the text, so the arithmetic is exact
    micro = (
        "(CAST(ROUND((julianday(substr({a}, 1, 19)) - julianday(substr({b}, 1, 19))) * 86400)"
        " AS INTEGER) * 1000000 + CAST(substr({a} || '.000000', 21, 6) AS INTEGER)"
        " - CAST(substr({b} || '.000000', 21, 6) AS INTEGER))"
    )
    return {
        "seconds": f"MAX(0, {micro}) / 1000000.0",
        "minutes": f"MAX(0, {micro}) / 60000000",
    }


ACTIVE = (
    "{p}.date_joined <= %(as_of)s AND (({p}.is_active AND {p}.deactivated_at IS NULL) "
    "OR {p}.deactivated_at > %(as_of)s)"
)
SQL = {
    "people": f"""
SELECT p.organisation_id, COUNT(*), SUM(CASE WHEN p.track = 'it_admin' THEN 1 ELSE 0 END)
  FROM orgs_person p
 WHERE {ACTIVE.format(p="p")}
 GROUP BY p.organisation_id""",
    "certificates": f"""
SELECT p.organisation_id,
       COUNT(*),
       SUM(CASE WHEN c.expires_at <= %(soon)s AND NOT EXISTS (
             SELECT 1 FROM learning_certificate n
              WHERE n.person_id = c.person_id AND n.course_id = c.course_id
                AND n.expires_at > c.expires_at AND n.issued_at <= %(as_of)s
                AND (n.revoked_at IS NULL OR n.revoked_at > %(as_of)s))
           THEN 1 ELSE 0 END),
       COUNT(DISTINCT CASE WHEN c.course_id = %(basic)s THEN c.person_id END),
       COUNT(DISTINCT CASE WHEN c.course_id = %(advanced)s AND p.track = 'it_admin'
                           THEN c.person_id END)
  FROM learning_certificate c
  JOIN orgs_person p ON p.id = c.person_id
 WHERE c.issued_at <= %(as_of)s AND c.expires_at > %(as_of)s
   AND (c.revoked_at IS NULL OR c.revoked_at > %(as_of)s)
   AND {ACTIVE.format(p="p")}
 GROUP BY p.organisation_id""",
    "gain": """
SELECT p.organisation_id,
       COUNT(*),
       SUM(a.best - a.pre),
       SUM(CASE WHEN a.pre < 100 THEN 1 ELSE 0 END),
       SUM(CASE WHEN a.pre < 100 THEN (a.best - a.pre) * 1.0 / (100 - a.pre) END)
  FROM (SELECT enrolment_id,
               MAX(CASE WHEN kind = 'final' THEN score END) AS best,
               MAX(CASE WHEN kind = 'pre' AND number = 1 THEN score END) AS pre
          FROM assessments_attempt
         WHERE submitted_at <= %(as_of)s
         GROUP BY enrolment_id) a
  JOIN learning_enrolment e ON e.id = a.enrolment_id
  JOIN orgs_person p ON p.id = e.person_id
 WHERE a.best IS NOT NULL AND a.pre IS NOT NULL
 GROUP BY p.organisation_id""",
    "overdue_enrolments": f"""
SELECT p.organisation_id, COUNT(*)
  FROM learning_enrolment e
  JOIN orgs_person p ON p.id = e.person_id
 WHERE (e.status = 'active' OR (e.status = 'completed' AND e.completed_at > %(as_of)s))
   AND e.enrolled_at <= %(as_of)s AND e.due_date < %(today)s AND {ACTIVE.format(p="p")}
   AND NOT EXISTS (SELECT 1 FROM learning_certificate c
                    WHERE c.person_id = e.person_id AND c.course_id = e.course_id
                      AND c.issued_at <= %(as_of)s AND c.expires_at > %(as_of)s
                      AND (c.revoked_at IS NULL OR c.revoked_at > %(as_of)s))
 GROUP BY p.organisation_id""",
    "lab_people": f"""
SELECT p.organisation_id, COUNT(DISTINCT a.person_id)
  FROM labs_labattempt a
  JOIN orgs_person p ON p.id = a.person_id
 WHERE a.finished_at <= %(as_of)s AND p.track = 'it_admin' AND {ACTIVE.format(p="p")}
 GROUP BY p.organisation_id""",
    "lab_scores": """
SELECT p.organisation_id, a.lab_id, a.points, COUNT(*)
  FROM labs_labattempt a
  JOIN orgs_person p ON p.id = a.person_id
 WHERE a.finished_at <= %(as_of)s
 GROUP BY p.organisation_id, a.lab_id, a.points""",
    "campaigns": """
SELECT id, launched_at, pseudonymous FROM phishing_campaign
 WHERE launched_at <= %(as_of)s AND launched_at > %(year_ago)s""",
    "sends": """
SELECT campaign_id, organisation_id,
       SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END), COUNT(human_at), COUNT(reported_at)
  FROM phishing_send
 WHERE campaign_id IN ({campaigns})
 GROUP BY campaign_id, organisation_id""",
    "report_minutes": """
SELECT campaign_id, organisation_id, {minutes}, COUNT(*)
  FROM phishing_send
 WHERE campaign_id IN ({campaigns}) AND reported_at IS NOT NULL AND sent_at IS NOT NULL
 GROUP BY 1, 2, 3""",
    "repeat_clickers": """
SELECT organisation_id, COUNT(*), SUM(CASE WHEN named >= 2 THEN 1 ELSE 0 END)
  FROM (SELECT p.organisation_id, s.person_id,
               COUNT(DISTINCT CASE WHEN s.campaign_id IN ({named}) THEN s.campaign_id END)
                 AS named
          FROM phishing_send s
          JOIN orgs_person p ON p.id = s.person_id
         WHERE s.campaign_id IN ({campaigns})
           AND (s.human_at IS NOT NULL OR s.submitted_at IS NOT NULL)
         GROUP BY p.organisation_id, s.person_id
        HAVING COUNT(DISTINCT s.campaign_id) >= 2) failed
 GROUP BY organisation_id""",
    "tallies": """
SELECT campaign_id, organisation_id, delivered, human, reported, report_seconds
  FROM phishing_tally
 WHERE campaign_id IN ({campaigns})""",
    "advisories": """
SELECT r.organisation_id,
       COUNT(*),
       SUM(CASE WHEN {acked} THEN 1 ELSE 0 END),
       SUM(CASE WHEN {acked} THEN {ack_seconds} ELSE 0 END),
       SUM(CASE WHEN {final} OR r.act_due <= %(as_of)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN {final} AND r.outcome IN ('implemented', 'not_applicable') THEN 1 ELSE 0 END),
       SUM(CASE WHEN (NOT {acked} AND r.ack_due < %(as_of)s)
                  OR (NOT {final} AND r.act_due < %(as_of)s) THEN 1 ELSE 0 END)
  FROM advisories_recipient r
  JOIN advisories_advisory a ON a.id = r.advisory_id
  JOIN (SELECT advisory_id, MIN(published_at) AS first
          FROM advisories_revision GROUP BY advisory_id) pub ON pub.advisory_id = r.advisory_id
 WHERE r.organisation_id IS NOT NULL AND a.state <> 'withdrawn' AND pub.first <= %(as_of)s
 GROUP BY r.organisation_id""",
}


def _num(value) -> float:
    return float(value or 0)


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def baseline(as_of=None) -> dict:
    """{None (the nation) or organisation id: figures} for the nation and every ministry and
    division, from the live tables, as of ``as_of`` (now)."""
    from django.db import connection
    from django.utils import timezone

    as_of = as_of or timezone.now()
    d = dialect(connection.vendor)

    def moment(value):
        return connection.ops.adapt_datetimefield_value(value)

    own = defaultdict(lambda: defaultdict(float))  # org -> counter -> value
    lab_hist = defaultdict(lambda: defaultdict(int))  # org -> pct -> n
    phish = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))  # org -> campaign -> [d, h, r]
    minutes = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))  # org -> c -> min -> n
    with connection.cursor() as cursor:
        cursor.execute("SELECT slug, id FROM learning_course WHERE slug IN ('basic', 'advanced')")
        courses = dict(cursor.fetchall())
        params = {
            "as_of": moment(as_of),
            "soon": moment(as_of + timedelta(days=60)),
            "year_ago": moment(as_of - timedelta(days=365)),
            "today": timezone.localtime(as_of).date(),
            "basic": courses.get("basic", -1),
            "advanced": courses.get("advanced", -1),
        }

        def rows(name, **parts):
            cursor.execute(SQL[name].format(**parts) if parts else SQL[name], params)
            return cursor.fetchall()

        for org, staff, it in rows("people"):
            own[org]["staff"] += staff
            own[org]["it_admins"] += _num(it)
        for org, valid, expiring, basic, advanced in rows("certificates"):
            own[org]["certs_valid"] += valid
            own[org]["certs_expiring"] += _num(expiring)
            own[org]["basic"] += basic
            own[org]["advanced"] += advanced
        for org, n, raw, g_n, g in rows("gain"):
            own[org]["gain_n"] += n
            own[org]["gain_raw"] += _num(raw)
            own[org]["gain_g_n"] += _num(g_n)
            own[org]["gain_g"] += _num(g)
        for org, n in rows("overdue_enrolments"):
            own[org]["overdue_enrolments"] += n
        for org, n in rows("lab_people"):
            own[org]["lab_people"] += n
        cursor.execute("SELECT id, definition FROM labs_lab")
        full = {
            pk: sum(q.get("points", 0) for q in _json(definition).get("questions", []))
            for pk, definition in cursor.fetchall()
        }
        for org, lab, points, n in rows("lab_scores"):
            if full.get(lab):
                lab_hist[org][max(0, min(100, (100 * points) // full[lab]))] += n
        found = rows("campaigns")
        launched = {pk: at for pk, at, _p in found}
        pseudonymous = {pk for pk, _at, p in found if p}
        if launched:
            ids = ", ".join(str(int(pk)) for pk in launched)
            named = ", ".join(str(int(pk)) for pk in launched if pk not in pseudonymous) or "0"
            for org, everyone, named_n in rows("repeat_clickers", campaigns=ids, named=named):
                own[org]["repeat_all"] += everyone
                own[org]["repeat_named"] += _num(named_n)
            for cid, org, delivered, human, reported in rows("sends", campaigns=ids):
                row = phish[org][cid]
                row[0] += _num(delivered)
                row[1] += human
                row[2] += reported
            for cid, org, minute, n in rows(
                "report_minutes",
                campaigns=ids,
                minutes=d["minutes"].format(a="reported_at", b="sent_at"),
            ):
                minutes[org][cid][int(minute)] += n
            for cid, org, delivered, human, reported, seconds in rows("tallies", campaigns=ids):
                row = phish[org][cid]
                row[0] += delivered
                row[1] += human
                row[2] += reported
                for s in _json(seconds) or []:
                    minutes[org][cid][int(max(s, 0) // 60)] += 1
        acked = "(r.acknowledged_at IS NOT NULL AND r.acknowledged_at <= %(as_of)s)"
        final = (
            f"(r.state IN ({', '.join(repr(s) for s in FINAL_STATES)}) "
            "AND r.submitted_at IS NOT NULL AND r.submitted_at <= %(as_of)s)"
        )
        for org, received, ack, seconds, due, implemented, overdue in rows(
            "advisories",
            acked=acked,
            final=final,
            ack_seconds=d["seconds"].format(a="r.acknowledged_at", b="pub.first"),
        ):
            mine = own[org]
            mine["adv_received"] += received
            mine["adv_ack"] += _num(ack)
            mine["ack_seconds"] += _num(seconds)
            mine["adv_due"] += _num(due)
            mine["adv_implemented"] += _num(implemented)
            mine["adv_overdue"] += _num(overdue)
        cursor.execute(
            "SELECT id, path, kind, valid_to FROM orgs_organisation "
            "WHERE kind IN ('ministry', 'division')"
        )
        shown = cursor.fetchall()
        cursor.execute("SELECT id, path FROM orgs_organisation")
        paths = dict(cursor.fetchall())

    # every organisation's own figures added into its ancestors' and the nation's
    def ancestors(org):
        if org is None or org not in paths:
            return [None]
        return [None] + [int(x) for x in paths[org].strip("/").split("/") if x]

    wanted = {None} | {pk for pk, *_ in shown}
    totals = {key: defaultdict(float) for key in wanted}
    hists = {key: defaultdict(int) for key in wanted}
    campaigns = {key: defaultdict(lambda: [0, 0, 0]) for key in wanted}
    report_minutes = {key: defaultdict(lambda: defaultdict(int)) for key in wanted}
    for org in set(own) | set(lab_hist) | set(phish) | set(minutes):
        for up in ancestors(org):
            if up not in wanted:
                continue
            for name, value in own.get(org, {}).items():
                totals[up][name] += value
            for pct, n in lab_hist.get(org, {}).items():
                hists[up][pct] += n
            for cid, (dv, hm, rp) in phish.get(org, {}).items():
                row = campaigns[up][cid]
                row[0] += dv
                row[1] += hm
                row[2] += rp
            for cid, hist in minutes.get(org, {}).items():
                for minute, n in hist.items():
                    report_minutes[up][cid][minute] += n
    return {
        key: figures(
            totals[key], hists[key], campaigns[key], report_minutes[key], launched, pseudonymous
        )
        for key in wanted
    }


def _share(part, whole):
    return part / whole if whole else None


def _median(hist: dict) -> float | None:
    values = sorted(hist.items())
    n = sum(c for _v, c in values)
    if not n:
        return None

    def nth(k):
        seen = 0
        for value, count in values:
            seen += count
            if k < seen:
                return value
        return values[-1][0]

    return float(nth(n // 2)) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2


def figures(
    t: dict, lab_hist: dict, campaigns: dict, report_minutes: dict, launched, pseudonymous
) -> dict:
    # a pseudonymous campaign counts where it reached at least PSEUDONYMOUS_MIN people
    reached = {
        cid: row
        for cid, row in campaigns.items()
        if row[0] and not (cid in pseudonymous and row[0] < PSEUDONYMOUS_MIN)
    }
    delivered = sum(row[0] for row in reached.values())
    last = max(reached, key=lambda cid: (str(launched[cid]), cid)) if reached else None
    lab_median = _median(lab_hist)
    report_median = _median(report_minutes.get(last, {})) if last else None
    out = {
        "staff": t["staff"],
        "it_admins": t["it_admins"],
        "basic_coverage": _share(t["basic"], t["staff"]),
        "advanced_coverage": _share(t["advanced"], t["it_admins"]),
        "certs_valid": t["certs_valid"],
        "certs_expiring": t["certs_expiring"],
        "gain": _share(t["gain_g"], t["gain_g_n"]),
        "raw_gain": _share(t["gain_raw"], t["gain_n"]),
        "lab_completion": _share(t["lab_people"], t["it_admins"]),
        "lab_median": None if lab_median is None else lab_median / 100,
        "last_campaign_id": last,
        "last_click_rate": _share(reached[last][1], reached[last][0]) if last else None,
        "last_report_rate": _share(reached[last][2], reached[last][0]) if last else None,
        "last_median_report_seconds": None if report_median is None else report_median * 60,
        "year_click_rate": _share(sum(r[1] for r in reached.values()), delivered),
        "year_report_rate": _share(sum(r[2] for r in reached.values()), delivered),
        "adv_received": t["adv_received"],
        "ack_rate": _share(t["adv_ack"], t["adv_received"]),
        "implementation_rate": _share(t["adv_implemented"], t["adv_due"]),
        "mean_ack_seconds": _share(t["ack_seconds"], t["adv_ack"]),
        "adv_overdue": t["adv_overdue"],
        "overdue_enrolments": t["overdue_enrolments"],
        "repeat_named": t["repeat_named"],
        "repeat_all": t["repeat_all"],
    }
    parts = {
        "basic_coverage": out["basic_coverage"],
        "advanced_coverage": out["advanced_coverage"],
        "lab_completion": out["lab_completion"],
        "phishing_resistance": None
        if out["year_click_rate"] is None
        else 1 - out["year_click_rate"],
        "year_report_rate": out["year_report_rate"],
        "ack_rate": out["ack_rate"],
        "implementation_rate": out["implementation_rate"],
    }
    used = {k: v for k, v in parts.items() if v is not None and WEIGHTS.get(k)}
    weight = sum(WEIGHTS[k] for k in used)
    out["readiness"] = sum(WEIGHTS[k] * v for k, v in used.items()) / weight if weight else None
    return out


def check(base: dict, snapshot) -> tuple[list[str], int]:
    """Differences between the baseline's figures and the snapshot's; (problems, compared)."""
    from hifazat.orgs.models import Organisation
    from hifazat.reports import snapshots

    view = snapshots.read(snapshot)
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=[k for k in base if k])}
    found = view.many(orgs.values())
    problems, compared = [], 0
    for key in sorted(base, key=lambda k: (k is not None, k or 0)):
        label = "nation" if key is None else orgs[key].code
        fig = view.figures(None) if key is None else found.get(key)
        if fig is None:
            problems.append(f"{label}: no figures in the snapshot")
            continue
        for name, expected in base[key].items():
            got = fig.readiness(WEIGHTS) if name == "readiness" else getattr(fig, name)
            compared += 1
            if expected is None or got is None:
                ok = expected is None and got is None
            else:
                ok = abs(float(got) - float(expected)) <= TOLERANCE * max(1.0, abs(expected))
            if not ok:
                problems.append(f"{label} {name}: snapshot {got!r}, baseline {expected!r}")
    return problems, compared


# --- measuring ------------------------------------------------------------------------------


def explain(sql: str) -> str:
    from django.db import connection

    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
        return ""
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            rows = cursor.fetchall()
    except Exception as exc:  # noqa: BLE001 - a plan is a nice-to-have
        return f"(no plan: {exc})"
    if connection.vendor == "postgresql":
        return "\n".join(r[0] for r in rows)
    return "\n".join(" ".join(str(c) for c in r) for r in rows)


def profile_call(fn, plans: int = 3) -> dict:
    """One more call with its queries captured (the plans of the slowest ``plans``), and one
    under cProfile (where the Python time goes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        total = time_it(fn)
    queries = [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in ctx.captured_queries]
    slowest = sorted(queries, key=lambda q: -q["ms"])[:plans]
    for q in slowest:
        q["plan"] = explain(q["sql"])
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(r"hifazat|bench|django/(template|db)", 30)
    stats.sort_stats("tottime").print_stats(15)
    return {
        "total_ms": total * 1000,
        "sql_ms": sum(q["ms"] for q in queries),
        "queries": len(queries),
        "slowest": slowest,
        "cprofile": text.getvalue(),
    }


def snapshot_bytes() -> dict:
    """How much JSON the current snapshot holds (what the pages parse)."""
    from hifazat.reports import snapshots
    from hifazat.reports.models import OrgFigures

    view = snapshots.read()
    sizes = {
        pk: len(json.dumps(data))
        for pk, data in OrgFigures.objects.filter(snapshot=view.snapshot).values_list(
            "organisation_id", "data"
        )
    }
    return {
        "rows": len(sizes),
        "total": sum(sizes.values()),
        "national": sizes.get(None, 0),
        "largest_org": max((v for k, v in sizes.items() if k is not None), default=0),
    }


def measure(data: dict) -> dict:
    from django.urls import reverse
    from django.utils import timezone

    from hifazat.reports import snapshots
    from hifazat.reports.models import Snapshot

    manager, focal = client_for(data["manager"]), client_for(data["focal"])
    urls = {
        "national": reverse("reports:national"),
        "organisation": reverse("reports:organisation", args=[data["ministry"].pk]),
    }

    def fresh():
        # the pages must find the snapshot fresh, or they would compute one while timed
        latest = Snapshot.objects.filter(
            period=snapshots.month_start(timezone.localdate())
        ).first()
        if latest is None or timezone.now() - latest.taken_at > snapshots.MAX_AGE / 2:
            snapshots.refresh()

    work = {
        "baseline": baseline,
        "refresh": snapshots.refresh,
        "national": lambda: fetch(manager, urls["national"]),
        "organisation": lambda: fetch(focal, urls["organisation"]),
    }
    runs = {name: [] for name in work}
    for fn in work.values():  # warm-up
        fresh()
        fn()
    for i in range(RUNS):
        for name, fn in work.items():
            if name in urls:
                fresh()
            runs[name].append(time_it(fn))
        log(
            f"  run {i + 1}/{RUNS}: "
            + ", ".join(f"{n} {v[-1] * 1000:.0f} ms" for n, v in runs.items())
        )
    sizes = {name: fetch(client, urls[name]) for name, client in (("national", manager),
                                                                  ("organisation", focal))}  # fmt: skip
    fresh()
    profiles = {
        "baseline": profile_call(baseline),
        "refresh": profile_call(snapshots.refresh),
        "national": profile_call(work["national"]),
        "organisation": profile_call(work["organisation"]),
    }
    return {"runs": runs, "sizes": sizes, "urls": urls, "profiles": profiles}


def reports_code() -> str:
    """A digest of the reports app as measured (it changes while it is being built)."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "hifazat" / "reports").rglob("*.py"))
    files += sorted((ROOT / "hifazat" / "templates" / "reports").rglob("*.html"))
    for path in files:
        if "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def table_sizes() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in (
            "orgs_person",
            "learning_enrolment",
            "learning_certificate",
            "assessments_attempt",
            "labs_labattempt",
            "phishing_send",
            "phishing_event",
            "advisories_advisory",
            "advisories_recipient",
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our own names
            out[table] = cursor.fetchone()[0]
    return out


def child(engine: str, url: str, out_path: str) -> int:
    with tempfile.TemporaryDirectory() as var_dir:
        configure(url, var_dir)
        from django.db import connection

        from hifazat.reports import snapshots

        log(f"dashboard ({engine}): building {SCALE['people']:,} people and the scale data …")
        started = time.perf_counter()
        data = build()
        build_s = time.perf_counter() - started
        rows = table_sizes()
        snapshot_size = snapshot_bytes()
        log(f"dashboard ({engine}): built in {build_s:.0f} s; checking the figures …")
        snapshot = snapshots.refresh()
        problems, compared = check(baseline(snapshot.as_of), snapshot)
        log(f"dashboard ({engine}): {len(problems)} differences in {compared} figures; measuring")
        load_before = os.getloadavg()
        m = measure(data)
        load_after = os.getloadavg()
        version = (
            f"PostgreSQL {connection.pg_version // 10000}"
            if connection.vendor == "postgresql"
            else f"SQLite {connection.Database.sqlite_version}"
        )
        if engine == "sqlite":
            size = os.path.getsize(connection.settings_dict["NAME"])
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_database_size(current_database())")
                size = cursor.fetchone()[0]
        from django.db import connections

        connections.close_all()

    ms = {name: median(values) * 1000 for name, values in m["runs"].items()}
    ratios = {name: ms[name] / ms["baseline"] for name in CANDIDATES}
    result = {
        "engine": engine,
        "version": version,
        "reports_code": reports_code(),
        "loadavg": {"before": load_before, "after": load_after, "cpus": os.cpu_count()},
        "scale": SCALE,
        "rows": rows,
        "database_bytes": size,
        "snapshot_json_bytes": snapshot_size,
        "ministry": {
            "code": data["ministry"].code,
            "pk": data["ministry"].pk,
            "people": data["ministry_people"],
        },  # fmt: skip
        "build_s": build_s,
        "setup_s": data["timings"],
        "counts": data["counts"],
        "figures_compared": compared,
        "problems": problems,
        "median_ms": ms,
        "ratios": ratios,
        "runs_s": m["runs"],
        "sizes_bytes": m["sizes"],
        "urls": m["urls"],
        "profiles": m["profiles"],
    }
    report_engine(result)
    Path(out_path).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return 0


# --- report ---------------------------------------------------------------------------------


def shortfalls(r: dict) -> list[str]:
    out = []
    for name in CANDIDATES:
        if r["ratios"][name] > TARGET:
            out.append(
                f"{r['engine']} {name}: {r['ratios'][name]:.2f}× the baseline "
                f"({r['median_ms'][name]:.0f} ms vs {r['median_ms']['baseline']:.0f} ms), "
                f"target ≤ {TARGET:.2f}×"
            )
    limit = PAGE_LIMIT_MS[r["engine"]]
    for name in ("national", "organisation"):
        if r["median_ms"][name] >= limit:
            out.append(
                f"{r['engine']} {name} page: {r['median_ms'][name]:.0f} ms, target < {limit:.0f} ms "
                f"(over by {r['median_ms'][name] - limit:.0f} ms)"
            )
    if r["problems"]:
        out.append(f"{r['engine']}: {len(r['problems'])} figures differ from the baseline")
    return out


def report_engine(r: dict) -> None:
    print(
        f"\ndashboard — {r['engine']} ({r['version']}), {r['rows']['orgs_person']:,} people, "
        f"{r['rows']['learning_enrolment']:,} enrolments, {r['rows']['phishing_event']:,} "
        f"phishing events, {r['rows']['advisories_recipient']:,} advisory recipient rows; "
        f"database {r['database_bytes'] / 2**20:,.0f} MiB; Django test client, one process, "
        f"DEBUG off; reports app {r['reports_code']}"
    )
    print(
        "  set-up: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in r["setup_s"].items())
        + f" (in all {r['build_s']:.0f} s)"
    )
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()))
    la = r["loadavg"]
    print(
        f"  load average (1, 5, 15 min) before measuring {', '.join(f'{x:.1f}' for x in la['before'])}"
        f", after {', '.join(f'{x:.1f}' for x in la['after'])} ({la['cpus']} CPUs)"
    )
    js = r["snapshot_json_bytes"]
    print(
        f"  snapshot: {js['rows']} rows, {js['total'] / 1024:,.0f} KiB of JSON (national row "
        f"{js['national'] / 1024:,.0f} KiB, largest organisation row {js['largest_org'] / 1024:,.0f} KiB)"
    )
    m = r["ministry"]
    print(
        f"  organisation page: {m['code']} (pk {m['pk']}), {m['people']:,} people in its subtree"
    )
    ok = not r["problems"]
    print(
        f"  figures snapshot = baseline ({r['figures_compared']} compared, nation and every "
        f"ministry and division): {'yes' if ok else 'NO'}"
    )
    for problem in r["problems"][:40]:
        print(f"    FAIL {problem}")
    if len(r["problems"]) > 40:
        print(f"    … and {len(r['problems']) - 40} more")
    labels = {
        "baseline": "baseline: hand-written SQL + roll-up",
        "refresh": "snapshots.refresh()",
        "national": "GET /reports/national/",
        "organisation": "GET /reports/organisations/<ministry>/",
    }
    limit = PAGE_LIMIT_MS[r["engine"]]
    for name, label in labels.items():
        values = ", ".join(f"{v * 1000:.0f}" for v in r["runs_s"][name])
        tail = ""
        if name in r["ratios"]:
            tail = f"  {r['ratios'][name]:>6.2f}× baseline"
        if name in ("national", "organisation"):
            tail += f"  (< {limit:.0f} ms: {'yes' if r['median_ms'][name] < limit else 'NO'})"
        print(f"  {label:<40} {r['median_ms'][name]:>9.1f} ms  (runs {values}){tail}")
    print("  one more run of each with its queries captured (ms as Django measures them):")
    for name, p in r["profiles"].items():
        print(
            f"    {name:<13} {p['queries']:>4} queries, SQL {p['sql_ms']:>8.1f} ms of "
            f"{p['total_ms']:>8.1f} ms; slowest: "
            + ", ".join(f"{q['ms']:.1f}" for q in p["slowest"])
        )
    for name in ("refresh", "organisation", "national"):
        for q in r["profiles"][name]["slowest"][:2]:
            sql = " ".join(q["sql"].split())
            print(f"    {name} query {q['ms']:.1f} ms: {sql[:220]}{'…' if len(sql) > 220 else ''}")
            plan = q.get("plan", "").splitlines()
            for line in plan[:14]:
                print(f"        {line}")
            if len(plan) > 14:
                print(f"        … ({len(plan) - 14} more lines in the JSON)")
    if r["engine"] == "sqlite":
        print("    (on SQLite Django times execute() only: a grouped query's rows are computed")
        print(
            "     while they are fetched, so 'SQL' undercounts; the plans show the access paths)"
        )
    missed = shortfalls(r)
    for line in missed:
        print(f"  shortfall: {line}")
    for name in CANDIDATES:
        if any(line.startswith(f"{r['engine']} {name}") for line in missed):
            print(f"  cProfile of {name}:")
            for line in r["profiles"][name]["cprofile"].splitlines()[:60]:
                print(f"    {line}")


def main() -> int:
    results: dict[str, dict] = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("PYTEST_VERSION", None)

        def run_child(engine: str, url: str) -> None:
            out = Path(tmp) / f"{engine}.json"
            status = subprocess.call(
                [sys.executable, "-m", "bench.dashboard", "--child", engine, url, str(out)],
                env=env,
                cwd=ROOT,
            )
            if status or not out.exists():
                failures.append(f"{engine}: the benchmark process failed (exit {status})")
                return
            results[engine] = json.loads(out.read_text(encoding="utf-8"))

        if "sqlite" in ENGINES:
            run_child("sqlite", f"sqlite:///{tmp}/dashboard.sqlite3")
        if "postgres" in ENGINES:
            with postgres_cluster() as server:
                if server is None:
                    failures.append(
                        "postgres: no PostgreSQL (scripts/pg-tmp.sh could not start one)"
                    )
                else:
                    import psycopg

                    with psycopg.connect(server, autocommit=True) as conn:
                        conn.execute("DROP DATABASE IF EXISTS bench_dashboard")
                        conn.execute("CREATE DATABASE bench_dashboard")
                    run_child("postgres", server.rsplit("/", 1)[0] + "/bench_dashboard")
    for engine in ("sqlite", "postgres"):
        if engine not in ENGINES:
            failures.append(f"{engine}: not run (BENCH_ENGINES={','.join(ENGINES)})")

    commit = git_commit()
    worst, extra = 0.0, {}
    for engine, r in results.items():
        short = "pg" if engine == "postgres" else engine
        worst = max([worst, *r["ratios"].values()])
        extra[f"{short}_baseline_ms"] = f"{r['median_ms']['baseline']:.0f}"
        extra[f"{short}_refresh_ms"] = f"{r['median_ms']['refresh']:.0f}"
        extra[f"{short}_national_ms"] = f"{r['median_ms']['national']:.0f}"
        extra[f"{short}_org_ms"] = f"{r['median_ms']['organisation']:.0f}"
        extra[f"{short}_figures"] = "ok" if not r["problems"] else f"{len(r['problems'])}diff"
        failures += shortfalls(r)
    extra["people"] = SCALE["people"]
    extra["enrolments"] = SCALE["enrolments"]
    extra["events"] = SCALE["phishing_events"]
    extra["advisories"] = SCALE["advisories"]
    print(f"\ndashboard — summary (commit {commit}, {'SMALL' if SMALL else 'full'} scale)")
    print(f"  {'':<10}{'baseline':>10}{'refresh':>16}{'national':>16}{'organisation':>16}")
    for engine, r in results.items():
        ms, ratios = r["median_ms"], r["ratios"]
        print(
            f"  {engine:<10}{ms['baseline']:>8.0f}ms"
            + "".join(f"{ms[n]:>8.0f}ms {ratios[n]:>5.2f}×" for n in CANDIDATES)
        )
    for line in failures:
        print(f"  shortfall: {line}")
    write_result(
        "dashboard-small" if SMALL else "dashboard",
        {
            "id": "dashboard",
            "commit": commit,
            "scale": SCALE,
            "small": SMALL,
            "runs": RUNS,
            "target": TARGET,
            "page_limit_ms": PAGE_LIMIT_MS,
            "ratio": worst,
            "shortfalls": failures,
            "engines": results,
        },
    )
    line = bench_line("dashboard", worst, "<=", TARGET, **extra)
    if failures or not results:
        line = line.replace(" PASS ", " FAIL ")
    print(line)
    return int(" FAIL " in line)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        sys.exit(child(sys.argv[2], sys.argv[3], sys.argv[4]))
    sys.exit(main())
