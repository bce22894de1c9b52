"""Phishing simulation I: the sandbox, header safety, tokens, tracking, scope, safety rails and
the sender against a real SMTP peer on loopback."""

from __future__ import annotations

import base64
import email
import email.policy
import io
import logging
from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import management
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from hifazat.audit.models import AuditEvent
from hifazat.lib import secretbox
from hifazat.phishing import rendering, schedule, services
from hifazat.phishing.dispatch import Dispatcher
from hifazat.phishing.models import Campaign, EmailTemplate, Event, Send, SendingProfile
from hifazat.phishing.tests.conftest import make_campaign, make_library
from tests.factories import make_person

pytestmark = [pytest.mark.django_db]


# --- the sandbox and headers ---------------------------------------------------------------


@pytest.mark.smoke
@pytest.mark.parametrize(
    "source",
    [
        "{{ settings }}",
        "{{ settings.SECRET_KEY }}",
        "{{ full_name.__class__ }}",
        "{{ full_name.__class__.__mro__[1].__subclasses__() }}",
        "{{ link|safe }}",
        "{{ request }}",
        '{% include "base.html" %}',
        '{% import "base.html" as b %}',
        '{% extends "base.html" %}',
        "{% load static %}",
        "{% for x in range(10) %}x{% endfor %}",
        "{% set x = 1 %}",
        "{{ lipsum() }}",
        "{{ cycler }}",
        "{{",
    ],
)
def test_templates_reach_nothing_outside_their_context(source, ops, orgs):
    with pytest.raises(ValidationError):
        rendering.check(source, "subject")
    with pytest.raises(ValidationError):
        services.template_save(
            actor=ops.national,
            template=EmailTemplate(
                name="x", sender_name="x", sender_address="a@b.example", subject=source, text="t"
            ),
        )
    assert not EmailTemplate.objects.exists()


@pytest.mark.smoke
def test_the_sandbox_refuses_attribute_access_even_past_the_check():
    """The second wall: Jinja's immutable sandbox with a context of plain strings."""
    from jinja2.exceptions import SecurityError

    template = rendering._env_text.from_string("{{ full_name.__class__.__mro__ }}")
    with pytest.raises(SecurityError):
        template.render(full_name="x")


@pytest.mark.smoke
@pytest.mark.parametrize("sep", ["\r\n", "\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"])
def test_line_breaks_in_names_never_reach_a_header(sep):
    person = type("P", (), {})()
    person.full_name = f"Ali{sep}Bcc: victim@evil.example"
    person.designation = f"SO{sep}X-Injected: yes"
    person.email = "ali@alpha.gov.example"
    template = EmailTemplate(
        sender_name=f"Help{sep}desk {{{{ full_name }}}}",
        sender_address="help@eoffice-portal.example",
        subject=f"Hello {{{{ full_name }}}}{sep}X-Other: 1",
        text="Hi {{ designation }}",
        html="",
    )
    compiled = rendering.Compiled.of(template)
    context = rendering.context_for(person, f"Min{sep}istry", "https://x.example/t/abc/")
    raw = rendering.build(compiled, context, person.email, "<id@x.example>")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    names = [line.split(":", 1)[0] for line in head.splitlines() if line and line[0] not in " \t"]
    assert "Bcc" not in names and "X-Injected" not in names and "X-Other" not in names
    assert sorted(names) == sorted(
        ["From", "To", "Subject", "Date", "Message-ID", "Content-Type", "Content-Transfer-Encoding",
         "MIME-Version"]
    )  # fmt: skip
    assert "Bcc: victim@evil.example" in str(msg["Subject"])  # kept as text, on one line


# --- tokens --------------------------------------------------------------------------------


@pytest.mark.smoke
def test_tokens_carry_at_least_128_bits_and_do_not_repeat():
    tokens = [services.new_token() for _ in range(5000)]
    assert len(set(tokens)) == len(tokens)
    assert all(len(t) == 24 for t in tokens)
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert set("".join(tokens)) <= alphabet
    # each token decodes to at least 128 random bits, and the letters are used evenly
    assert all(len(base64.urlsafe_b64decode(t + "==")) * 8 >= 128 for t in tokens)
    counts = Counter("".join(tokens))
    expected = len(tokens) * 24 / 64
    assert all(abs(n - expected) < expected * 0.15 for n in counts.values())


# --- campaigns: scope and safety rails -----------------------------------------------------


@pytest.fixture
def lib_a(ops, orgs):
    return make_library(ops.a, orgs["min_a"])


