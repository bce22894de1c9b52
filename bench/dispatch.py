"""Benchmark ``dispatch``: a campaign to 20,000 recipients sent by ``hifazat worker`` to a local
SMTP sink (aiosmtpd in another process), on PostgreSQL.

Baseline, in the same run against the same sink: a plain ``smtplib`` loop sending the same
messages, rendered beforehand, over one reused connection. Ratio = our messages/s ÷ the
baseline's (target ≥ 0.8). Then a second campaign is sent by two workers, one SIGKILLed halfway
and restarted: every person ≤ 1 message; sent + failed + in doubt = all; in doubt ≤ 1.
"""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import ROOT, SMALL, bench_line, git_commit, postgres_cluster, write_result

N = 2000 if SMALL else 20000
TARGET = 0.8
WORKERS = 2


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hifazat.settings")
    import django

    django.setup()


def setup(url: str, n: int, port: int, name: str) -> None:
    """Prints the campaign id after launching a campaign to n new people."""
    django_setup(url)
    from django.core.management import call_command
    from django.utils import timezone

    from hifazat.demo.generator import load_organisations
    from hifazat.orgs.models import Organisation, Person, RoleAssignment
    from hifazat.orgs.roles import Role
    from hifazat.phishing import services
    from hifazat.phishing.models import Campaign, EmailTemplate, LandingPage, SendingProfile

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_organisations()
    org = Organisation.objects.get(code="ITTD")
    operator, _ = Person.objects.get_or_create(
        email="bench.operator@moitt.gov.example",
        defaults={"full_name": "Bench Operator", "organisation": org, "employee_number": "BO-1"},
    )
    RoleAssignment.objects.get_or_create(
        person=operator, role=Role.CAMPAIGN_OPERATOR, organisation=org
    )
    Person.objects.bulk_create(
        [
            Person(
                email=f"{name}-{i}@div.moitt.gov.example",
                full_name=f"Bench Person {i}",
                designation="Assistant Director",
                organisation=org,
                org_path=org.path,
                employee_number=f"{name}-{i:06d}",
            )
            for i in range(n)
        ],
        batch_size=5000,
    )
    template = services.template_save(
        actor=operator,
        template=EmailTemplate(
            organisation=org,
            name=f"Bench {name}",
            sender_name="e-Office Helpdesk",
            sender_address="helpdesk@eoffice-portal.example",
            subject="{{ first_name }}, your e-Office password expires today",
            text=(ROOT / "bench" / "data" / "phish.txt").read_text(encoding="utf-8"),
            html=(ROOT / "bench" / "data" / "phish.html").read_text(encoding="utf-8"),
        ),
    )
    page = services.landing_save(
        actor=operator,
        page=LandingPage(
            organisation=org, name=f"Bench {name}", title="Simulation", body="Practice."
        ),
    )
    profile = services.profile_save(
        actor=operator,
        profile=SendingProfile(
            organisation=org,
            name=f"Sink {name}", host="127.0.0.1", port=port, security="none", rate_per_minute=0,
            messages_per_connection=100000,
        ),
    )  # fmt: skip
    # only this run's people: a fresh organisation per campaign would be closer to life, but
    # the audience filter is the same code either way
    campaign = services.campaign_save(
        actor=operator,
        campaign=Campaign(
            organisation=org,
            name=f"Bench {name}",
            profile=profile,
            start_at=timezone.now(),
            authorised_by="Bench",
            authorisation_reference="BENCH",
        ),
        variants=[(template, page)],
        audience=services.Audience(orgs=[org]),
    )
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.DRAFT)
    for other in Person.objects.filter(organisation=org).exclude(email__startswith=f"{name}-"):
        campaign.excluded_people.add(other)
    started = time.perf_counter()
    services.campaign_launch(actor=operator, campaign=campaign)
    print(
        f"campaign {campaign.pk} launched in {time.perf_counter() - started:.1f}s", file=sys.stderr
    )
    print(campaign.pk)


