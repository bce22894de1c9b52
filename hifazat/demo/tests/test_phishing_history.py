"""The demo's year of phishing-simulation history, on a database made like ``hifazat demo``'s."""

from __future__ import annotations

import io
import re
import statistics
from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from hifazat.demo import generator
from hifazat.demo.phishing import load_phishing
from hifazat.demo.phishing_history import load_phishing_history
from hifazat.phishing.models import Campaign, Event, ReportedMessage, Send
from hifazat.phishing.tracking import FIRST

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def history():
    generator.load_organisations()
    generator.load_people(600)
    generator.load_accounts()
    load_phishing()
    out = io.StringIO()
    made = load_phishing_history(stdout=out)
    return made, out.getvalue()


def _figures(campaign: Campaign) -> tuple[float, float, float]:
    """Human-click rate, report rate (of messages delivered) and median seconds to report."""
    sent = list(campaign.sends.filter(state=Send.State.SENT))
    delays = [(s.reported_at - s.sent_at).total_seconds() for s in sent if s.reported_at]
    return (
        sum(1 for s in sent if s.human_at) / len(sent),
        len(delays) / len(sent),
        statistics.median(delays),
    )


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Campaign, Send, Event, ReportedMessage)}


def test_phishing_history(history):
    made, output = history
    completed = list(
        Campaign.objects.filter(state=Campaign.State.COMPLETED).order_by("launched_at")
    )
    assert made == len(completed) == 6
    assert re.fullmatch(r"Phishing history: 6 campaigns, \d+ messages, \d+ events", output.strip())
    assert sum(c.pseudonymous for c in completed) == 1
    assert any(c.organisation_id is None for c in completed)
    assert any(c.organisation_id is not None for c in completed)
    now = timezone.now()
    assert 330 < (now - completed[0].launched_at).days < 365
    assert 30 < (now - completed[-1].launched_at).days < 90
    assert len({v.template_id for c in completed for v in c.variants.all()}) >= 5

    # The trend: fewer human clicks, more reports, sooner.
    first, last = _figures(completed[0]), _figures(completed[-1])
    assert first[0] - last[0] >= 0.10
    assert last[1] - first[1] >= 0.15
    assert first[2] > 2 * last[2]

    karachi = ZoneInfo("Asia/Karachi")
    for campaign in completed:
        sends = list(campaign.sends.all())
        assert campaign.recipient_count == len(sends) > 0
        assert sorted(v.label for v in campaign.variants.all()) == ["A", "B"]
        assert campaign.launched_by and campaign.approved_by
        assert campaign.authorisation_reference.endswith("(demo)")
        assert campaign.launched_at < campaign.finished_at < now
        if campaign.organisation_id:  # a ministry's campaign stays in its subtree
            owner = campaign.organisation.path
            assert all(s.organisation.path.startswith(owner) for s in campaign.sends.all())
        for send in sends:
            local = send.not_before.astimezone(karachi)
            assert local.weekday() < 5 and time(9) <= local.time() <= time(17)
            if send.state == Send.State.FAILED:
                assert send.smtp_code == 550 and send.sent_at is None
                assert not any(getattr(send, column) for column in FIRST.values())
            if send.human_at:
                assert send.clicked_at < send.human_at
            if send.submitted_at:
                assert send.human_at < send.submitted_at

    # Every outcome on a send row has its event, at the same time, and nothing else does.
    events = {(e.send_id, e.kind): e for e in Event.objects.all()}
    flags = 0
    for send in Send.objects.all():
        for kind, column in FIRST.items():
            at = getattr(send, column)
            if at:
                flags += 1
                assert events[(send.pk, kind)].at == at
                assert events[(send.pk, kind)].campaign_id == send.campaign_id
    assert flags == len(events) == Event.objects.count()
    fields = {(e.kind, tuple(e.fields)) for e in events.values()}
    assert {("submit", ("username", "password")), ("report", ("link",))} <= fields
    assert ("report", ("mailbox",)) in fields

    sends = Send.objects.filter(state=Send.State.SENT)
    assert sends.filter(clicked_at__isnull=False, human_at__isnull=True).exists()  # scanners
    assert sends.filter(human_at__isnull=False, reported_at__isnull=False).exists()
    assert Send.objects.filter(state=Send.State.FAILED).exists()
    assert len({s.token for s in Send.objects.all()}) == Send.objects.count()
    assert all(len(t) == 24 for t in Send.objects.values_list("token", flat=True))

    # Repeat offenders: the same people fall for more than one round.
    failed = Q(human_at__isnull=False) | Q(submitted_at__isnull=False)
    repeat = (
        Send.objects.filter(failed)
        .values("person_id")
        .annotate(rounds=Count("campaign_id", distinct=True))
        .filter(rounds__gte=2)
    )
    assert repeat.exists()

    real = ReportedMessage.objects.filter(kind=ReportedMessage.Kind.REAL)
    assert real.count() == 4
    for message in real:
        assert message.organisation_id and message.reporter
        assert (now - message.reported_at).days <= 31
        assert message.sender.endswith(".example")
        assert all(".example/" in u for u in message.urls)
    assert real.exclude(attachments=[]).exists()

    # Running it again adds nothing.
    before = _counts()
    out = io.StringIO()
    assert load_phishing_history(stdout=out) == 0
    assert "already" in out.getvalue()
    assert _counts() == before


def test_phishing_history_with_only_the_demo_accounts():
    generator.load_organisations()
    generator.load_accounts()
    load_phishing()
    assert load_phishing_history() == 6
    assert (
        Campaign.objects.filter(state=Campaign.State.COMPLETED, finished_at__isnull=False).count()
        == 6
    )
    assert ReportedMessage.objects.count() == 4
