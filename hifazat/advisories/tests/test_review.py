"""Security review: regressions for the findings of the advisories review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hifazat.advisories import services, tasks
from hifazat.advisories.models import Advisory, Recipient
from hifazat.advisories.tests.conftest import draft, publish

pytestmark = [pytest.mark.django_db]


def test_red_overdue_reminder_never_goes_to_a_head_who_is_not_named(issuer, personas):
    """TLP:RED is for the named people only: the overdue escalation must not e-mail the title
    (and the named person) to the heads of the person's organisation."""
    import time_machine

    a = publish(
        issuer,
        draft(
            issuer,
            tlp="RED",
            audience=Advisory.Audience.PEOPLE,
            people=[personas.learner_a],
            title="RED-SENTINEL operation details",
        ),
    )
    recipient = Recipient.objects.get(advisory=a)
    mail.outbox.clear()
    with time_machine.travel((recipient.ack_due + timedelta(hours=1)).timestamp()):
        tasks.send_deadline_notices.call()
    to = {addr for m in mail.outbox for addr in m.to}
    assert personas.head_a.email not in to
    assert to <= {personas.learner_a.email}
    assert all(
        "RED-SENTINEL" not in m.subject or m.to == [personas.learner_a.email] for m in mail.outbox
    )


def test_search_does_not_match_an_unpublished_revision_title(issuer, personas, client_as):
    """Readers of the published revision must not learn the draft revision's title by search."""
    a = publish(issuer, draft(issuer, tlp="GREEN"))
    services.advisory_start_revision(actor=issuer["author"], advisory=a, note="new facts")
    Advisory.objects.filter(pk=a.pk).update(title="Embargoed DRAFTSECRET vendor name")
    detail = reverse("advisories:detail", args=[a.pk])
    page = client_as(personas.outsider).get(reverse("advisories:home"), {"q": "DRAFTSECRET"})
    assert page.status_code == 200
    assert detail not in page.content.decode()
    # the published title is still found
    page = client_as(personas.outsider).get(reverse("advisories:home"), {"q": "e-Office"})
    assert detail in page.content.decode()


def test_no_evidence_after_the_report_is_verified(issuer, personas, orgs):
    a = publish(
        issuer,
        draft(
            issuer,
            tlp="GREEN",
            audience=Advisory.Audience.ORGANISATIONS,
            organisations=[orgs["div_a"]],
            include_children=False,
        ),
    )
    r = Recipient.objects.get(advisory=a)
    focal = personas.focal_a
    services.acknowledge(actor=focal, recipient=r)
    for n in (1, 2):
        services.measure_respond(actor=focal, recipient=r, number=n, status="done")
    png = b"\x89PNG\r\n\x1a\n...."
    services.evidence_add(
        actor=focal, recipient=r, number=1, upload=SimpleUploadedFile("a.png", png, "image/png")
    )
    services.report_submit(actor=focal, recipient=r, outcome=Recipient.State.IMPLEMENTED)
    r.refresh_from_db()
    services.report_verify(actor=issuer["reviewer"], recipient=r, accept=True)
    r.refresh_from_db()
    with pytest.raises(ValidationError):
        services.evidence_add(
            actor=focal,
            recipient=r,
            number=1,
            upload=SimpleUploadedFile("b.png", png, "image/png"),
        )
