"""Benchmark ``results``: a completed national campaign to 100,000 people (SMALL: 10,000), its
results page rendered through Django's test client as a national campaign operator, on
PostgreSQL.

Baseline, in the same run on the same connection: hand-written SQL computing the same figures
the page shows — one ``GROUP BY variant_id`` and one ``GROUP BY organisation_id`` aggregate with
``count(*) FILTER (WHERE …)`` for each count, plus the reporters' delays fetched for the medians
(per variant, per organisation and overall, computed in Python). Ratio = page ÷ baseline (median
of 5 runs each, alternated, after one warm-up); target ≤ 2 (performance.md, the dashboard rule).
Also reported, absolute: the recipients table (first and last page), the overview and the
organisations CSV export, and the repeat-offender count in hand-written SQL (the page shows it,
the baseline of the ratio does not include it).

Data: the demo organisations and people, one national operator, a completed campaign with two
variants and one send row per person (98 % sent, 2 % failed; opened 50 %, link fetched 20 %,
human click 15 %, submitted 7 %, reported 25 % of those sent, with delays), and three earlier
campaigns to 20,000 people each (SMALL: 2,000) so that repeat offenders exist.
"""

from __future__ import annotations

import cProfile
import io
import math
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta

from bench.common import (
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

PEOPLE = 10_000 if SMALL else 100_000
EARLIER = [2_000 if SMALL else 20_000] * 3
EARLIER_DAYS = (60, 150, 270)  # launched this many days before the measured campaign
BATCH = 5000
RUNS = 5
TARGET = 2.0
SEED = 20240611

COUNTS = (
    "recipients",
    "attempted",
    "delivered",
    "opened",
    "clicked",
    "human",
    "scanner",
    "submitted",
    "failed",
    "reported",
)
AGGREGATE = """
SELECT {group},
       count(*) AS recipients,
       count(*) FILTER (WHERE state IN ('sent', 'failed', 'in_doubt')) AS attempted,
       count(*) FILTER (WHERE state = 'sent') AS delivered,
       count(*) FILTER (WHERE opened_at IS NOT NULL) AS opened,
       count(*) FILTER (WHERE clicked_at IS NOT NULL) AS clicked,
       count(*) FILTER (WHERE human_at IS NOT NULL) AS human,
       count(*) FILTER (WHERE clicked_at IS NOT NULL AND human_at IS NULL
                          AND submitted_at IS NULL) AS scanner,
       count(*) FILTER (WHERE submitted_at IS NOT NULL) AS submitted,
       count(*) FILTER (WHERE human_at IS NOT NULL OR submitted_at IS NOT NULL) AS failed,
       count(*) FILTER (WHERE reported_at IS NOT NULL) AS reported
  FROM phishing_send
 WHERE campaign_id = %s
 GROUP BY {group}
"""
DELAYS = """
SELECT variant_id, organisation_id, EXTRACT(EPOCH FROM reported_at - sent_at)::float8
  FROM phishing_send
 WHERE campaign_id = %s AND reported_at IS NOT NULL AND sent_at IS NOT NULL
"""
OFFENDERS = """
SELECT count(*) FROM (
  SELECT s.person_id
    FROM phishing_send s JOIN phishing_campaign c ON c.id = s.campaign_id
   WHERE (s.human_at IS NOT NULL OR s.submitted_at IS NOT NULL)
     AND s.person_id IS NOT NULL AND NOT c.pseudonymous
     AND c.launched_at BETWEEN %s AND %s
     AND s.person_id IN (
       SELECT person_id FROM phishing_send
        WHERE campaign_id = %s AND person_id IS NOT NULL
          AND (human_at IS NOT NULL OR submitted_at IS NOT NULL))
   GROUP BY s.person_id
  HAVING count(DISTINCT s.campaign_id) >= 2) AS repeat
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- data --------------------------------------------------------------------------------------


def configure(url: str, var_dir: str) -> None:
    """The Django process: production-like settings (DEBUG off, persistent connection)."""
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
            "DB_CONN_MAX_AGE": "60",  # persistent connections, as docs/deploy.md recommends
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("PYTEST_VERSION", None)
    import django

    django.setup()


def outcomes(rng: random.Random, launched, failure_scale: float = 1.0) -> dict:
    """One recipient's send state and first-outcome times."""
    if rng.random() < 0.02:
        return {"state": "failed", "smtp_code": 550, "error": "550 5.1.1 mailbox unavailable"}
    sent = launched + timedelta(seconds=rng.uniform(0, 6 * 3600))
    row = {"state": "sent", "sent_at": sent, "smtp_code": 250}
    if rng.random() < 0.50:
        row["opened_at"] = sent + timedelta(seconds=rng.expovariate(1 / 5400))
    if rng.random() < 0.20:
        clicked = sent + timedelta(seconds=30 + rng.expovariate(1 / 7200))
        row["clicked_at"] = clicked
        if rng.random() < 0.75 * failure_scale:  # 15 % of those sent
            row["human_at"] = clicked + timedelta(seconds=rng.uniform(1, 5))
            if rng.random() < 7 / 15:  # 7 %
                row["submitted_at"] = row["human_at"] + timedelta(seconds=rng.uniform(20, 180))
    if rng.random() < 0.25:
        # most reports within the hour, a long tail over days
        row["reported_at"] = sent + timedelta(seconds=min(rng.lognormvariate(7.5, 1.3), 9e5))
    return row


def load_data() -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hifazat.demo.generator import load_organisations, load_people
    from hifazat.orgs.models import Organisation, Person, RoleAssignment
    from hifazat.orgs.roles import Role
    from hifazat.phishing.models import (
        Campaign,
        EmailTemplate,
        LandingPage,
        Send,
        SendingProfile,
        Variant,
    )

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
        if done[0] % 20000 == 0 or done[0] == PEOPLE:
            log(f"  people {done[0]:,}/{PEOPLE:,}")

    load_people(PEOPLE, batch_size=BATCH, progress=progress)
    timings["people_s"] = time.perf_counter() - started

    operator = Person.objects.create_user(
        email="bench.national.operator@hifazat.gov.example",
        full_name="Bench National Operator",
        organisation=Organisation.objects.get(code="ITTD"),
        employee_number="BENCH-OP-1",
    )
    RoleAssignment.objects.create(person=operator, role=Role.CAMPAIGN_OPERATOR, organisation=None)

    templates = [
        EmailTemplate.objects.create(
            name=name,
            sender_name=sender,
            sender_address="helpdesk@eoffice-portal.example",
            subject=subject,
            text="Dear {{ first_name }},\n\nPlease sign in: {{ link }}\n",
            difficulty=difficulty,
            created_by=operator,
        )
        for name, sender, subject, difficulty in (
            ("e-Office password expiry", "e-Office Helpdesk", "Your password expires today", 2),
            ("Salary slip (AGPR)", "AGPR Payroll", "Your revised salary slip", 4),
        )
    ]
    pages = [
        LandingPage.objects.create(
            name=f"Teachable moment {label}",
            title="This was a simulation",
            body="Look at the sender's address before you click.",
            has_form=label == "B",
            created_by=operator,
        )
        for label in "AB"
    ]
    profile = SendingProfile.objects.create(
        name="Bench relay", host="127.0.0.1", port=25, security="none", created_by=operator
    )

    people = list(
        Person.objects.exclude(pk=operator.pk)
        .order_by("pk")
        .values_list("pk", "email", "organisation_id")
    )
    now = timezone.now()
    launched = now - timedelta(days=14)
    rng = random.Random(SEED)

    def campaign(name: str, at, audience: list, n_variants: int, failure_scale: float):
        c = Campaign.objects.create(
            name=name,
            state=Campaign.State.COMPLETED,
            profile=profile,
            start_at=at,
            send_by=at + timedelta(days=2),
            business_days=[0, 1, 2, 3, 4],
            authorised_by="Secretary, IT & Telecom Division",
            authorisation_reference="BENCH/2024/1",
            created_by=operator,
            submitted_at=at - timedelta(days=3),
            approved_by=operator,
            approved_at=at - timedelta(days=2),
            launched_by=operator,
            launched_at=at,
            finished_at=at + timedelta(days=2),
            recipient_count=len(audience),
        )
        variants = [
            Variant.objects.create(
                campaign=c, label="AB"[i], template=templates[i], landing=pages[i]
            )
            for i in range(n_variants)
        ]
        for start in range(0, len(audience), BATCH):
            rows = []
            for pk, email, org_id in audience[start : start + BATCH]:
                rows.append(
                    Send(
                        campaign=c,
                        variant=variants[rng.randrange(n_variants)],
                        person_id=pk,
                        email=email,
                        organisation_id=org_id,
                        token=f"{rng.getrandbits(128):032x}",
                        not_before=at,
                        attempts=1,
                        message_id=f"<{rng.getrandbits(64):016x}@bench.hifazat>",
                        **outcomes(rng, at, failure_scale),
                    )
                )
            with transaction.atomic():
                Send.objects.bulk_create(rows, batch_size=BATCH)
        return c

    started = time.perf_counter()
    for i, (n, days) in enumerate(zip(EARLIER, EARLIER_DAYS, strict=True)):
        campaign(
            f"Earlier campaign {i + 1}",
            launched - timedelta(days=days),
            rng.sample(people, n),
            1,
            1.3,  # people fell for it more often before
        )
        log(f"  earlier campaign {i + 1}: {n:,} sends")
    measured = campaign("National campaign (bench)", launched, people, 2, 1.0)
    log(f"  measured campaign: {len(people):,} sends")
    timings["sends_s"] = time.perf_counter() - started

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # ANALYZE, and the visibility map autovacuum would set
    timings["analyze_s"] = time.perf_counter() - started
    return {
        "campaign": measured,
        "operator": operator,
        "sends": Send.objects.count(),
        "people": Person.objects.count(),
        "timings": timings,
    }


# --- measured work --------------------------------------------------------------------------


def baseline(campaign_id: int) -> dict:
    """The page's figures straight from SQL: by variant, by organisation, totals, medians."""
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for group in ("variant_id", "organisation_id"):
            cursor.execute(AGGREGATE.format(group=group), [campaign_id])
            out[group] = {
                row[0]: dict(zip(COUNTS, row[1:], strict=True)) for row in cursor.fetchall()
            }
        cursor.execute(DELAYS, [campaign_id])
        delays = cursor.fetchall()
    by_variant, by_org = defaultdict(list), defaultdict(list)
    for variant_id, org_id, seconds in delays:
        seconds = max(seconds, 0.0)
        by_variant[variant_id].append(seconds)
        by_org[org_id].append(seconds)
    for group, lists in (("variant_id", by_variant), ("organisation_id", by_org)):
        for key, seconds in lists.items():
            out[group][key]["median"] = statistics.median(seconds)
    out["total"] = {name: sum(r[name] for r in out["variant_id"].values()) for name in COUNTS}
    out["total"]["median"] = statistics.median([d[2] for d in delays]) if delays else None
    return out


def offenders_sql(campaign) -> int:
    from django.db import connection

    from hifazat.phishing.results import REPEAT_WINDOW

    end = campaign.launched_at
    with connection.cursor() as cursor:
        cursor.execute(OFFENDERS, [end - REPEAT_WINDOW, end, campaign.pk])
        return cursor.fetchone()[0]


def check_figures(campaign, base: dict) -> list[str]:
    """The page's aggregates (hifazat.phishing.results) equal the baseline's."""
    from hifazat.phishing import results

    problems = []
    total = results.total(campaign)
    for name in COUNTS:
        if getattr(total, name) != base["total"][name]:
            problems.append(f"total {name}: {getattr(total, name)} != {base['total'][name]}")
    if not math.isclose(total.median_report_seconds or 0, base["total"]["median"] or 0):
        problems.append("total median differs")
    for by, group in (("variant", "variant_id"), ("organisation", "organisation_id")):
        rows = results.tally(campaign, (by,))
        if {k[0] for k in rows} != set(base[group]):
            problems.append(f"{by}: different groups")
            continue
        for (key,), row in rows.items():
            expected = base[group][key]
            if any(getattr(row, n) != expected[n] for n in COUNTS) or not math.isclose(
                row.median_report_seconds or 0, expected.get("median") or 0
            ):
                problems.append(f"{by} {key} differs")
    if results.repeat_offenders(campaign).count() != offenders_sql(campaign):
        problems.append("repeat offenders differ")
    return problems


def profile_call(fn, cprofile: bool = False) -> dict:
    """Queries of one call (with their times), and optionally a cProfile summary."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        total = time_it(fn)
    queries = [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in ctx.captured_queries]
    out = {"total_ms": total * 1000, "sql_ms": sum(q["ms"] for q in queries), "queries": queries}
    if cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        fn()
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(r"hifazat|django/(template|db/models)", 25)
        out["cprofile"] = text.getvalue()
    return out


def measure(data: dict) -> dict:
    from django.urls import reverse

    campaign, operator = data["campaign"], data["operator"]
    pk = campaign.pk
    client = client_for(operator)
    page_url = reverse("phishing:campaign_results", args=[pk])
    recipients_url = reverse("phishing:recipients", args=[pk])
    last = math.ceil(campaign.recipient_count / 50)
    others = {
        "recipients_first": f"{recipients_url}?outcome=all",
        "recipients_last": f"{recipients_url}?outcome=all&page={last}",
        "overview": reverse("phishing:results"),
        "export_organisations_csv": reverse("phishing:export", args=[pk, "organisations", "csv"]),
    }

    # warm up, then alternate baseline and page
    time_it(lambda: baseline(pk))
    time_it(lambda: fetch(client, page_url))
    runs = {"baseline": [], "page": [], "offenders_sql": []}
    for _ in range(RUNS):
        runs["baseline"].append(time_it(lambda: baseline(pk)))
        runs["page"].append(time_it(lambda: fetch(client, page_url)))
        runs["offenders_sql"].append(time_it(lambda: offenders_sql(campaign)))
    sizes = {"page": fetch(client, page_url)}
    for name, url in others.items():
        sizes[name] = fetch(client, url)  # warm-up
        runs[name] = [time_it(lambda url=url: fetch(client, url)) for _ in range(RUNS)]
    return {"runs": runs, "sizes": sizes, "urls": {"page": page_url, **others}, "client": client}


# --- report ---------------------------------------------------------------------------------


def run(url: str) -> int:
    with tempfile.TemporaryDirectory() as var_dir:
        configure(url, var_dir)
        from django.db import connection

        log(f"results: loading {PEOPLE:,} people and {PEOPLE + sum(EARLIER):,} send rows …")
        data = load_data()
        campaign = data["campaign"]
        problems = check_figures(campaign, baseline(campaign.pk))
        m = measure(data)
        runs = m["runs"]
        ms = {name: median(values) * 1000 for name, values in runs.items()}
        ratio = ms["page"] / ms["baseline"]
        ratio_with_offenders = ms["page"] / (ms["baseline"] + ms["offenders_sql"])
        client = m["client"]
        profiles = {"baseline": profile_call(lambda: baseline(campaign.pk))}
        for name, page_url in m["urls"].items():
            profiles[name] = profile_call(
                lambda u=page_url: fetch(client, u), cprofile=name == "page" and ratio > TARGET
            )
        profile = profiles["page"]
        pg_version = connection.pg_version
        commit = git_commit()

    print(
        f"\nresults — campaign to {campaign.recipient_count:,} people ({data['sends']:,} send rows "
        f"in {1 + len(EARLIER)} campaigns), PostgreSQL {pg_version // 10000}, Django test "
        f"client, one process, DEBUG off, commit {commit}"
    )
    print(
        "  set-up: "
        + ", ".join(f"{k.removesuffix('_s')} {v:.1f} s" for k, v in data["timings"].items())
    )
    print(f"  figures page = baseline: {'yes' if not problems else 'NO: ' + '; '.join(problems)}")
    labels = {
        "baseline": "baseline SQL (2 aggregates + delays)",
        "page": "campaign results page",
        "offenders_sql": "repeat offenders, SQL (not in ratio)",
        "recipients_first": "recipients ?outcome=all, page 1",
        "recipients_last": "recipients ?outcome=all, last page",
        "overview": "overview /phishing/results/",
        "export_organisations_csv": "organisations CSV export",
    }
    for name, label in labels.items():
        values = ", ".join(f"{v * 1000:.0f}" for v in runs[name])
        size = m["sizes"].get(name)
        tail = f"  {size / 1024:.0f} KB" if size else ""
        print(f"  {label:<40} {ms[name]:>8.1f} ms  (runs {values}){tail}")
    print("  one more run of each with its queries captured (ms are rounded by Django):")
    for name, p in profiles.items():
        slowest = sorted(p["queries"], key=lambda q: -q["ms"])[:3]
        print(
            f"    {name:<26} {len(p['queries']):>3} queries, SQL {p['sql_ms']:>5.0f} ms of "
            f"{p['total_ms']:>5.0f} ms; slowest " + ", ".join(f"{q['ms']:.0f}" for q in slowest)
        )
    if ratio > TARGET:
        print(f"  shortfall: page is {ratio:.2f}× the baseline, target ≤ {TARGET:.2f}×")
        for q in sorted(profile["queries"], key=lambda q: -q["ms"])[:12]:
            print(f"    {q['ms']:>7.1f} ms  {q['sql'][:150]}")
        print(profile["cprofile"])

    write_result(
        "results",
        {
            "id": "results",
            "engine": "postgres",
            "postgres_version": pg_version,
            "people": data["people"],
            "recipients": campaign.recipient_count,
            "send_rows": data["sends"],
            "earlier_campaigns": EARLIER,
            "commit": commit,
            "setup": data["timings"],
            "figures_match": not problems,
            "problems": problems,
            "median_ms": ms,
            "runs_s": runs,
            "sizes_bytes": m["sizes"],
            "ratio": ratio,
            "target": TARGET,
            "ratio_with_offenders": ratio_with_offenders,
            "profiles": profiles,
        },
    )
    line = bench_line(
        "results",
        ratio,
        "<=",
        TARGET,
        recipients=campaign.recipient_count,
        page_ms=f"{ms['page']:.0f}",
        baseline_ms=f"{ms['baseline']:.0f}",
        queries=len(profile["queries"]),
        recipients_p1_ms=f"{ms['recipients_first']:.0f}",
        recipients_last_ms=f"{ms['recipients_last']:.0f}",
        overview_ms=f"{ms['overview']:.0f}",
        export_csv_ms=f"{ms['export_organisations_csv']:.0f}",
    )
    if problems:
        line = line.replace(" PASS ", " FAIL ")
    print(line)
    return int(" FAIL " in line)


def main() -> int:
    with postgres_cluster() as server:
        if server is None:
            print("results: needs PostgreSQL (scripts/pg-tmp.sh could not start one)")
            return 1
        import psycopg

        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_results")
            conn.execute("CREATE DATABASE bench_results")
        status = run(server.rsplit("/", 1)[0] + "/bench_results")
        from django.db import connections

        connections.close_all()  # before the cluster stops
        return status


if __name__ == "__main__":
    sys.exit(main())
