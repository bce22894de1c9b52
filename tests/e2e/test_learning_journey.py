"""A learner enrols, reads, takes the final test (surviving a reload), passes, downloads the
certificate, and its public check says valid — then revoked."""

import io

import pytest
from django.core.management import call_command

from hifazat.assessments.models import Attempt, Question
from hifazat.learning.models import Certificate
from hifazat.learning.services import certificate_revoke
from hifazat.orgs.roles import Role
from tests.e2e.conftest import sign_in
from tests.e2e.test_journeys import shot
from tests.factories import make_org, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "quiet-river-lantern-47"


def answer(page, q: Question):
    if q.type == "ordering":
        for position, key in enumerate(q.answer, start=1):
            page.select_option(f"select[name='q-{q.qid}-{key}']", str(position))
        return
    for key in q.answer:
        box = page.locator(f"#q-{q.qid}-{key}")
        box.focus()
        page.keyboard.press("Space")  # the keyboard alone


def test_learner_passes_the_basic_course_and_gets_a_verifiable_certificate(
    page, app_server, tmp_path
):
    call_command("curriculum", "load", verbosity=0)
    org = make_org("MOITT", "Ministry of IT & Telecom", "ministry", domains=["moitt.gov.example"])
    make_person("Sana Qureshi", org, email="sana@moitt.gov.example", password=PASSWORD)
    pm = make_person("Programme Manager", org, role=(Role.PROGRAMME_MANAGER, None))

    sign_in(page, "sana@moitt.gov.example", PASSWORD)
    page.goto("/learning/")
    page.click("button:has-text('Enrol')")
    page.wait_for_url("**/learning/courses/basic/")
    page.click("text=Continue reading")
    assert page.locator("article.lesson h2").count() >= 2
    # a lesson stays light for a slow connection (HTML, CSS, JS; fonts only in Urdu)
    transferred = page.evaluate(
        "() => performance.getEntriesByType('navigation')[0].transferSize"
        " + performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, 0)"
    )
    assert 0 < transferred < 300_000, transferred
    shot(page, "lesson")
    page.click("button:has-text('Done')")
    page.goto("/learning/courses/basic/")
    page.click("button:has-text('Take the final test')")
    page.wait_for_url("**/learning/attempts/*/")
    attempt = Attempt.objects.get(kind="final")
    questions = {
        q.qid: q
        for q in Question.objects.filter(
            qid__in=attempt.qids, language="en", version=attempt.enrolment.version
        )
    }
    first, rest = attempt.qids[:2], attempt.qids[2:]
    for qid in first:
        answer(page, questions[qid])
    page.locator("#save-status", has_text="Saved").wait_for()
    page.reload()  # the answers survive a reload
    for qid in first:
        q = questions[qid]
        if q.type != "ordering":
            assert page.locator(f"#q-{qid}-{q.answer[0]}").is_checked()
    for qid in rest:
        answer(page, questions[qid])
    shot(page, "quiz")
    page.click("button[name=submit]")
    page.wait_for_url("**/result/")
    assert "You passed" in page.inner_text("main")
    shot(page, "quiz-result")

    page.goto("/learning/courses/basic/")
    with page.expect_download() as download:
        page.click("text=Download your certificate (PDF)")
    pdf = download.value.path().read_bytes()
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    certificate = Certificate.objects.get()
    assert "Sana Qureshi" in text and certificate.code in text

    public = page.context.browser.new_context(base_url=app_server.url).new_page()
    public.goto(f"/verify/{certificate.code}/")
    assert "Valid" in public.inner_text("main")
    shot(public, "verify-valid")
    certificate_revoke(actor=pm, certificate=certificate, reason="Test of revocation")
    public.reload()
    assert "Revoked" in public.inner_text("main")


def test_a_learner_switches_a_lesson_to_urdu_and_keeps_their_progress(page):
    call_command("curriculum", "load", verbosity=0)
    org = make_org("MOITT", "Ministry of IT & Telecom", "ministry", domains=["moitt.gov.example"])
    make_person("Nadia Baig", org, email="nadia@moitt.gov.example", password=PASSWORD)
    sign_in(page, "nadia@moitt.gov.example", PASSWORD)
    page.goto("/learning/")
    page.click("button:has-text('Enrol')")
    page.wait_for_url("**/learning/courses/basic/")
    page.click("text=Continue reading")
    first_lesson = page.url
    page.click("button:has-text('Done')")  # lesson 1 read in English
    page.wait_for_url(lambda url: url != first_lesson)

    page.goto(first_lesson)
    page.click(".lesson-language button[value=ur]")  # "اردو میں پڑھیں" on the lesson itself
    page.wait_for_url(first_lesson)
    article = page.locator("article.lesson")
    assert article.get_attribute("lang") == "ur"
    assert article.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert "Noto Naskh Arabic" in article.evaluate("el => getComputedStyle(el).fontFamily")
    heading = page.locator("article.lesson h2").first
    heading.wait_for()
    # the vendored face is really loaded and used, not a fallback
    assert page.evaluate(
        "async () => { await document.fonts.ready;"
        " return document.fonts.check('16px \"Noto Naskh Arabic\"', 'سائبر'); }"
    )
    assert page.evaluate(
        "() => [...document.fonts].some(f => f.family.includes('Noto Naskh Arabic')"
        " && f.status === 'loaded')"
    )
    shot(page, "lesson-urdu")

    # progress made in English shows in Urdu: the course page marks lesson 1 read
    page.goto("/learning/courses/basic/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    first_item = page.locator("section.card ol li").first
    assert first_item.locator(".badge").count() == 1
    # and the switch back offers English
    page.goto(first_lesson)
    page.click(".lesson-language button[value=en]")
    page.wait_for_url(first_lesson)
    assert page.locator("article.lesson").get_attribute("lang") == "en"
