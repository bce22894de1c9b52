"""Who sees which dashboard, exports, PDF reports and API answers; names never leak across
organisations or out of pseudonymous campaigns; the monthly report goes once."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from hifazat.audit.models import AuditEvent
from hifazat.learning.models import Enrolment
from hifazat.orgs.models import Person
from hifazat.orgs.roles import Role
from hifazat.reports import snapshots
from hifazat.reports.models import MonthlyMailing
from hifazat.reports.tasks import send_monthly_reports
from hifazat.reports.tests import dataset
from tests.factories import make_org, make_person, make_totp

pytestmark = pytest.mark.django_db
SENTINEL_B = "SENTINEL-B-7Q"


@pytest.fixture
def data(orgs, personas):
    built = dataset.build(orgs)
    make_org("MIND", "Ministry of Delta")  # nobody, nothing: "no data" (C holds the personas)
    # an overdue assignment in division B: the sentinel must never reach division A's people
    Enrolment.objects.create(
        person=personas.learner_b,
        course=built["basic"],
        version=built["basic"].current_version,
        source="assigned",
        due_date=timezone.localdate() - timedelta(days=3),
    )
    snapshots.refresh()
    return built


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_focal_person_sees_their_subtree_and_nothing_else(data, orgs, personas, client_as):
    c = client_as(personas.focal_a)
    assert c.get("/reports/").url == f"/reports/organisations/{orgs['div_a'].pk}/"
    page = c.get(f"/reports/organisations/{orgs['div_a'].pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Alpha Records Department" in text  # its sub-organisation compared
    assert SENTINEL_B not in text
    assert c.get(f"/reports/organisations/{orgs['dep_a'].pk}/").status_code == 200
    for url in (
        f"/reports/organisations/{orgs['min_a'].pk}/",  # above their scope
        f"/reports/organisations/{orgs['div_b'].pk}/",
        f"/reports/organisations/{orgs['div_b'].pk}/overdue_training.csv",
        f"/reports/organisations/{orgs['div_b'].pk}/coverage.xlsx",
        f"/reports/organisations/{orgs['div_b'].pk}/report.pdf",
        "/reports/national/",
        "/reports/national/organisations.csv",
        "/reports/national/report.pdf",
        "/reports/weights/",
        f"/reports/organisations/{orgs['div_a'].pk}/overdue_training.exe",
        f"/reports/organisations/{orgs['div_a'].pk}/nonsense.csv",
    ):
        assert c.get(url).status_code == 404, url
    csv = c.get(f"/reports/organisations/{orgs['div_a'].pk}/overdue_training.csv")
    assert csv.status_code == 200 and SENTINEL_B not in b"".join(csv.streaming_content).decode()
    # division B's focal person does see their own sentinel
    assert snapshots.read().figures(orgs["div_b"]).overdue_enrolments == 1
    theirs = client_as(personas.focal_b).get(
        f"/reports/organisations/{orgs['div_b'].pk}/overdue_training.csv"
    )
    assert SENTINEL_B in b"".join(theirs.streaming_content).decode()
    # a person without a role: no dashboard at all
    assert client_as(personas.learner_a).get("/reports/").status_code == 404


def test_the_api_follows_the_same_scope(data, orgs, personas, client):
    from hifazat.orgs.tokens import token_create

    _token, secret = token_create(actor=personas.focal_a, name="t", scope="read", days=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    ok = client.get(f"/api/v1/reports/organisations/{orgs['div_a'].pk}", **auth)
    assert ok.status_code == 200
    body = ok.json()
    assert body["measures"]["staff"] >= 8
    assert [o["code"] for o in body["organisations"]] == ["DEPA"]
    assert body["organisations"][0]["measures"]["basic_coverage"] == pytest.approx(
        3 / 7
    )  # + learner_a
    assert (
        client.get(f"/api/v1/reports/organisations/{orgs['div_b'].pk}", **auth).status_code == 404
    )
    assert client.get("/api/v1/reports/national", **auth).status_code == 404
    _token, pm = token_create(actor=personas.pm, name="t", scope="read", days=1)
    national = client.get("/api/v1/reports/national", HTTP_AUTHORIZATION=f"Bearer {pm}").json()
    assert {o["code"] for o in national["organisations"]} >= {"MINA", "DIVA", "MINB", "MIND"}
    mind = next(o for o in national["organisations"] if o["code"] == "MIND")
    assert mind["measures"]["readiness"] is None  # no data, not 0


def test_national_page_sorts_and_shows_no_data(data, orgs, personas, client_as):
    c = client_as(personas.pm)
    page = c.get("/reports/national/?sort=basic_coverage&dir=desc")
    text = page.content.decode()
    assert page.status_code == 200
    assert "no data" in text
    assert "Readiness = (25 × basic-course coverage" in text
    # sorted by basic coverage, highest first, no-data rows last
    order = [text.index(n) for n in ("Alpha Division", "Ministry of Bravo", "Ministry of Delta")]
    assert order == sorted(order)
    csv = b"".join(c.get("/reports/national/organisations.csv").streaming_content).decode()
    header, *rows = csv.lstrip("\ufeff").splitlines()
    assert header.startswith("Organisation,Staff,Basic coverage")
    alpha = next(r for r in rows if r.startswith("Alpha Division"))
    assert alpha.split(",")[1:3] == ["11", "36.4"]  # 8 + the personas: 4 of 11 certified
    delta = next(r for r in rows if r.startswith("Ministry of Delta"))
    assert delta.split(",")[1:3] == ["0", ""]  # no data is an empty cell, not 0
    assert AuditEvent.objects.filter(action="reports.exported").count() == 1
    xlsx = c.get("/reports/national/coverage.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_pseudonymous_campaigns_never_name_anyone(data, orgs, personas, client_as):
    """a1 failed P1 and the pseudonymous P2: counted, never named; d1 failed P1 and P3 (both
    named campaigns) and is listed."""
    c = client_as(personas.pm)
    page = c.get(f"/reports/organisations/{orgs['div_a'].pk}/").content.decode()
    assert "SENTINEL-REPEAT-D1" in page
    assert "Person A1" not in page
    assert "1 more people failed two or more campaigns" in page
    csv = b"".join(
        c.get(f"/reports/organisations/{orgs['div_a'].pk}/repeat_clickers.csv").streaming_content
    ).decode()
    assert "SENTINEL-REPEAT-D1" in csv and "Person A1" not in csv
    assert AuditEvent.objects.filter(action="reports.viewed").count() == 1


def test_pdf_reports_have_the_expected_headings(data, orgs, personas, client_as):
    c = client_as(personas.pm)
    national = c.get("/reports/national/report.pdf")
    assert national["Content-Type"] == "application/pdf"
    text = pdf_text(national.content)
    for heading in (
        "National cyber-security readiness",
        "Summary",
        "The readiness formula",
        "Ministries and divisions",
        "Training coverage by month",
        "Phishing campaigns of the last 12 months",
        "Advisory compliance by month",
        "What the figures mean",
    ):
        assert heading in text, heading
    org = pdf_text(c.get(f"/reports/organisations/{orgs['div_a'].pk}/report.pdf").content)
    for heading in ("Alpha Division", "Sub-organisations", "People overdue on assigned training"):
        assert heading in org, heading


def test_weights_are_changed_by_programme_managers_only(data, personas, client_as):
    c = client_as(personas.pm)
    form = {
        "basic_coverage": 40,
        "advanced_coverage": 10,
        "lab_completion": 10,
        "phishing_resistance": 10,
        "year_report_rate": 10,
        "ack_rate": 10,
        "implementation_rate": 10,
        "note": "Coverage first this year",
    }
    assert c.post("/reports/weights/", {**form, "basic_coverage": -1}).status_code == 200
    assert c.post("/reports/weights/", dict.fromkeys(form, 0)).status_code == 200
    assert snapshots.weights()["basic_coverage"] == 25  # nothing saved
    assert c.post("/reports/weights/", form).status_code == 302
    assert snapshots.weights()["basic_coverage"] == 40
    assert "40 × basic-course coverage" in c.get("/reports/national/").content.decode()
    assert AuditEvent.objects.filter(action="reports.weights_changed").count() == 1
    assert client_as(personas.auditor).get("/reports/weights/").status_code == 404
    assert client_as(personas.auditor).get("/reports/national/").status_code == 200


def test_monthly_report_goes_once_to_focal_persons_and_the_head(data, orgs, personas):
    make_person("Second Focal", orgs["div_a"], role=(Role.FOCAL_PERSON, orgs["div_a"]))
    gone = make_person("Gone Head", orgs["div_a"], role=(Role.HEAD, orgs["div_a"]))
    Person.objects.filter(pk=gone.pk).update(is_active=False)
    # no snapshot for last month (the platform was not running then): no report for it
    assert send_monthly_reports.call() == 0 and not MonthlyMailing.objects.exists()
    snapshots.backfill(1)
    assert send_monthly_reports.call() == 2  # division A and division B
    assert send_monthly_reports.call() == 0  # claimed: never twice
    by_org = {m.organisation_id: m for m in MonthlyMailing.objects.all()}
    assert by_org[orgs["div_a"].pk].recipients == 3 and by_org[orgs["div_a"].pk].sent_at
    message = next(m for m in mail.outbox if personas.focal_a.email in m.to)
    assert sorted(message.to) == sorted(
        [
            personas.focal_a.email,
            personas.head_a.email,
            Person.objects.get(full_name="Second Focal").email,
        ]
    )
    assert "Alpha Division" in message.subject
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    assert "Cyber-security readiness: Alpha Division" in pdf_text(content)
    assert SENTINEL_B not in pdf_text(content)


def test_auditor_and_issuers_see_the_nation_in_aggregate(data, orgs, personas, client_as):
    author = make_person("Ali Author", orgs["min_b"], role=(Role.ADVISORY_AUTHOR, orgs["min_b"]))
    make_totp(author)
    c = client_as(author)
    national = c.get("/reports/national/")
    assert national.status_code == 200
    # no link to an organisation's dashboard (those name people), and none opens
    assert f"/reports/organisations/{orgs['div_a'].pk}/" not in national.content.decode()
    assert c.get(f"/reports/organisations/{orgs['div_a'].pk}/").status_code == 404
