"""The demo's training events (issue 6): built on a database made like ``hifazat demo``'s."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hifazat.demo import generator
from hifazat.demo.events import load_events
from hifazat.events.models import Attendance, Event, Feedback, Nomination, Partner, Quota, Venue
from hifazat.learning.models import Certificate, Enrolment
from hifazat.orgs.models import Organisation, Person

pytestmark = [pytest.mark.django_db]

FOCAL = "focal.itt@moitt.gov.example"
HEAD = "head.itt@moitt.gov.example"
TRAINER = "trainer@pseb.gov.example"


def _counts() -> dict[str, int]:
    models = (Partner, Venue, Event, Quota, Nomination, Attendance, Feedback, Certificate)
    return {m.__name__: m.objects.count() for m in models + (Enrolment,)}


def _signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": 0},
        {"method": "mfa", "at": 0, "type": "totp"},
    ]
    session.save()
    return client


@pytest.fixture
def demo_db():
    call_command("curriculum", "load", verbosity=0, stdout=io.StringIO())
    generator.load_organisations()
    generator.load_people(300)
    generator.load_accounts()
    out = io.StringIO()
    made = load_events(stdout=out)
    return made, out.getvalue()


def test_demo_events(demo_db):
    made, output = demo_db
    assert made == Event.objects.count() >= 10
    assert "Training events:" in output
    assert Partner.objects.filter(code="pkcert", name_ur__contains="سرٹ").exists()
    assert Venue.objects.filter(city="Lahore").exists()
    assert Venue.objects.filter(city="Karachi").exists()
    assert not mail.outbox

    # History: completed events since 2022, with attendance, completions and certificates.
    past = Event.objects.filter(status=Event.Status.COMPLETED)
    assert past.count() >= 5
    assert past.filter(days__date__year=2022).exists()
    assert past.filter(days__date__year=2023, days__date__month=1).exists()
    assert past.filter(course__slug="advanced").count() == 2
    for event in past:
        assert event.completed_at < timezone.now()
        assert Attendance.objects.filter(day__event=event).exists(), event
        assert event.nominations.filter(status=Nomination.Status.COMPLETED).exists(), event
        assert not event.nominations.filter(status=Nomination.Status.APPROVED).exists()
    assert Nomination.objects.filter(status=Nomination.Status.NOT_COMPLETED).exists()
    assert set(Attendance.objects.values_list("status", flat=True)) >= {"present", "absent"}
    completed = Nomination.objects.filter(status=Nomination.Status.COMPLETED)
    assert completed.filter(enrolment__certificate__isnull=False).count() == completed.count()
    assert Enrolment.objects.filter(source=Enrolment.Source.NOMINATED).exists()
    first = past.filter(days__date__year=2022).distinct().get()
    enrolments = first.nominations.filter(status=Nomination.Status.COMPLETED).values("enrolment")
    issued = Certificate.objects.filter(enrolment__in=enrolments)
    assert issued.exists()
    assert all(c.issued_at.year == 2022 and c.status == "expired" for c in issued)
    assert Feedback.objects.filter(nomination__event__in=past).count() >= 5
    trainer = Person.objects.get(email=TRAINER)
    assert trainer.trained_events.filter(status=Event.Status.COMPLETED).exists()

    # Now: three events open for nomination, one with quotas, one open to all, one advanced.
    open_now = [
        e for e in Event.objects.filter(status=Event.Status.PUBLISHED) if e.nominations_open
    ]
    assert len(open_now) >= 3
    assert any(e.quotas.exists() for e in open_now)
    assert any(e.open_to_all for e in open_now)
    assert any(e.course.slug == "advanced" for e in open_now)
    assert trainer.trained_events.filter(status=Event.Status.PUBLISHED).exists()
    statuses = set(Nomination.objects.filter(event__in=open_now).values_list("status", flat=True))
    assert statuses >= {"pending", "pending_head", "approved", "waitlisted"}
    assert Event.objects.filter(status=Event.Status.DRAFT).exists()

    # The head's division asks for the head's approval, and a nomination waits for it.
    head_org = Organisation.objects.get(code="ITTD")
    assert head_org.requires_head_approval
    assert Nomination.objects.filter(
        status=Nomination.Status.PENDING_HEAD, person__org_path__startswith=head_org.path
    ).exists()

    # The demo focal person sees an open event with their division's quota, and room in it.
    focal = Person.objects.get(email=FOCAL)
    response = _signed_in(focal).get("/events/")
    assert response.status_code == 200
    quotas = [q for row in response.context["rows"] for q in (row["quotas"] or [])]
    own = [q for q in quotas if q["organisation"] == head_org]
    assert own and own[0]["used"] < own[0]["seats"]
    assert "Information Technology &amp; Telecommunication Division:" in response.content.decode()

    # Running it again adds nothing.
    before = _counts()
    assert load_events() == 0
    assert _counts() == before