def test_a_ministry_operator_cannot_target_see_or_export_another_ministry(
    ops, orgs, personas, lib_a, client_as
):
    template, page, profile = lib_a
    with pytest.raises(PermissionDenied):
        make_campaign(ops.a, orgs["min_a"], [orgs["min_b"]], template, page, profile)
    b_lib = make_library(ops.b, orgs["min_b"])
    campaign_b = make_campaign(
        ops.b, orgs["min_b"], [orgs["min_b"]], *b_lib, name="SENTINEL-CAMPAIGN-B"
    )
    # A's operator cannot use B's template, page or profile
    with pytest.raises(PermissionDenied):
        make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], b_lib[0], page, profile)
    c = client_as(ops.a)
    for name, args in [
        ("phishing:campaign", [campaign_b.pk]),
        ("phishing:campaign_edit", [campaign_b.pk]),
        ("phishing:status", [campaign_b.pk]),
        ("phishing:template", [b_lib[0].pk]),
        ("phishing:preview", [b_lib[0].pk]),
        ("phishing:page", [b_lib[1].pk]),
        ("phishing:profile", [b_lib[2].pk]),
    ]:
        assert c.get(reverse(name, args=args)).status_code == 404, name
    assert c.post(reverse("phishing:action", args=[campaign_b.pk, "launch"])).status_code == 404
    for url in ("phishing:home", "phishing:templates", "phishing:profiles", "phishing:pages"):
        body = c.get(reverse(url)).content.decode()
        assert "SENTINEL-CAMPAIGN-B" not in body and personas.learner_b.full_name not in body
    # the people B's campaign reaches never appear to A, and A's audience never includes them
    mine = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], template, page, profile)
    emails = {e for _pk, e, _o in services.resolve_audience(mine).people}
    assert personas.learner_b.email not in emails
    assert personas.learner_a.email in emails
    # a non-operator sees nothing at all
    assert client_as(personas.focal_a).get(reverse("phishing:home")).status_code == 404


def test_recipients_only_at_allowed_domains(ops, orgs, lib_a):
    stray = make_person("Stray Gmail", orgs["dep_a"], email="stray@mail.example")
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], *lib_a)
    resolved = services.resolve_audience(campaign)
    assert stray.email not in {e for _p, e, _o in resolved.people}
    assert resolved.outside_domains == 1


def test_exclusions_tracks_and_grades_narrow_the_audience(ops, orgs, personas, lib_a):
    admin = make_person("IT Admin", orgs["dep_a"], track="it_admin", grade=17)
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], *lib_a)
    campaign.tracks, campaign.grade_min = ["it_admin"], 16
    campaign.save()
    assert [e for _p, e, _o in services.resolve_audience(campaign).people] == [admin.email]
    campaign.excluded_people.add(admin)
    assert services.resolve_audience(campaign).people == []


def test_national_campaigns_need_a_second_operator(ops, orgs):
    lib = make_library(ops.national)
    campaign = make_campaign(ops.national, None, [orgs["min_a"]], *lib)
    with pytest.raises(ValidationError):
        services.campaign_launch(actor=ops.national, campaign=campaign)
    services.campaign_submit(actor=ops.national, campaign=campaign)
    with pytest.raises(PermissionDenied):
        services.campaign_approve(actor=ops.national, campaign=campaign)  # not the author
    with pytest.raises(PermissionDenied):
        services.campaign_approve(actor=ops.a, campaign=campaign)  # not national
    services.campaign_approve(actor=ops.national2, campaign=campaign)
    services.campaign_launch(actor=ops.national, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.RUNNING and campaign.approved_by == ops.national2
    assert campaign.recipient_count == Send.objects.filter(campaign=campaign).count() > 0
    launched = AuditEvent.objects.get(action="phishing.campaign_launched")
    assert launched.data["authorisation_reference"] == "No. 1(2)/2026-IT"


def test_an_impersonating_template_needs_sign_off_and_approval(ops, orgs, personas):
    template, page, profile = make_library(ops.a, orgs["min_a"], impersonates="NTISB")
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], template, page, profile)
    assert services.needs_approval(campaign)
    with pytest.raises(ValidationError, match="sign-off"):
        services.campaign_submit(actor=ops.a, campaign=campaign)
    with pytest.raises(PermissionDenied):
        services.template_sign_off(actor=ops.national, template=template)
    services.template_sign_off(actor=personas.admin, template=template)
    services.campaign_submit(actor=ops.a, campaign=campaign)
    services.campaign_approve(actor=ops.a2, campaign=campaign)
    services.campaign_launch(actor=ops.a, campaign=campaign)
    # a change to a signed-off template needs a new sign-off
    template.refresh_from_db()
    template.subject = "Changed {{ first_name }}"
    services.template_save(actor=ops.a, template=template)
    template.refresh_from_db()
    assert template.needs_sign_off


