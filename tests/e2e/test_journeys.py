"""What a person sees, in a real browser against the real server."""

import json
from pathlib import Path

import pytest

from hifazat.orgs.roles import Role
from tests.e2e.conftest import fresh_totp, sign_in
from tests.factories import make_org, make_person, make_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "quiet-river-lantern-47"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def people():
    ministry = make_org(
        "MOITT", "Ministry of IT & Telecom", "ministry", domains=["moitt.gov.example"]
    )
    division = make_org(
        "ITTD", "IT & Telecom Division", "division", parent=ministry, domains=["moitt.gov.example"]
    )
    learner = make_person(
        "Sana Qureshi", division, email="sana@moitt.gov.example", password=PASSWORD
    )
    focal = make_person(
        "Farah Siddiqui",
        division,
        email="farah@moitt.gov.example",
        password=PASSWORD,
        role=(Role.FOCAL_PERSON, division),
    )
    secret = make_totp(focal)
    for i in range(60):
        make_person(f"Staff Member {i:02d}", division, designation="Assistant", grade=11 + i % 6)
    return {"learner": learner, "focal": focal, "secret": secret, "division": division}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_learner_signs_in_and_sees_their_record(page, people):
    sign_in(page, "sana@moitt.gov.example", PASSWORD)
    assert page.locator("h1").inner_text().startswith("Welcome, Sana Qureshi")
    assert "IT & Telecom Division" in page.inner_text("body")
    shot(page, "home-learner")


def test_wrong_password_is_refused_with_a_clear_message(page, people):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "sana@moitt.gov.example")
    page.fill("input[name=password]", "not-the-password-1")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger").is_visible()
    assert "/accounts/login/" in page.url


def test_focal_person_passes_the_second_factor_and_reaches_people(page, people):
    sign_in(page, "farah@moitt.gov.example", PASSWORD, code=lambda: fresh_totp(people["secret"]))
    page.goto("/people/")
    assert page.locator("h1").inner_text() == "People"
    assert page.locator("table tbody tr").count() == 50  # first page of 62
    shot(page, "people-list")


def test_switching_to_urdu_gives_a_right_to_left_page(page, people):
    sign_in(page, "sana@moitt.gov.example", PASSWORD)
    page.click("button[name=language][value=ur]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ur"
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Naskh Arabic" in font
    page.wait_for_function("document.fonts.check('16px \"Noto Naskh Arabic\"', 'ادارے')")
    shot(page, "home-urdu")


def run_axe(page):
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})"
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_pages_have_no_serious_accessibility_violations(browser, app_server, people, lang):
    # axe is injected as a script, so this context bypasses the page's CSP (the pages keep theirs).
    context = browser.new_context(base_url=app_server.url, bypass_csp=True)
    page = context.new_page()
    page.goto("/accounts/login/")
    assert run_axe(page) == [], "login"
    sign_in(page, "farah@moitt.gov.example", PASSWORD, code=lambda: fresh_totp(people["secret"]))
    if lang == "ur":
        page.click("button[name=language][value=ur]")
        page.wait_for_load_state()
    urls = [
        "/",
        "/organisations/",
        f"/organisations/{people['division'].code}/",
        "/people/",
        f"/people/{people['learner'].pk}/",
        "/accounts/sessions/",
        "/accounts/2fa/",
        "/learning/",
        "/events/",
        "/advisories/",
        "/advisories/keys/",
    ]
    for url in urls:
        page.goto(url)
        violations = run_axe(page)
        assert violations == [], (
            url,
            json.dumps(
                [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations],
                indent=1,
            ),
        )
    context.close()


def transferred_bytes(page):
    return page.evaluate(
        """() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const res = performance.getEntriesByType('resource');
            return nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0);
        }"""
    )


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_people_pages_stay_light_on_first_load(browser, app_server, people, lang):
    context = browser.new_context(base_url=app_server.url)
    page = context.new_page()
    sign_in(page, "farah@moitt.gov.example", PASSWORD, code=lambda: fresh_totp(people["secret"]))
    if lang == "ur":
        page.click("button[name=language][value=ur]")
        page.wait_for_load_state()
    for url in ("/people/", f"/people/{people['learner'].pk}/"):
        # a fresh context per page: an empty cache, as on first load
        first = browser.new_context(base_url=app_server.url, storage_state=context.storage_state())
        p = first.new_page()
        p.goto(url)
        p.wait_for_load_state("networkidle")
        p.evaluate("document.fonts.ready")
        size = transferred_bytes(p)
        assert 0 < size < 300_000, (url, lang, size)
        first.close()
    context.close()
