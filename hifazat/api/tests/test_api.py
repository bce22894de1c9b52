"""The REST API: tokens, scope, HR sync with the import's validation, errors by field."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hifazat.audit.models import AuditEvent
from hifazat.orgs.models import ApiToken, Person
from hifazat.orgs.roles import Role
from hifazat.orgs.tokens import token_create

pytestmark = [pytest.mark.django_db]
SENTINEL = "SENTINEL-B-7Q"


def api(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def token_for(person, scope="read", days=30):
    return token_create(actor=person, name="test", scope=scope, days=days)[1]


def person_in(n, **over):
    data = {
        "employee_number": f"API-{n:04d}",
        "full_name": f"Api Person {n}",
        "email": f"api{n}@alpha.gov.example",
        "designation": "Assistant",
        "bps_grade": 14,
        "organisation": "DIVA",
        "track": "general",
    }
    data.update(over)
    return data


@pytest.mark.smoke
def test_anonymous_and_bad_tokens_get_401(personas):
    assert Client().get("/api/v1/people").status_code == 401
    assert api("hz_nope_nope").get("/api/v1/people").status_code == 401
    raw = token_for(personas.focal_a)
    assert (
        api(raw[:-1] + ("A" if raw[-1] != "A" else "B")).get("/api/v1/people").status_code == 401
    )


def test_tokens_are_stored_hashed_and_shown_once(personas, client_as):
    c = client_as(personas.focal_a)
    page = c.post(
        reverse("orgs:tokens"), {"name": "HR sync", "scope": "write", "days": 90}
    ).content.decode()
    token = ApiToken.objects.get(person=personas.focal_a)
    raw = page.split('id="new-token">')[1].split("<")[0]
    assert (
        raw.startswith(f"hz_{token.prefix}_") and raw not in token.digest and token.digest != raw
    )
    again = c.get(reverse("orgs:tokens")).content.decode()
    assert raw not in again and f"hz_{token.prefix}_" in again
    assert AuditEvent.objects.filter(action="token.created", actor=personas.focal_a).exists()


def test_focal_person_lists_only_their_subtree(personas):
    raw = token_for(personas.focal_a)
    data = api(raw).get("/api/v1/people?limit=100").json()
    names = {p["full_name"] for p in data["items"]}
    assert {"Amna Learner", "Faisal Focal", "Hamid Head"} <= names
    assert SENTINEL not in str(data) and data["count"] == 3
    orgs = api(raw).get("/api/v1/organisations").json()
    assert {o["code"] for o in orgs["items"]} == {"DIVA", "DEPA"}
    assert api(raw).get(f"/api/v1/people/{personas.learner_b.pk}").status_code == 404
    assert api(raw).get("/api/v1/organisations/DIVB").status_code == 404
    assert api(raw).get("/api/v1/people?organisation=DIVB").status_code == 404
    assert ApiToken.objects.get(person=personas.focal_a).last_used_at is not None


def test_sync_creates_and_updates_with_the_imports_rules(personas):
    raw = token_for(personas.focal_a, scope="write")
    r = api(raw).post(
        "/api/v1/people/sync",
        {"people": [person_in(1), person_in(2)]},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json() == {
        "applied": True,
        "dry_run": False,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    r = api(raw).post(
        "/api/v1/people/sync",
        {"people": [person_in(1, bps_grade=15), person_in(2)]},
        content_type="application/json",
    )
    assert r.json()["updated"] == 1 and r.json()["unchanged"] == 1
    assert Person.objects.get(employee_number="API-0001").bps_grade == 15


def test_sync_answers_422_naming_each_bad_field_and_writes_nothing(personas):
    raw = token_for(personas.focal_a, scope="write")
    body = {
        "people": [
            person_in(1),
            person_in(2, email="x@bravo.gov.example"),
            person_in(3, organisation="DIVB"),
            person_in(4, full_name="Line\nBreak"),
        ]
    }
    r = api(raw).post("/api/v1/people/sync", body, content_type="application/json")
    assert r.status_code == 422
    locs = {tuple(d["loc"]) for d in r.json()["detail"]}
    assert locs == {
        ("body", "people", 1, "email"),
        ("body", "people", 2, "organisation"),
        ("body", "people", 3, "full_name"),
    }
    assert not Person.objects.filter(employee_number__startswith="API-").exists()


@pytest.mark.parametrize("field", ["organisation_id", "is_staff", "id", "password"])
def test_sync_rejects_extra_fields(personas, field):
    raw = token_for(personas.focal_a, scope="write")
    r = api(raw).post(
        "/api/v1/people/sync",
        {"people": [person_in(1, **{field: 1})]},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert field in str(r.json())
    assert not Person.objects.filter(employee_number="API-0001").exists()


def test_sync_rejects_wrong_types_with_422(personas):
    raw = token_for(personas.focal_a, scope="write")
    for body in (
        {"people": "nope"},
        {"people": [person_in(1, bps_grade="x")]},
        {"people": [person_in(1, bps_grade=40)]},
        [],
    ):
        r = api(raw).post("/api/v1/people/sync", body, content_type="application/json")
        assert r.status_code == 422, (body, r.content)
    r = api(raw).post("/api/v1/people/sync", "{not json", content_type="application/json")
    assert r.status_code in (400, 422)


def test_read_only_token_cannot_write(personas):
    raw = token_for(personas.focal_a, scope="read")
    r = api(raw).post(
        "/api/v1/people/sync", {"people": [person_in(1)]}, content_type="application/json"
    )
    assert r.status_code == 403
    assert not Person.objects.filter(employee_number="API-0001").exists()


def test_revoked_expired_and_deactivated_tokens_are_refused_next_request(personas, client_as):
    raw = token_for(personas.focal_a)
    assert api(raw).get("/api/v1/people").status_code == 200
    token = ApiToken.objects.get(person=personas.focal_a)
    client_as(personas.focal_a).post(reverse("orgs:token_revoke", args=[token.pk]))
    assert api(raw).get("/api/v1/people").status_code == 401

    raw = token_for(personas.focal_a, days=1)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert api(raw).get("/api/v1/people").status_code == 401

    raw = token_for(personas.learner_a)
    assert api(raw).get("/api/v1/people").status_code == 200
    client_as(personas.focal_a).post(
        reverse("orgs:person_deactivate", args=[personas.learner_a.pk])
    )
    assert api(raw).get("/api/v1/people").status_code == 401


def test_revoked_role_narrows_a_token_at_once(personas, client_as):
    from hifazat.orgs.models import RoleAssignment

    raw = token_for(personas.focal_a)
    assert api(raw).get("/api/v1/people").json()["count"] == 3
    assignment = RoleAssignment.objects.get(person=personas.focal_a, role=Role.FOCAL_PERSON)
    client_as(personas.admin).post(
        reverse("orgs:role_revoke", args=[personas.focal_a.pk, assignment.pk])
    )
    assert api(raw).get("/api/v1/people").json()["count"] == 1  # only themself now


def test_someone_elses_token_cannot_be_revoked(personas, client_as):
    token_for(personas.focal_b)
    token = ApiToken.objects.get(person=personas.focal_b)
    assert (
        client_as(personas.focal_a).post(reverse("orgs:token_revoke", args=[token.pk])).status_code
        == 404
    )
    token.refresh_from_db()
    assert token.revoked_at is None


def test_learner_cannot_sync(personas):
    raw = token_for(personas.learner_a, scope="write")
    r = api(raw).post(
        "/api/v1/people/sync", {"people": [person_in(1)]}, content_type="application/json"
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    "path", ["/api/v1/people", "/api/v1/organisations", "/api/v1/people/sync"]
)
def test_undeclared_methods_answer_405(personas, path):
    raw = token_for(personas.focal_a, scope="write")
    for method in ("put", "patch", "delete"):
        assert getattr(api(raw), method)(path).status_code == 405


def test_openapi_schema_and_docs_load_nothing_from_outside():
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200 and "/api/v1/people/sync" in schema.json()["paths"]
    docs = Client().get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle" in docs
    assert "http://" not in docs.replace("http://testserver", "") and "https://" not in docs


def test_learning_api_results_progress_and_public_certificate_check(personas):
    from django.core.management import call_command

    from hifazat.assessments.models import Question
    from hifazat.assessments.services import attempt_start, attempt_submit
    from hifazat.learning.models import Certificate, Course
    from hifazat.learning.services import enrolment_self

    call_command("curriculum", "load", verbosity=0)
    enrolment = enrolment_self(actor=personas.learner_a, course=Course.objects.get(slug="basic"))
    attempt = attempt_start(actor=personas.learner_a, enrolment=enrolment, kind="final")
    raw = token_for(personas.learner_a)
    body = api(raw).get("/api/v1/learning/enrolments").json()
    assert body[0]["course"] == "basic" and body[0]["attempts"][0]["score"] is None
    for q in Question.objects.filter(qid__in=attempt.qids, language="en"):
        assert q.explanation not in str(body) and '"answer"' not in str(body)
    answers = {
        q.qid: list(q.answer) for q in Question.objects.filter(qid__in=attempt.qids, language="en")
    }
    attempt_submit(actor=personas.learner_a, attempt=attempt, seq=1, answers=answers)
    body = api(raw).get("/api/v1/learning/enrolments").json()
    assert body[0]["attempts"][0]["score"] == 100 and body[0]["certificate"]
    # progress: focal person of A sees their subtree, a learner is refused, B sees nothing of A
    assert api(raw).get("/api/v1/learning/progress/basic").status_code == 403
    focal = api(token_for(personas.focal_a)).get("/api/v1/learning/progress/basic").json()
    assert focal["organisations"][0]["completed"] == 1
    other = api(token_for(personas.focal_b)).get("/api/v1/learning/progress/basic").json()
    assert other["organisations"] == [] and SENTINEL not in str(other)
    assert (
        api(token_for(personas.focal_b))
        .get("/api/v1/learning/progress/basic?organisation=DIVA")
        .status_code
        == 404
    )
    # the certificate check needs no token and shows only name, course, dates and status
    code = Certificate.objects.get().code
    check = Client().get(f"/api/v1/learning/certificates/{code}").json()
    assert check["status"] == "valid" and check["name"] == "Amna Learner" and "email" not in check
    assert Client().get("/api/v1/learning/certificates/HZ-NOPE0-NOPE0").status_code == 404