def test_changing_an_approved_campaign_returns_it_to_draft(ops, orgs):
    lib = make_library(ops.national)
    campaign = make_campaign(ops.national, None, [orgs["min_a"]], *lib)
    services.campaign_submit(actor=ops.national, campaign=campaign)
    services.campaign_approve(actor=ops.national2, campaign=campaign)
    campaign.refresh_from_db()
    campaign.name = "Changed after approval"
    services.campaign_save(
        actor=ops.national,
        campaign=campaign,
        variants=[(lib[0], lib[1])],
        audience=services.Audience(orgs=[orgs["min_a"], orgs["min_b"]]),
    )
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DRAFT and campaign.approved_by is None


# --- credentials ---------------------------------------------------------------------------


def test_smtp_password_is_encrypted_never_shown_and_rotatable(ops, orgs, client_as, settings):
    from cryptography.fernet import Fernet

    old = Fernet.generate_key().decode()
    settings.CREDENTIALS_KEYS = [old]
    c = client_as(ops.a)
    response = c.post(
        reverse("phishing:profile_new"),
        {
            "name": "Ministry relay",
            "owner": str(orgs["min_a"].pk),
            "host": "relay.alpha.gov.example",
            "port": 587,
            "security": "starttls",
            "username": "sim",
            "password": "PW-SENTINEL-93",
            "envelope_from": "",
            "rate_per_minute": 600,
            "messages_per_connection": 500,
        },
    )
    assert response.status_code == 302
    profile = SendingProfile.objects.get(name="Ministry relay")
    assert "PW-SENTINEL-93" not in profile.password_encrypted
    assert secretbox.decrypt(profile.password_encrypted) == "PW-SENTINEL-93"
    page = c.get(reverse("phishing:profile", args=[profile.pk])).content.decode()
    assert "PW-SENTINEL-93" not in page and profile.password_encrypted not in page
    assert "PW-SENTINEL-93" not in str(list(AuditEvent.objects.values_list("data", flat=True)))
    new = Fernet.generate_key().decode()
    settings.CREDENTIALS_KEYS = [new, old]
    assert services.rotate_credentials() == 1
    settings.CREDENTIALS_KEYS = [new]
    profile.refresh_from_db()
    assert secretbox.decrypt(profile.password_encrypted) == "PW-SENTINEL-93"


# --- tracking ------------------------------------------------------------------------------


@pytest.fixture
def running(ops, orgs, lib_a):
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], *lib_a)
    services.campaign_launch(actor=ops.a, campaign=campaign)
    return campaign


def _shape(response):
    return (
        response.status_code,
        response["Content-Type"],
        sorted(k for k in response.headers if k.lower() not in ("content-length",)),
    )


@pytest.mark.smoke
def test_tracking_records_clicks_humans_opens_and_unknown_tokens_record_nothing(client, running):
    send = Send.objects.filter(campaign=running).first()
    valid = client.get(f"/t/{send.token}/")
    unknown = client.get("/t/" + services.new_token() + "/")
    assert _shape(valid) == _shape(unknown)
    assert b"data-beacon" in valid.content and b"data-beacon" in unknown.content
    assert _shape(client.get(f"/t/{send.token}/o.gif")) == _shape(client.get("/t/nope/o.gif"))
    b1 = client.post(f"/t/{send.token}/b")
    b2 = client.post("/t/" + services.new_token() + "/b")
    assert (b1.status_code, b2.status_code) == (204, 204)
    kinds = sorted(Event.objects.values_list("kind", flat=True))
    assert kinds == ["click", "human", "open"]
    assert set(Event.objects.values_list("send_id", flat=True)) == {send.pk}
    # a token never signs anyone in
    assert "_auth_user_id" not in client.session


def test_submitted_values_are_stored_nowhere(client, running, caplog, settings):
    send = Send.objects.filter(campaign=running).first()
    caplog.set_level(logging.DEBUG)
    secret = "PASSWORD-SENTINEL-5521"
    response = client.post(
        f"/t/{send.token}/s", {"username": "USER-SENTINEL-5521", "password": secret, "other": "x"}
    )
    assert response.status_code == 200
    assert secret.encode() not in response.content
    event = Event.objects.get(kind="submit")
    assert event.fields == ["username", "password"]
    assert secret not in caplog.text and "USER-SENTINEL" not in caplog.text
    # nowhere in the database: every text column of every table
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                assert "SENTINEL-5521" not in repr(row), table


