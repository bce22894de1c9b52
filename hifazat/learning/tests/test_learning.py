"""Learning: enrolment rules, reading, assignment by scope, reminders, certificates, gain."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hifazat.assessments.models import Attempt, Question
from hifazat.assessments.services import attempt_start, attempt_submit
from hifazat.audit.models import AuditEvent
from hifazat.learning.models import Certificate, Course, Enrolment, Reminder
from hifazat.learning.selectors import learning_gain
from hifazat.learning.services import enrolment_self
from hifazat.learning.tasks import send_due_reminders

pytestmark = [pytest.mark.django_db]
SENTINEL = "SENTINEL-B-7Q"


@pytest.fixture
def basic(db):
    call_command("curriculum", "load", verbosity=0)
    return Course.objects.get(slug="basic")


@pytest.fixture
def advanced(basic):
    return Course.objects.get(slug="advanced")  # loaded with the basic course


def pass_course(person, course):
    enrolment = Enrolment.objects.filter(
        person=person, course=course, status="active"
    ).first() or enrolment_self(actor=person, course=course)
    attempt = attempt_start(actor=person, enrolment=enrolment, kind="final")
    answers = {
        q.qid: list(q.answer)
        for q in Question.objects.filter(
            qid__in=attempt.qids, language="en", version=enrolment.version
        )
    }
    return attempt_submit(actor=person, attempt=attempt, seq=1, answers=answers)


@pytest.mark.smoke
def test_learner_enrols_reads_and_resumes(basic, personas, client_as):
    c = client_as(personas.learner_a)
    page = c.get(reverse("learning:home")).content.decode()
    assert "Cyber Hygiene for Government Employees" in page
    c.post(reverse("learning:enrol", args=["basic"]))
    enrolment = Enrolment.objects.get(person=personas.learner_a, course=basic)
    course_page = c.get(reverse("learning:course", args=["basic"])).content.decode()
    first_lesson = re.search(
        r'href="(/learning/courses/basic/phishing/[^"]+/)"', course_page
    ).group(1)
    lesson = c.get(first_lesson)
    assert lesson.status_code == 200 and "<h2>" in lesson.content.decode()
    response = c.post(first_lesson)
    assert (
        response.status_code == 302 and "/learning/courses/basic/phishing/" in response["Location"]
    )
    c.get(response["Location"])
    enrolment.refresh_from_db()
    assert enrolment.last_lesson.slug in response["Location"]
    assert "Resume" in c.get(reverse("learning:home")).content.decode()


def test_advanced_needs_the_it_track_and_a_valid_basic_certificate(
    basic, advanced, personas, client_as
):
    personas.learner_a.track = "it_admin"
    personas.learner_a.save()
    c = client_as(personas.learner_a)
    c.post(reverse("learning:enrol", args=["advanced"]))
    assert not Enrolment.objects.filter(course=advanced).exists()
    pass_course(personas.learner_a, basic)
    c.post(reverse("learning:enrol", args=["advanced"]))
    assert Enrolment.objects.filter(course=advanced, person=personas.learner_a).exists()
    # general staff never
    c2 = client_as(personas.outsider)
    pass_course(personas.outsider, basic)
    c2.post(reverse("learning:enrol", args=["advanced"]))
    assert not Enrolment.objects.filter(course=advanced, person=personas.outsider).exists()


def test_focal_person_assigns_to_their_subtree_only(basic, personas, client_as):
    due = timezone.localdate() + timedelta(days=10)
    c = client_as(personas.focal_a)
    page = c.post(
        reverse("learning:assign"),
        {"course": "basic", "organisation": "DIVA", "due_date": due.isoformat()},
    )
    assert page.status_code == 200
    enrolled = set(
        Enrolment.objects.filter(course=basic).values_list("person__full_name", flat=True)
    )
    assert {"Amna Learner", "Hamid Head", "Faisal Focal"} <= enrolled
    assert not any(SENTINEL in n for n in enrolled)
    # naming someone outside the subtree does nothing
    c.post(
        reverse("learning:assign"),
        {"course": "basic", "people": "sentinel7q@bravo.gov.example", "due_date": due.isoformat()},
    )
    assert not Enrolment.objects.filter(person=personas.learner_b).exists()
    assert AuditEvent.objects.filter(action="course.assigned", actor=personas.focal_a).exists()
    assert client_as(personas.learner_a).get(reverse("learning:assign")).status_code == 404


def test_reminders_go_once_before_due_and_once_when_overdue(basic, personas):
    enrolment = enrolment_self(actor=personas.learner_a, course=basic)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        due_date=timezone.localdate() + timedelta(days=2)
    )
    assert send_due_reminders.call() == 1
    assert send_due_reminders.call() == 0  # a restart or a second worker sends nothing more
    Enrolment.objects.filter(pk=enrolment.pk).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    assert send_due_reminders.call() == 1
    assert send_due_reminders.call() == 0
    assert [m.to for m in mail.outbox] == [["amna@alpha.gov.example"]] * 2
    assert "Overdue" in mail.outbox[1].subject
    assert Reminder.objects.filter(enrolment=enrolment).count() == 2


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_certificate_pdf_verification_and_revocation(basic, personas, client_as, settings):
    settings.SITE_URL = "https://hifazat.gov.example"
    pass_course(personas.learner_a, basic)
    certificate = Certificate.objects.get(person=personas.learner_a)
    c = client_as(personas.learner_a)
    pdf = c.get(reverse("learning:certificate_pdf", args=[certificate.code]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    text = pdf_text(pdf.content)
    for expected in ("Amna Learner", "Cyber Hygiene for Government Employees", certificate.code):
        assert expected in text.replace("\n", " "), expected
    assert f"https://hifazat.gov.example/verify/{certificate.code}/" in text.replace(
        "\n", ""
    )  # wraps in the box
    assert (
        client_as(personas.focal_a)
        .get(reverse("learning:certificate_pdf", args=[certificate.code]))
        .status_code
        == 404
    )
    from django.test import Client

    public = Client()
    page = public.get(reverse("learning:verify", args=[certificate.code])).content.decode()
    assert "Valid" in page and "Amna Learner" in page and "amna@" not in page
    assert public.get(reverse("learning:verify", args=["HZ-NOPE-NOPE"])).status_code == 404
    # revocation by a programme manager, with a reason, audited
    assert (
        client_as(personas.focal_a)
        .post(reverse("learning:certificate_manage", args=[certificate.code]), {"reason": "x"})
        .status_code
        == 404
    )
    client_as(personas.pm).post(
        reverse("learning:certificate_manage", args=[certificate.code]),
        {"reason": "Issued in error"},
    )
    assert (
        "Revoked"
        in public.get(reverse("learning:verify", args=[certificate.code])).content.decode()
    )
    assert AuditEvent.objects.filter(action="certificate.revoked", actor=personas.pm).exists()


def test_verification_is_rate_limited(basic):
    from django.test import Client

    c = Client(REMOTE_ADDR="203.0.113.9")
    codes = [
        c.get(reverse("learning:verify", args=["HZ-AAAAA-AAAAA"])).status_code for _ in range(32)
    ]
    assert codes[:30] == [404] * 30 and codes[-1] == 429


def test_learning_gain_raw_and_normalised_with_n(basic, personas, client_as):
    for person in (personas.learner_a, personas.head_a):
        enrolment = enrolment_self(actor=person, course=basic)
        pre = attempt_start(actor=person, enrolment=enrolment, kind="pre")
        qs = {
            q.qid: q
            for q in Question.objects.filter(
                qid__in=pre.qids, language="en", version=enrolment.version
            )
        }
        half = {qid: list(qs[qid].answer) for qid in pre.qids[::2]}  # 2 of 4 right: 50%
        attempt_submit(actor=person, attempt=pre, seq=1, answers=half)
        pass_course(person, basic)
    gain = learning_gain(personas.focal_a, basic)
    assert (
        gain.n == 2
        and gain.pre == 50
        and gain.final == 100
        and gain.raw == 50
        and gain.normalised == 1.0
    )
    assert learning_gain(personas.focal_b, basic).n == 0  # not their subtree
    page = client_as(personas.focal_a).get(reverse("learning:progress")).content.decode()
    assert "normalised gain g = 1.00 (n = 2)" in page
    assert client_as(personas.learner_a).get(reverse("learning:progress")).status_code == 404
    assert Attempt.objects.filter(kind="pre").count() == 2


def test_certificate_pdf_embeds_the_vendored_font_for_urdu_names(basic, personas):
    from pypdf import PdfReader

    from hifazat.learning.certificates import certificate_pdf

    personas.learner_a.full_name = "عائشہ صدیقی"
    personas.learner_a.save()
    pass_course(personas.learner_a, basic)
    certificate = Certificate.objects.get(person=personas.learner_a)
    assert certificate.full_name == "عائشہ صدیقی"
    reader = PdfReader(io.BytesIO(certificate_pdf(certificate)))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Noto-Naskh-Arabic" in f for f in fonts), fonts  # the vendored font, subset
