"""Advisory fixtures: an issuing body with its three-person team, and a helper that takes an
advisory through the whole workflow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hifazat.advisories import services
from hifazat.advisories.models import Advisory
from hifazat.orgs.roles import Role
from tests.factories import make_org, make_person, make_totp

MEASURES = [
    {
        "number": 1,
        "text": "Block the listed indicators at the gateway.",
        "mandatory": True,
        "evidence_required": True,
    },
    {
        "number": 2,
        "text": "Tell staff about the lure.",
        "mandatory": True,
        "evidence_required": False,
    },
    {
        "number": 3,
        "text": "Review mail logs for the sender.",
        "mandatory": False,
        "evidence_required": False,
    },
]


@pytest.fixture
def issuer(orgs):
    org = make_org(
        "NTISB",
        "National Telecom & IT Security Board",
        "attached_department",
        parent=orgs["min_c"],
    )
    team = {}
    for role, name in (
        (Role.ADVISORY_AUTHOR, "Adnan Author"),
        (Role.ADVISORY_REVIEWER, "Rabia Reviewer"),
        (Role.ADVISORY_PUBLISHER, "Shahid Publisher"),
    ):
        person = make_person(name, org, role=(role, org))
        make_totp(person)
        team[role] = person
    return {
        "org": org,
        "author": team[Role.ADVISORY_AUTHOR],
        "reviewer": team[Role.ADVISORY_REVIEWER],
        "publisher": team[Role.ADVISORY_PUBLISHER],
    }


def draft(
    issuer,
    *,
    tlp="GREEN",
    audience=Advisory.Audience.ALL,
    organisations=(),
    people=(),
    include_children=True,
    indicators=None,
    title="Cyber Security Advisory – Fake e-Office Password Expiry Pages",
):
    now = timezone.now()
    advisory = Advisory(
        issuer=issuer["org"],
        title=title,
        kind=Advisory.Kind.THREAT,
        severity=Advisory.Severity.HIGH,
        tlp=tlp,
        summary="Attackers send e-mails that imitate e-Office password-expiry notices.",
        background="The pages collect **passwords**.",
        audience=audience,
        include_children=include_children,
        ack_due=now + timedelta(days=2),
        act_due=now + timedelta(days=10),
    )
    parts = services.Parts(
        measures=MEASURES,
        indicators=indicators
        if indicators is not None
        else [
            {
                "type": "domain",
                "value": "eoffice-reset.example",
                "description": "landing page",
                "tlp": "",
            },
            {
                "type": "ipv4",
                "value": "192.0.2.44",
                "description": "mail server",
                "tlp": "RED" if tlp != "RED" else "",
            },
        ],
        vulnerabilities=[],
        products=[],
        references=[],
    )
    return services.advisory_save(
        actor=issuer["author"],
        advisory=advisory,
        parts=parts,
        organisations=organisations,
        people=people,
    )


def publish(issuer, advisory):
    services.advisory_submit(actor=issuer["author"], advisory=advisory)
    services.advisory_review(actor=issuer["reviewer"], advisory=advisory, approve=True)
    return services.advisory_publish(actor=issuer["publisher"], advisory=advisory)


@pytest.fixture
def published(issuer):
    def make(**kwargs):
        return publish(issuer, draft(issuer, **kwargs))

    return make