# --- the schedule --------------------------------------------------------------------------


@pytest.mark.smoke
def test_spread_keeps_every_message_inside_business_hours_in_the_recipients_zone():
    import random

    karachi = ZoneInfo("Asia/Karachi")
    start = datetime(2026, 12, 4, 15, 0, tzinfo=karachi)  # a Friday afternoon
    end = datetime(2026, 12, 8, 12, 0, tzinfo=karachi)  # Tuesday noon
    for zone in ("Asia/Karachi", "Europe/London"):
        windows = schedule.business_windows(start, end, zone, [0, 1, 2, 3, 4], time(9), time(17))
        moments = schedule.spread(500, windows, 15, random.Random(1))
        local = [m.astimezone(ZoneInfo(zone)) for m in moments]
        assert all(m.weekday() < 5 and time(9) <= m.time() <= time(17) for m in local)
        assert all(start <= m <= end for m in moments)
        days = Counter(m.date() for m in local)
        # Karachi: Friday, Monday, Tuesday morning; London (5 hours behind): Friday and Monday
        assert len(days) == (3 if zone == "Asia/Karachi" else 2)
    with pytest.raises(AssertionError):
        schedule.spread(1, [], 0, random.Random(1))


def test_launch_spreads_over_the_window_and_says_when_there_is_no_business_time(ops, orgs, lib_a):
    karachi = ZoneInfo("Asia/Karachi")
    saturday = datetime(2027, 1, 2, 10, tzinfo=karachi)
    campaign = make_campaign(
        ops.a, orgs["min_a"], [orgs["min_a"]], *lib_a,
        start_at=saturday, send_by=saturday + timedelta(hours=30),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="no business hours"):
        services.campaign_launch(actor=ops.a, campaign=campaign)
    campaign.send_by = saturday + timedelta(days=2, hours=8)  # Monday 18:00
    campaign.save()
    services.campaign_launch(actor=ops.a, campaign=campaign)
    for at in Send.objects.filter(campaign=campaign).values_list("not_before", flat=True):
        local = at.astimezone(karachi)
        assert local.weekday() == 0 and 9 <= local.hour < 17


# --- sending against a real SMTP peer ------------------------------------------------------


def _launch(ops, orgs, peer, count=0, rate=0):
    lib = make_library(ops.a, orgs["min_a"], host="127.0.0.1", port=peer.port, rate=rate)
    for n in range(count):
        make_person(f"Staff {n}", orgs["dep_a"], email=f"staff{n}@alpha.gov.example")
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], *lib)
    return services.campaign_launch(actor=ops.a, campaign=campaign)


def _drain(dispatcher, campaign, rounds=50):
    for _ in range(rounds):
        dispatcher.run_once()
        if not Send.objects.filter(
            campaign=campaign, state__in=["queued", "claimed", "sending"]
        ).exists():
            return
        Send.objects.filter(campaign=campaign, state="queued").update(not_before=timezone.now())


def test_the_sender_delivers_once_each_retries_4xx_and_records_5xx(ops, orgs, smtp_peer, settings):
    settings.PHISHING_RETRY_SECONDS = 0
    smtp_peer.inbox.tempfail_once = {"staff1@alpha.gov.example"}
    smtp_peer.inbox.reject = {"staff2@alpha.gov.example"}
    campaign = _launch(ops, orgs, smtp_peer, count=5)
    _drain(Dispatcher("w1"), campaign)
    sends = {s.email: s for s in Send.objects.filter(campaign=campaign)}
    received = Counter(r for rcpts, _m in smtp_peer.inbox.messages for r in rcpts)
    assert all(n == 1 for n in received.values())
    assert sends["staff1@alpha.gov.example"].state == "sent"
    assert sends["staff1@alpha.gov.example"].attempts == 2
    assert sends["staff2@alpha.gov.example"].state == "failed"
    assert sends["staff2@alpha.gov.example"].smtp_code == 550
    assert set(received) == {e for e, s in sends.items() if s.state == "sent"}
    # each message carries its stored Message-ID, the person's name and a tracked link
    for rcpts, message in smtp_peer.inbox.messages:
        send = sends[rcpts[0]]
        assert message["Message-ID"] == send.message_id
        body = message.get_body(("plain",)).get_content()
        assert f"/t/{send.token}/" in body
    Dispatcher("w1").sweep()  # the sweep finishes campaigns with nothing left to send
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.COMPLETED


