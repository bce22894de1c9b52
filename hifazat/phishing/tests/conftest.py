import email
import email.policy
from datetime import timedelta

import pytest
from django.utils import timezone

from hifazat.orgs.roles import Role
from hifazat.phishing import services
from hifazat.phishing.models import Campaign, EmailTemplate, LandingPage, SendingProfile
from tests.factories import make_person, make_totp
from tests.live import free_port


class Ops(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def ops(personas, orgs):
    """Campaign operators: national (two), ministry A's, ministry B's."""
    o = Ops()
    o["national"] = make_person(
        "Nadia National", orgs["min_c"], role=(Role.CAMPAIGN_OPERATOR, None)
    )
    o["national2"] = make_person(
        "Nasir Second", orgs["min_c"], role=(Role.CAMPAIGN_OPERATOR, None)
    )
    o["a"] = make_person(
        "Arif Operator", orgs["min_a"], role=(Role.CAMPAIGN_OPERATOR, orgs["min_a"])
    )
    o["a2"] = make_person(
        "Asma Operator", orgs["min_a"], role=(Role.CAMPAIGN_OPERATOR, orgs["min_a"])
    )
    o["b"] = make_person(
        "Babar Operator", orgs["min_b"], role=(Role.CAMPAIGN_OPERATOR, orgs["min_b"])
    )
    for person in o.values():
        make_totp(person)
    return o


def make_library(actor, owner=None, *, impersonates="", host="127.0.0.1", port=25, rate=0):
    template = services.template_save(
        actor=actor,
        template=EmailTemplate(
            organisation=owner,
            name="e-Office password expiry",
            sender_name="e-Office Helpdesk",
            sender_address="helpdesk@eoffice-portal.example",
            subject="Dear {{ first_name }}, your password expires today",
            text="Dear {{ full_name }} ({{ designation }}, {{ organisation }}),\nKeep it: {{ link }}",
            html='<p>Dear {{ full_name }}</p><p><a href="{{ link }}">Keep my password</a></p>',
            difficulty=2,
            red_flags=["The sender's domain is not the government's."],
            impersonates=impersonates,
        ),
    )
    page = services.landing_save(
        actor=actor,
        page=LandingPage(
            organisation=owner,
            name="Teachable moment",
            title="This was a phishing simulation",
            body="It was practice. **Check the sender** next time.",
            has_form=True,
            form_title="e-Office — sign in",
        ),
    )
    profile = services.profile_save(
        actor=actor,
        profile=SendingProfile(
            organisation=owner, name="Relay", host=host, port=port, security="none",
            rate_per_minute=rate,
        ),
        password=None,
    )  # fmt: skip
    return template, page, profile


def make_campaign(actor, owner, audience_orgs, template, page, profile, **fields):
    campaign = Campaign(
        organisation=owner,
        name=fields.pop("name", "Practice round"),
        profile=profile,
        start_at=fields.pop("start_at", timezone.now() - timedelta(minutes=1)),
        authorised_by="Secretary",
        authorisation_reference="No. 1(2)/2026-IT",
        **fields,
    )
    return services.campaign_save(
        actor=actor,
        campaign=campaign,
        variants=[(template, page)],
        audience=services.Audience(orgs=list(audience_orgs)),
    )


class Inbox:
    def __init__(self):
        self.messages = []
        self.tempfail_once = set()
        self.reject = set()
        self.tried = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 No such user"
        if address in self.tempfail_once and address not in self.tried:
            self.tried.add(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_peer():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.inbox = inbox
    yield controller
    controller.stop()
