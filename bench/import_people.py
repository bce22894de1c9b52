"""Benchmark ``import``: a 100,000-row HR list into people (performance.md).

Candidate: ``people_import`` on the CSV bytes — decoding, parsing, validating every row,
matching against the registry, inserting, and one audit event. Re-import: the same file
again (every row unchanged). Baseline: the same rows, already parsed, inserted with one
``executemany`` in one transaction into the same table with the same indexes, on the same
engine. Run on SQLite and, when its server binaries are here, on PostgreSQL. Each repetition
alternates baseline and candidate on an emptied table; medians are reported.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
import tempfile

from bench.common import (
    ROOT,
    SMALL,
    bench_line,
    git_commit,
    median,
    postgres_cluster,
    timed,
    write_result,
)

ROWS = 10_000 if SMALL else 100_000
REPS = 3
TARGET, TARGET_REIMPORT = 5.0, 3.0


def make_csv(orgs) -> tuple[bytes, list[tuple]]:
    """The HR list, and the same rows already parsed into the table's columns."""
    rng = random.Random(7)
    lines = ["employee_number,full_name,email,designation,bps_grade,organisation,track"]
    parsed = []
    for n in range(ROWS):
        org = orgs[n % len(orgs)]
        grade = rng.randint(1, 22)
        track = "it_admin" if n % 10 == 0 else "general"
        number, name, email = (
            f"B-{n:07d}",
            f"Bench Person {n}",
            f"bench.person{n}@{org.email_domains[0]}",
        )
        lines.append(f"{number},{name},{email},Assistant,{grade},{org.code},{track}")
        parsed.append((number, name, email, "Assistant", grade, org.pk, org.path, track))
    return ("\n".join(lines) + "\n").encode(), parsed


def run_engine(database_url: str) -> dict:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hifazat.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hifazat.demo.generator import load_organisations
    from hifazat.orgs.imports.services import insert_sql, people_import
    from hifazat.orgs.models import Organisation, Person

    call_command("migrate", verbosity=0)
    load_organisations()
    orgs = [o for o in Organisation.objects.order_by("code") if o.email_domains]
    data, parsed = make_csv(orgs)
    q = connection.ops.quote_name
    table = q(Person._meta.db_table)
    insert = insert_sql()

    def empty():
        # The bench database holds nothing else; TRUNCATE avoids PostgreSQL's per-row
        # foreign-key checks and the dead rows that repeated bulk DELETEs leave behind.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {table} CASCADE")
            else:
                cursor.execute(f"DELETE FROM {table}")

    now = timezone.now()
    rows = [
        ("!" + secrets.token_urlsafe(30), e, n, num, d, g, oid, path, t, "en", True, now, now)
        for (num, n, e, d, g, oid, path, t) in parsed
    ]

    def baseline():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert, rows)

    results = {"baseline": [], "import": [], "reimport": []}
    for _ in range(REPS):
        empty()
        results["baseline"].append(timed(baseline)[0])
        empty()
        t, report = timed(lambda: people_import(actor=None, data=data, filename="bench.csv"))
        assert report.applied and report.created == ROWS, report.file_error or report.errors[:3]
        results["import"].append(t)
        t, report = timed(lambda: people_import(actor=None, data=data, filename="bench.csv"))
        assert report.applied and report.unchanged == ROWS
        results["reimport"].append(t)
    empty()
    return {k: median(v) for k, v in results.items()} | {
        "runs": results,
        "vendor": connection.vendor,
    }


def child(engine: str, url: str) -> None:
    m = run_engine(url)
    ratio, re_ratio = m["import"] / m["baseline"], m["reimport"] / m["baseline"]
    print(f"\nimport — {ROWS:,} rows, {engine}, median of {REPS}, commit {git_commit()}")
    print(
        f"  {'baseline executemany':<24}{m['baseline']:>8.2f} s  {ROWS / m['baseline']:>10,.0f} rows/s"
    )
    print(
        f"  {'people_import (new)':<24}{m['import']:>8.2f} s  {ROWS / m['import']:>10,.0f} rows/s  {ratio:>5.2f}×"
    )
    print(
        f"  {'re-import (unchanged)':<24}{m['reimport']:>8.2f} s  {ROWS / m['reimport']:>10,.0f} rows/s  {re_ratio:>5.2f}×"
    )
    path = write_result(
        f"import-{engine}",
        {
            "id": "import",
            "engine": engine,
            "rows": ROWS,
            "reps": REPS,
            "commit": git_commit(),
            **m,
            "ratio": ratio,
            "reimport_ratio": re_ratio,
        },
    )
    print(f"  results: {path.relative_to(ROOT)}")
    print(
        bench_line(
            "import",
            ratio,
            "<=",
            TARGET,
            engine=engine,
            rows=ROWS,
            seconds=f"{m['import']:.2f}",
            baseline_s=f"{m['baseline']:.2f}",
        )
    )
    print(
        bench_line(
            "import-reimport",
            re_ratio,
            "<=",
            TARGET_REIMPORT,
            engine=engine,
            rows=ROWS,
            seconds=f"{m['reimport']:.2f}",
        )
    )


def main() -> int:
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HIFAZAT_VAR_DIR": tmp,
            "HIFAZAT_TASKS_IMMEDIATE": "1",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("PYTEST_VERSION", None)
        runs = [("sqlite", f"sqlite:///{tmp}/bench.sqlite3")]
        with postgres_cluster() as pg_url:
            if pg_url:
                runs.append(("postgres", pg_url.rsplit("/", 1)[0] + "/postgres"))
            else:
                print("PostgreSQL not available: SQLite only")
            for engine, url in runs:
                status |= subprocess.call(
                    [sys.executable, "-m", "bench.import_people", "--child", engine, url],
                    env=env,
                    cwd=ROOT,
                )
    return status


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