def test_paused_campaigns_send_nothing_and_stop_cancels_the_rest(ops, orgs, smtp_peer):
    campaign = _launch(ops, orgs, smtp_peer, count=3)
    services.campaign_pause(actor=ops.a, campaign=campaign)
    Dispatcher("w1").run_once()
    assert smtp_peer.inbox.messages == []
    services.campaign_resume(actor=ops.a, campaign=campaign)
    services.campaign_stop(actor=ops.a, campaign=campaign)
    Dispatcher("w1").run_once()
    assert smtp_peer.inbox.messages == []
    assert set(Send.objects.filter(campaign=campaign).values_list("state", flat=True)) == {
        "cancelled"
    }


def test_a_row_whose_worker_died_mid_transaction_is_in_doubt_and_never_resent(
    ops, orgs, smtp_peer, settings
):
    campaign = _launch(ops, orgs, smtp_peer, count=2)
    rows = list(Send.objects.filter(campaign=campaign))
    # a worker claimed two rows, began the transaction of one, and died
    dead = Dispatcher("dead-worker")
    claimed = dead.claim(campaign.pk, 2)
    dead.begin(claimed[0], "<x@y.example>", None)
    past = timezone.now() - timedelta(seconds=1)
    Send.objects.filter(pk__in=[r.pk for r in rows]).filter(worker="dead-worker").update(
        lease_until=past
    )
    _drain(Dispatcher("live"), campaign)
    states = Counter(Send.objects.filter(campaign=campaign).values_list("state", flat=True))
    assert states["in_doubt"] == 1
    assert states["sent"] == len(rows) - 1
    doubtful = Send.objects.get(campaign=campaign, state="in_doubt")
    assert doubtful.message_id == "<x@y.example>"
    assert doubtful.email not in {r for rcpts, _m in smtp_peer.inbox.messages for r in rcpts}


def test_campaign_page_shows_count_before_launch_and_status_after(
    ops, orgs, lib_a, client_as, smtp_peer
):
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], *lib_a)
    c = client_as(ops.a)
    page = c.get(reverse("phishing:campaign", args=[campaign.pk])).content.decode()
    n = len(services.resolve_audience(campaign).people)
    assert f"{n} people would receive this campaign" in page
    assert c.post(reverse("phishing:action", args=[campaign.pk, "launch"])).status_code == 302
    status = c.get(reverse("phishing:status", args=[campaign.pk])).json()
    assert status["state"] == "running" and status["totals"]["queued"] == n
    assert status["variants"]["A"]["queued"] == n


def test_rotate_credentials_command(ops, orgs, settings):
    from cryptography.fernet import Fernet

    old = Fernet.generate_key().decode()
    settings.CREDENTIALS_KEYS = [old]
    profile = services.profile_save(
        actor=ops.a,
        profile=SendingProfile(organisation=orgs["min_a"], name="R", host="h", port=25),
        password="pw-rotated",
    )
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode(), old]
    out = io.StringIO()
    management.call_command("phishing", "rotate-credentials", stdout=out)
    assert out.getvalue().startswith("1 sending profile")
    settings.CREDENTIALS_KEYS = settings.CREDENTIALS_KEYS[:1]  # the old key is gone
    profile.refresh_from_db()
    assert secretbox.decrypt(profile.password_encrypted) == "pw-rotated"


def test_api_lists_campaigns_within_scope_with_status(ops, orgs, lib_a):
    from django.test import Client

    from hifazat.orgs.tokens import token_create

    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], *lib_a)
    campaign = services.campaign_launch(actor=ops.a, campaign=campaign)
    b_lib = make_library(ops.b, orgs["min_b"])
    other = make_campaign(ops.b, orgs["min_b"], [orgs["min_b"]], *b_lib, name="SENTINEL-B")

    def api(person):
        return Client(
            HTTP_AUTHORIZATION=f"Bearer {token_create(actor=person, name='t', scope='read', days=1)[1]}"
        )

    a = api(ops.a)
    listed = a.get("/api/v1/phishing/campaigns").json()
    assert [c["id"] for c in listed["items"]] == [campaign.pk]
    detail = a.get(f"/api/v1/phishing/campaigns/{campaign.pk}").json()
    assert detail["totals"]["queued"] == campaign.recipient_count > 0
    assert detail["variants"][0]["counts"]["queued"] == campaign.recipient_count
    assert a.get(f"/api/v1/phishing/campaigns/{other.pk}").status_code == 404
    assert "SENTINEL-B" not in a.get("/api/v1/phishing/campaigns").content.decode()
    assert (
        "/api/v1/phishing/campaigns"
        in api(ops.national).get("/api/v1/openapi.json").content.decode()
    )