def baseline_messages(url: str, n: int) -> list[tuple[str, bytes]]:
    """The same messages, rendered beforehand (not timed)."""
    django_setup(url)
    from hifazat.phishing import rendering
    from hifazat.phishing.models import Send, Variant

    variant = Variant.objects.select_related("template").order_by("-pk").first()
    compiled = rendering.Compiled.of(variant.template)
    out = []
    for send in Send.objects.filter(variant=variant).select_related("person")[:n]:
        context = rendering.context_for(
            send.person, "IT & Telecom Division", f"http://x/t/{send.token}/"
        )
        payload = rendering.build(
            compiled, context, "base-" + send.email, rendering.new_message_id("x")
        )
        out.append(("base-" + send.email, payload))
    return out


class Sink:
    def __init__(self, log: Path, env: dict):
        from tests.live import free_port

        self.port = free_port()
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "smtp_sink.py"), str(self.port), str(log)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def rows(self, prefix: str = "") -> list[tuple[float, str]]:
        out = []
        for line in self.log.read_text().splitlines():
            at, rcpt, _mid = line.split(" ", 2)
            if rcpt.startswith(prefix):
                out.append((float(at), rcpt))
        return out


def count_states(env, campaign: str) -> Counter:
    out = subprocess.run(
        [sys.executable, "-m", "bench.dispatch", "--states", campaign],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return Counter({k: int(v) for k, v in (part.split("=") for part in out.split())})


def states(url: str, campaign: str) -> None:
    django_setup(url)
    from django.db.models import Count

    from hifazat.phishing.models import Send

    rows = Send.objects.filter(campaign_id=int(campaign)).values("state").annotate(n=Count("id"))
    print(" ".join(f"{r['state']}={r['n']}" for r in rows))


def wait_settled(env, campaign: str, total: int, timeout: float) -> Counter:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c = count_states(env, campaign)
        if c["queued"] + c["claimed"] + c["sending"] == 0 and sum(c.values()) == total:
            return c
        time.sleep(1)
    raise SystemExit(f"not settled: {count_states(env, campaign)}")


def worker(env, name, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "hifazat.cli", "worker", "--worker-id", name, "--interval", "1"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def run(url: str) -> int:
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "HIFAZAT_VAR_DIR": str(tmp),
            "DATABASE_URL": url,
            "PYTHONPATH": str(ROOT),
            "HIFAZAT_TASKS_IMMEDIATE": "0",
            "PHISHING_LEASE_SECONDS": "10",
            "SITE_URL": "http://127.0.0.1:8000",
        }
        env.pop("PYTEST_VERSION", None)
        sink = Sink(tmp / "sink.log", env)
        wlog = (tmp / "workers.log").open("w")
        try:
            campaign = subprocess.run(
                [sys.executable, "-m", "bench.dispatch", "--setup", str(N), str(sink.port), "main"],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True,
            ).stdout.split()[-1]  # fmt: skip
            # the baseline: the same messages over one reused smtplib connection
            messages = baseline_messages(url, N)
            smtp = smtplib.SMTP("127.0.0.1", sink.port)
            started = time.perf_counter()
            for rcpt, payload in messages:
                smtp.sendmail("helpdesk@eoffice-portal.example", [rcpt], payload)
            base_s = time.perf_counter() - started
            smtp.quit()
            base_rate = len(messages) / base_s
            # ours: WORKERS worker processes send the launched campaign (a deployment scales by
            # adding workers; one worker's figure is reported too)
            ws = [worker(env, f"bench-{i}", wlog) for i in range(WORKERS)]
            wait_settled(env, campaign, N, timeout=N / 20 + 120)
            for w in ws:
                w.terminate()
            for w in ws:
                w.wait(timeout=60)
            rows = sink.rows("main-")
            ours_s = rows[-1][0] - rows[0][0]
            ours_rate = (len(rows) - 1) / ours_s
            final = count_states(env, campaign)
            dupes = sum(1 for _r, c in Counter(r for _t, r in rows).items() if c > 1)
            one = subprocess.run(
                [sys.executable, "-m", "bench.dispatch", "--setup", str(N // 4), str(sink.port), "one"],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True,
            ).stdout.split()[-1]  # fmt: skip
            w = worker(env, "bench-single", wlog)
            wait_settled(env, one, N // 4, timeout=N / 20 + 120)
            w.terminate()
            w.wait(timeout=60)
            rows1 = sink.rows("one-")
            one_rate = (len(rows1) - 1) / (rows1[-1][0] - rows1[0][0])
            ratio = ours_rate / base_rate
            # two workers, one killed halfway and restarted
            k = N // 4
            campaign2 = subprocess.run(
                [sys.executable, "-m", "bench.dispatch", "--setup", str(k), str(sink.port), "kill"],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True,
            ).stdout.split()[-1]  # fmt: skip
            workers = [worker(env, "bench-a", wlog), worker(env, "bench-b", wlog)]
            while len(sink.rows("kill-")) < k // 2:
                time.sleep(0.05)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            workers[0] = worker(env, "bench-a2", wlog)
            killed = wait_settled(env, campaign2, k, timeout=k / 20 + 180)
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(timeout=60)
            rows2 = Counter(r for _t, r in sink.rows("kill-"))
        finally:
            sink.proc.terminate()
            wlog.close()
    two_ok = (
        max(rows2.values()) == 1
        and killed["sent"] + killed["failed"] + killed["in_doubt"] == k
        and killed["in_doubt"] <= 1
    )
    ok = dupes == 0 and final["sent"] == N and two_ok
    print(
        f"\ndispatch — {N} recipients, PostgreSQL, sink aiosmtpd in another process, commit {git_commit()}"
    )
    print(f"  baseline smtplib loop   {len(messages):>6} messages  {base_rate:>7.1f} msg/s")
    print(
        f"  hifazat, {WORKERS} workers     {len(rows):>6} messages  {ours_rate:>7.1f} msg/s  duplicates {dupes}  states {dict(final)}"
    )
    print(
        f"  hifazat, 1 worker       {len(rows1):>6} messages  {one_rate:>7.1f} msg/s  (ratio {one_rate / base_rate:.2f})"
    )
    print(
        f"  2 workers, 1 killed     {k:>6} recipients     states {dict(killed)}  max per person {max(rows2.values())}"
    )
    write_result(
        "dispatch",
        {
            "id": "dispatch", "recipients": N, "baseline_rate": base_rate, "rate": ours_rate,
            "ratio": ratio, "workers": WORKERS, "one_worker_rate": one_rate, "states": dict(final), "killed_run": dict(killed), "commit": git_commit(),
        },
    )  # fmt: skip
    line = bench_line(
        "dispatch", ratio, ">=", TARGET, recipients=N, msg_s=f"{ours_rate:.0f}",
        baseline_msg_s=f"{base_rate:.0f}", workers=WORKERS, one_worker_ratio=f"{one_rate / base_rate:.2f}",
        duplicates=dupes, in_doubt_after_kill=killed["in_doubt"],
    )  # fmt: skip
    if not ok:
        line = line.replace(" PASS ", " FAIL ")
        status = 1
    print(line)
    return status if "PASS" in line else 1


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--setup":
        setup(os.environ["DATABASE_URL"], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--states":
        states(os.environ["DATABASE_URL"], sys.argv[2])
        return 0
    with postgres_cluster() as server:
        if server is None:
            print("dispatch: needs PostgreSQL (scripts/pg-tmp.sh could not start one)")
            return 1
        import psycopg

        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_dispatch")
            conn.execute("CREATE DATABASE bench_dispatch")
        return run(server.rsplit("/", 1)[0] + "/bench_dispatch")


if __name__ == "__main__":
    sys.exit(main())
