"""Phishing simulation II: metrics against a hand-built campaign whose answers are known,
the report link, scope and pseudonymous mode, remedial enrolment, retention and the API."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hifazat.audit.models import AuditEvent
from hifazat.learning.models import Course, Enrolment
from hifazat.phishing import remedial, rendering, results, retention, services
from hifazat.phishing.models import (
    Campaign,
    Event,
    RemedialAssignment,
    RemedialRule,
    Send,
    Tally,
    Variant,
)
from hifazat.phishing.tests.conftest import make_campaign, make_library
from tests.factories import make_person

pytestmark = [pytest.mark.django_db]

T0 = timezone.now().replace(microsecond=0) - timedelta(days=3)
M = timedelta(minutes=1)


def _campaign(actor, owner, lib, *, name, launched, pseudonymous=False, variants=1):
    template, page, profile = lib
    campaign = Campaign.objects.create(
        organisation=owner,
        name=name,
        profile=profile,
        start_at=launched,
        state=Campaign.State.COMPLETED,
        launched_at=launched,
        finished_at=launched + timedelta(hours=2),
        pseudonymous=pseudonymous,
        created_by=actor,
    )
    for label in "AB"[:variants]:
        Variant.objects.create(campaign=campaign, label=label, template=template, landing=page)
    return campaign


def _send(campaign, person, label="A", state="sent", sent=T0, **outcomes):
    send = Send.objects.create(
        campaign=campaign,
        variant=campaign.variants.get(label=label),
        person=person,
        email=person.email,
        organisation=person.organisation,
        token=services.new_token(),
        not_before=sent,
        state=state,
        sent_at=sent if state == "sent" else None,
        **{k: sent + v for k, v in outcomes.items()},
    )
    kinds = {
        "opened_at": "open",
        "clicked_at": "click",
        "human_at": "human",
        "submitted_at": "submit",
        "reported_at": "report",
    }
    for column, delay in outcomes.items():
        Event.objects.create(
            send=send, campaign_id=campaign.pk, kind=kinds[column], at=sent + delay
        )
    return send


@pytest.fixture
def world(ops, orgs, personas):
    """A national campaign to ten people whose right answers are worked out by hand."""
    lib = make_library(ops.national)
    people = [make_person(f"Alpha Person {i}", orgs["dep_a"]) for i in range(6)]
    people += [make_person(f"SENTINEL-B-{i} Bravo", orgs["div_b"]) for i in range(4)]
    c = _campaign(ops.national, None, lib, name="Hand-built", launched=T0, variants=2)
    p = people
    _send(c, p[0], clicked_at=10 * M, human_at=10 * M, submitted_at=11 * M)  # failed
    _send(c, p[1], clicked_at=20 * M, human_at=20 * M, reported_at=60 * M)  # failed, reported
    _send(c, p[2], reported_at=10 * M)
    _send(c, p[3], opened_at=2 * M, reported_at=30 * M)
    _send(c, p[4], clicked_at=timedelta(seconds=5))  # a scanner
    _send(c, p[5], state="failed")  # 5xx
    _send(c, p[6], "B", clicked_at=5 * M, human_at=5 * M)  # failed
    _send(c, p[7], "B", reported_at=120 * M)
    _send(c, p[8], "B", opened_at=M)
    _send(c, p[9], "B")
    # earlier campaigns: who failed before
    before = _campaign(ops.national, None, lib, name="Before", launched=T0 - timedelta(days=30))
    _send(before, p[0], sent=before.launched_at, human_at=M)
    _send(before, p[6], sent=before.launched_at, submitted_at=M)
    _send(before, p[2], sent=before.launched_at, reported_at=M)
    ancient = _campaign(ops.national, None, lib, name="Ancient", launched=T0 - timedelta(days=400))
    _send(ancient, p[1], sent=ancient.launched_at, human_at=M)
    private = _campaign(
        ops.national,
        None,
        lib,
        name="Private",
        launched=T0 - timedelta(days=60),
        pseudonymous=True,
    )
    _send(private, p[1], sent=private.launched_at, human_at=M)
    return {"campaign": c, "people": people, "lib": lib}


def test_metrics_match_the_hand_worked_answers(world):
    c, p = world["campaign"], world["people"]
    t = results.total(c)
    assert (t.recipients, t.attempted, t.delivered) == (10, 10, 9)
    assert (t.opened, t.clicked, t.human, t.scanner, t.submitted) == (2, 4, 3, 1, 1)
    assert (t.failed, t.reported) == (3, 4)
    assert t.click_rate == pytest.approx(3 / 9)
    assert t.submit_rate == pytest.approx(1 / 9)
    assert t.report_rate == pytest.approx(4 / 9)
    assert t.resilience == pytest.approx(4 / 3)
    assert t.median_report_seconds == pytest.approx(2700)  # median of 10, 30, 60, 120 minutes
    by_variant = results.tally(c, ("variant",))
    a = by_variant[(c.variants.get(label="A").pk,)]
    b = by_variant[(c.variants.get(label="B").pk,)]
    assert (a.recipients, a.delivered, a.human, a.reported) == (6, 5, 2, 3)
    assert a.resilience == pytest.approx(3 / 2) and a.median_report_seconds == 1800
    assert (b.recipients, b.delivered, b.human, b.reported) == (4, 4, 1, 1)
    assert b.resilience == 1 and b.median_report_seconds == 7200
    by_org = results.tally(c, ("organisation",))
    assert by_org[(p[0].organisation_id,)].recipients == 6
    assert by_org[(p[6].organisation_id,)].report_rate == pytest.approx(1 / 4)
    # repeat offenders: failed here and in the year before; not the 400-day-old campaign, and
    # never on the strength of a pseudonymous one
    offenders = {r["person_id"] for r in results.repeat_offenders(c)}
    assert offenders == {p[0].pk, p[6].pk}


def test_retention_reduces_to_aggregates_and_every_figure_stays(world, settings):
    c = world["campaign"]
    before = {k: r.as_dict() for k, r in results.tally(c, ("variant", "organisation")).items()}
    total_before = results.total(c).as_dict()
    settings.PHISHING_RETENTION_DAYS = 1
    assert retention.reduce_due() == 10 + 3 + 1 + 1  # every finished campaign past the limit
    assert not Send.objects.filter(campaign=c).exists()
    assert not Event.objects.filter(campaign_id=c.pk).exists()
    assert Tally.objects.filter(campaign=c).count() == 2  # (A, department A), (B, division B)
    after = {k: r.as_dict() for k, r in results.tally(c, ("variant", "organisation")).items()}
    assert after == before and results.total(c).as_dict() == total_before
    assert retention.reduce_due() == 0  # nothing twice
    settings.PHISHING_RETENTION_DAYS = 0
    assert not retention.due().exists()


def test_results_pages_scope_and_exports(world, ops, personas, client_as):
    c = world["campaign"]
    body = client_as(ops.national).get(reverse("phishing:campaign_results", args=[c.pk]))
    assert body.status_code == 200
    text = body.content.decode()
    assert "33.3 %" in text and "44.4 %" in text and "45 min" in text
    # the focal person of division A sees division A's part only, and never B's people
    focal = client_as(personas.focal_a)
    page = focal.get(reverse("phishing:campaign_results", args=[c.pk])).content.decode()
    assert "Only your organisation" in page and "Bravo Division" not in page
    listing = focal.get(reverse("phishing:recipients", args=[c.pk]) + "?outcome=all")
    assert listing.status_code == 200
    assert "Alpha Person 0" in listing.content.decode()
    assert "SENTINEL-B" not in listing.content.decode()
    export = focal.get(
        reverse("phishing:export", args=[c.pk, "recipients", "xlsx"]) + "?outcome=all"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 6 and not any("SENTINEL" in n for n in names)
    assert AuditEvent.objects.filter(action="phishing.results_viewed").count() == 1
    assert AuditEvent.objects.filter(action="phishing.results_exported").count() == 1
    # a ministry campaign of A: B's operator and focal person get 404, A's focal person sees it
    own = _campaign(ops.a, world["people"][0].organisation.parent.parent, world["lib"],
                    name="SENTINEL-A-ONLY", launched=T0)  # fmt: skip
    _send(own, world["people"][0], human_at=M)
    for who in (ops.b, personas.focal_b):
        c_b = client_as(who)
        for name in ("phishing:campaign_results", "phishing:recipients"):
            assert c_b.get(reverse(name, args=[own.pk])).status_code == 404
        assert "SENTINEL-A-ONLY" not in c_b.get(reverse("phishing:results")).content.decode()
    assert client_as(personas.learner_a).get(reverse("phishing:results")).status_code == 404


def test_pseudonymous_campaigns_name_nobody_anywhere(ops, orgs, personas, client_as, mailoutbox):
    lib = make_library(ops.national)
    c = _campaign(ops.national, None, lib, name="Quiet round", launched=T0, pseudonymous=True)
    sentinels = [
        make_person(f"SENTINEL-PSEUDO-{i}", orgs["dep_a"], email=f"qz7hidden{i}@alpha.gov.example")
        for i in range(6)
    ]
    for i, person in enumerate(sentinels):
        _send(c, person, human_at=M, submitted_at=2 * M) if i % 2 else _send(
            c, person, reported_at=5 * M
        )
    lone = make_person("SENTINEL-PSEUDO-LONE", orgs["div_b"], email="lone@bravo.gov.example")
    _send(c, lone, human_at=M)
    national = client_as(ops.national)
    pages = [
        national.get(reverse("phishing:campaign_results", args=[c.pk])),
        national.get(reverse("phishing:results")),
        national.get(reverse("phishing:repeat_offenders")),
        national.get(reverse("phishing:export", args=[c.pk, "organisations", "csv"])),
        national.get(reverse("phishing:export", args=[c.pk, "variants", "xlsx"])),
        _api(ops.national).get(f"/api/v1/phishing/campaigns/{c.pk}/results"),
    ]
    for response in pages:
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for word in (b"SENTINEL", b"qz7hidden", b"lone@"):
            assert word not in body, (
                response.request["PATH_INFO"],
                body[body.find(word) - 200 : body.find(word) + 50],
            )
    # the lone person's ministry is folded into "other organisations"
    text = pages[0].content.decode()
    assert "Bravo Division" not in text and "Other organisations" in text
    for name in ("phishing:recipients",):
        assert national.get(reverse(name, args=[c.pk])).status_code == 404
    assert (
        national.get(reverse("phishing:export", args=[c.pk, "recipients", "csv"])).status_code
        == 404
    )
    assert _api(ops.national).get(f"/api/v1/phishing/campaigns/{c.pk}/events").status_code == 403
    # no remedial enrolment (that would name them), no repeat offender, no e-mail
    assert not results.failures().filter(campaign=c).exists()
    assert not any("SENTINEL" in m.body for m in mailoutbox)


def test_remedial_enrolment_follows_human_clicks_and_submissions_with_a_gap(ops, orgs):
    call_command("curriculum", "load", verbosity=0)
    course = Course.objects.get(slug="remedial")  # the module written for this (curriculum/)
    rule = remedial.rule_save(
        actor=ops.national,
        rule=RemedialRule(name="Fell for it", course=course, window_days=90, min_gap_days=90),
    )
    lib = make_library(ops.national)
    now = timezone.now()
    c1 = _campaign(ops.national, None, lib, name="One", launched=now - timedelta(days=100))
    c2 = _campaign(ops.national, None, lib, name="Two", launched=now - timedelta(days=10))
    clicker, submitter, scanner, opener, reporter, old = (
        make_person(n, orgs["dep_a"]) for n in ("Clicker", "Submitter", "Scanner", "Opener",
                                                  "Reporter", "Old")
    )  # fmt: skip
    _send(c2, clicker, sent=c2.launched_at, clicked_at=M, human_at=M)
    _send(c2, submitter, sent=c2.launched_at, submitted_at=M)
    _send(c2, scanner, sent=c2.launched_at, clicked_at=timedelta(seconds=3))
    _send(c2, opener, sent=c2.launched_at, opened_at=M)
    _send(c2, reporter, sent=c2.launched_at, reported_at=M)
    _send(c1, old, sent=c1.launched_at, human_at=M)  # outside the 90-day window
    first = remedial.apply_rule(rule, now)
    assert first.enrolled == 2 and set(first.people) == {clicker.pk, submitter.pk}
    enrolments = Enrolment.objects.filter(course=course, source=Enrolment.Source.REMEDIAL)
    assert set(enrolments.values_list("person_id", flat=True)) == {clicker.pk, submitter.pk}
    # running again decides nothing new
    again = remedial.apply_rule(rule, now)
    assert (again.enrolled, again.within_gap, again.already) == (0, 0, 0)
    assert enrolments.count() == 2
    # the clicker completes the module, then falls for another simulation 30 days later:
    # held back by the 90-day gap; 100 days later enrolled again
    enrolments.filter(person=clicker).update(status=Enrolment.Status.COMPLETED)
    c3 = _campaign(ops.national, None, lib, name="Three", launched=now + timedelta(days=30))
    _send(c3, clicker, sent=c3.launched_at, human_at=M)
    later = remedial.apply_rule(rule, now + timedelta(days=30, hours=1))
    assert (later.enrolled, later.within_gap) == (0, 1)
    c4 = _campaign(ops.national, None, lib, name="Four", launched=now + timedelta(days=100))
    _send(c4, clicker, sent=c4.launched_at, submitted_at=M)
    last = remedial.apply_rule(rule, now + timedelta(days=100, hours=1))
    assert last.enrolled == 1
    assert enrolments.filter(person=clicker).count() == 2
    assert RemedialAssignment.objects.filter(rule=rule).count() == 4
    assert AuditEvent.objects.filter(action="phishing.remedial_applied").exists()


def test_every_message_carries_a_report_link_that_scanners_cannot_trigger(ops, orgs, client):
    template, page, profile = make_library(ops.a, orgs["min_a"])
    compiled = rendering.Compiled.of(template)
    link = "https://sim.example/t/TOKEN123/"
    context = rendering.context_for(rendering.Addressee("x@alpha.gov.example"), "Alpha", link)
    raw = rendering.build(compiled, context, "x@alpha.gov.example", "<m@x>").decode()
    import base64
    import email

    message = email.message_from_string(raw)
    bodies = [
        base64.b64decode(part.get_payload()).decode()
        for part in message.walk()
        if part.get_content_maintype() == "text"
    ]
    assert all("https://sim.example/t/TOKEN123/r" in body for body in bodies)
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], template, page, profile)
    services.campaign_launch(actor=ops.a, campaign=campaign)
    send = Send.objects.filter(campaign=campaign).first()
    confirm = client.get(f"/t/{send.token}/r")  # what a link scanner does
    assert confirm.status_code == 200 and b"Report this e-mail" in confirm.content
    assert b"data-beacon" not in confirm.content
    send.refresh_from_db()
    assert send.reported_at is None and not Event.objects.filter(kind="report").exists()
    thanks = client.post(f"/t/{send.token}/r")
    assert b"phishing simulation" in thanks.content
    client.post(f"/t/{send.token}/r")  # twice: one reporter, two events
    send.refresh_from_db()
    assert send.reported_at is not None
    assert Event.objects.filter(kind="report", send=send).count() == 2
    assert results.total(campaign).reported == 1
    # an unknown token gets the same page and records nothing
    assert client.post("/t/" + services.new_token() + "/r").status_code == 200
    assert Event.objects.filter(kind="report").count() == 2


def _api(person):
    from django.test import Client

    from hifazat.orgs.tokens import token_create

    secret = token_create(actor=person, name="t", scope="read", days=1)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_api_results_and_events_within_scope(world, ops, personas):
    c = world["campaign"]
    api = _api(personas.focal_a)
    data = api.get(f"/api/v1/phishing/campaigns/{c.pk}/results").json()
    assert data["whole_campaign"] is False
    assert data["totals"]["recipients"] == 6 and data["totals"]["reported"] == 3
    assert {r["group"] for r in data["variants"]} == {"A"}
    events = api.get(f"/api/v1/phishing/campaigns/{c.pk}/events?kind=human").json()
    assert {e["email"] for e in events["items"]} == {
        world["people"][0].email,
        world["people"][1].email,
    }
    assert b"SENTINEL" not in api.get(f"/api/v1/phishing/campaigns/{c.pk}/events").content
    assert AuditEvent.objects.filter(action="phishing.events_read").count() == 2
    whole = _api(ops.national).get(f"/api/v1/phishing/campaigns/{c.pk}/results").json()
    assert whole["whole_campaign"] is True and whole["totals"]["recipients"] == 10
    assert whole["totals"]["median_seconds_to_report"] == 2700
    own = _campaign(ops.a, world["people"][0].organisation.parent.parent, world["lib"],
                    name="A only", launched=T0)  # fmt: skip
    bravo = _api(ops.b)
    for path in ("results", "events"):
        assert bravo.get(f"/api/v1/phishing/campaigns/{own.pk}/{path}").status_code == 404
