"""Several real ``hifazat worker`` processes on one PostgreSQL sending to a real SMTP peer in a
process of its own; one worker is SIGKILLed mid-campaign and restarted.

Guarantees checked: every person receives at most one message; sent + failed + in doubt = all;
in doubt ≤ the number of workers killed; a 4xx is retried, a 5xx recorded; and the profile's rate
limit holds across two workers within 10 %.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from hifazat.orgs.models import Person
from hifazat.phishing import services
from hifazat.phishing.models import Send
from hifazat.phishing.tests.conftest import make_campaign, make_library
from tests.live import HIFAZAT, ROOT, free_port, process_env, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Sink:
    def __init__(self, tmp_path: Path, **env):
        self.port = free_port()
        self.log = tmp_path / "sink.log"
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "smtp_sink.py"), str(self.port), str(self.log)],
            env=process_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def lines(self) -> list[tuple[float, str, str]]:
        if not self.log.exists():
            return []
        rows = []
        for line in self.log.read_text().splitlines():
            at, rcpt, mid = line.split(" ", 2)
            rows.append((float(at), rcpt, mid))
        return rows

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def start_worker(tmp_path: Path, name: str) -> subprocess.Popen:
    out = (tmp_path / f"{name}.log").open("a")
    return subprocess.Popen(
        [*HIFAZAT, "worker", "--interval", "0.5", "--worker-id", f"{name}-{time.monotonic_ns()}"],
        env=process_env(PHISHING_LEASE_SECONDS=6, PHISHING_RETRY_SECONDS=1),
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def people(orgs, n: int) -> None:
    Person.objects.bulk_create(
        Person(
            email=f"w{i}@alpha.gov.example",
            full_name=f"Worker Test {i}",
            organisation=orgs["dep_a"],
            org_path=orgs["dep_a"].path,
            employee_number=f"W-{i:06d}",
        )
        for i in range(n)
    )


def settled(campaign) -> bool:
    return not Send.objects.filter(
        campaign=campaign, state__in=["queued", "claimed", "sending"]
    ).exists()


def test_two_workers_one_killed_midway_send_each_person_at_most_once(ops, orgs, tmp_path):
    sink = Sink(tmp_path, SINK_TEMPFAIL="w3@alpha.gov.example", SINK_REJECT="w5@alpha.gov.example")
    people(orgs, 1200)
    lib = make_library(ops.a, orgs["min_a"], port=sink.port, rate=9000)  # 150 a second
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], *lib)
    services.campaign_launch(actor=ops.a, campaign=campaign)
    total = Send.objects.filter(campaign=campaign).count()
    workers = [start_worker(tmp_path, "one"), start_worker(tmp_path, "two")]
    try:
        wait_for(lambda: len(sink.lines()) >= total // 3, timeout=120, what="a third sent")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        workers[0] = start_worker(tmp_path, "one-again")
        wait_for(lambda: settled(campaign), timeout=180, interval=0.5, what="all settled")
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=30)
        sink.stop()
    states = Counter(Send.objects.filter(campaign=campaign).values_list("state", flat=True))
    received = Counter(rcpt for _at, rcpt, _mid in sink.lines())
    logs = "\n".join(p.read_text()[-2000:] for p in tmp_path.glob("*.log") if p.name != "sink.log")
    assert max(received.values()) == 1, logs
    assert states["sent"] + states["failed"] + states["in_doubt"] == total, states
    assert states["in_doubt"] <= 1, states
    # every message the peer accepted is recorded as sent (or is the one in doubt)
    sent = set(
        Send.objects.filter(campaign=campaign, state="sent").values_list("email", flat=True)
    )
    assert sent <= set(received)
    assert len(set(received) - sent) <= states["in_doubt"]
    retried = Send.objects.get(campaign=campaign, email="w3@alpha.gov.example")
    assert retried.state == "sent" and retried.attempts == 2
    rejected = Send.objects.get(campaign=campaign, email="w5@alpha.gov.example")
    assert rejected.state == "failed" and rejected.smtp_code == 550
    # the Message-ID stored before each transaction is the one the peer received
    by_rcpt = {rcpt: mid for _at, rcpt, mid in sink.lines()}
    for email, mid in Send.objects.filter(campaign=campaign, state="sent").values_list(
        "email", "message_id"
    )[:200]:
        assert by_rcpt[email] == mid


def test_rate_limit_holds_across_two_workers(ops, orgs, tmp_path):
    sink = Sink(tmp_path)
    people(orgs, 300)
    rate = 1800  # 30 a second, shared by both workers
    lib = make_library(ops.a, orgs["min_a"], port=sink.port, rate=rate)
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], *lib)
    services.campaign_launch(actor=ops.a, campaign=campaign)
    total = Send.objects.filter(campaign=campaign).count()
    workers = [start_worker(tmp_path, "r1"), start_worker(tmp_path, "r2")]
    try:
        wait_for(lambda: settled(campaign), timeout=120, interval=0.5, what="all sent")
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=30)
        sink.stop()
    times = sorted(at for at, _r, _m in sink.lines())
    assert len(times) == total
    workers_used = set(Send.objects.filter(campaign=campaign).values_list("worker", flat=True))
    assert len(workers_used) == 2, "both workers took part"
    observed = (len(times) - 1) / (times[-1] - times[0])  # messages a second
    assert abs(observed - rate / 60) <= 0.1 * rate / 60, observed
    # no one-second window anywhere holds more than 10 % over the limit
    j = 0
    for i, t in enumerate(times):
        while times[j] < t - 1.0:
            j += 1
        assert i - j + 1 <= 1.1 * rate / 60 + 1
