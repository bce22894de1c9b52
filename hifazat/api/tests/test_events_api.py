"""The events API: scope (404 and no leaks outside it), nominating and withdrawing with
reasons per row, read-only tokens, attendance for trainers and managers only."""

import pytest
from django.test import Client

from hifazat.events import services
from hifazat.events.models import Nomination, Partner
from hifazat.events.tests.test_events import make_course, make_event, rows
from hifazat.orgs.roles import Role
from hifazat.orgs.tokens import token_create
from tests.factories import make_person

pytestmark = [pytest.mark.django_db]
SENTINEL = "SENTINEL-B-7Q"


def api(person, scope="read"):
    token = token_create(actor=person, name="test", scope=scope, days=30)[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def event(personas, orgs):
    partner = Partner.objects.create(code="pseb", name="Pakistan Software Export Board")
    return make_event(
        personas.pm, make_course(), partner, quotas={orgs["min_a"]: 3, orgs["min_b"]: 2}
    )


def test_lists_are_scoped_and_leak_nothing(event, personas, orgs):
    services.nominate(actor=personas.focal_b, event=event, people=rows(personas.learner_b))
    services.nominate(actor=personas.focal_a, event=event, people=rows(personas.learner_a))
    focal_a = api(personas.focal_a)
    listed = focal_a.get("/api/v1/events").json()
    assert [e["id"] for e in listed["items"]] == [event.pk]
    detail = focal_a.get(f"/api/v1/events/{event.pk}").json()
    assert [q["organisation"] for q in detail["quotas"]] == ["MINA"]
    nominations = focal_a.get(f"/api/v1/events/{event.pk}/nominations")
    assert nominations.status_code == 200
    assert [n["person"]["full_name"] for n in nominations.json()["items"]] == ["Amna Learner"]
    assert SENTINEL not in nominations.text
    everyone = api(personas.pm).get(f"/api/v1/events/{event.pk}/nominations").json()
    assert everyone["count"] == 2
    assert api(personas.outsider).get(f"/api/v1/events/{event.pk}").status_code == 404


def test_nominate_reports_each_refused_row_and_needs_a_write_token(event, personas, orgs):
    payload = {
        "people": [
            personas.learner_a.employee_number,
            personas.learner_b.email,
            "nobody@x.example",
        ]
    }
    read_only = api(personas.focal_a)
    assert (
        read_only.post(
            f"/api/v1/events/{event.pk}/nominations", payload, content_type="application/json"
        ).status_code
        == 403
    )
    client = api(personas.focal_a, "write")
    body = client.post(
        f"/api/v1/events/{event.pk}/nominations", payload, content_type="application/json"
    ).json()
    assert [n["person"]["full_name"] for n in body["created"]] == ["Amna Learner"]
    assert [(r["row"], r["reason"]) for r in body["refused"]] == [
        (1, "No such person in your organisations."),
        (2, "No such person in your organisations."),
    ]
    assert SENTINEL not in str(body)
    again = client.post(
        f"/api/v1/events/{event.pk}/nominations",
        {"people": [personas.learner_a.email], "all_or_nothing": True},
        content_type="application/json",
    ).json()
    assert again["created"] == [] and "Already nominated" in again["refused"][0]["reason"]


def test_withdraw_within_scope_only(event, personas):
    theirs = services.nominate(
        actor=personas.focal_b, event=event, people=rows(personas.learner_b)
    ).created[0]
    ours = services.nominate(
        actor=personas.focal_a, event=event, people=rows(personas.learner_a)
    ).created[0]
    client = api(personas.focal_a, "write")
    url = "/api/v1/events/nominations/{}/withdraw"
    assert (
        client.post(url.format(theirs.pk), {}, content_type="application/json").status_code == 404
    )
    assert Nomination.objects.get(pk=theirs.pk).status == Nomination.Status.PENDING
    response = client.post(
        url.format(ours.pk), {"reason": "On leave"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_attendance_is_for_trainers_and_managers(event, personas, orgs):
    trainer = make_person("Tariq Trainer", orgs["min_c"], role=(Role.TRAINER, None))
    event.trainers.add(trainer)
    nomination = services.nominate(
        actor=personas.pm, event=event, people=rows(personas.learner_a)
    ).created[0]
    services.nominations_decide(
        actor=personas.pm, event=event, nominations=[nomination], decision="approve"
    )
    services.attendance_mark(actor=trainer, day=event.days.get(), marks={nomination.pk: "present"})
    marks = api(trainer).get(f"/api/v1/events/{event.pk}/attendance").json()["items"]
    assert [(m["employee_number"], m["status"]) for m in marks] == [
        (personas.learner_a.employee_number, "present")
    ]
    assert api(personas.focal_a).get(f"/api/v1/events/{event.pk}/attendance").status_code == 404
