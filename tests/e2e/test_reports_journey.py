"""The readiness dashboards in a real browser: the national one for a programme manager and a
division's for its focal person render their charts, pass axe-core in English and Urdu, and the
PDF report downloads with its headings."""

import io
import json
from pathlib import Path

import pytest

from hifazat.orgs.roles import Role
from hifazat.reports import snapshots
from hifazat.reports.tests import dataset
from tests.e2e.conftest import PASSWORD, fresh_totp, sign_in
from tests.e2e.test_journeys import run_axe, shot
from tests.factories import make_org, make_person, make_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    min_a = make_org("MINA", "Ministry of Alpha", "ministry", domains=["alpha.gov.example"])
    div_a = make_org("DIVA", "Alpha Division", "division", parent=min_a)
    dep_a = make_org("DEPA", "Alpha Records Department", "attached_department", parent=div_a)
    min_b = make_org("MINB", "Ministry of Bravo", "ministry")
    div_b = make_org("DIVB", "Bravo Division", "division", parent=min_b)
    min_c = make_org("MINC", "Ministry of Charlie", "ministry")
    orgs = {"min_a": min_a, "div_a": div_a, "dep_a": dep_a, "min_b": min_b, "div_b": div_b}
    orgs["min_c"] = min_c
    dataset.build(orgs)
    # a month-end history, so the trend charts have more than one point
    snapshots.backfill(2)
    snapshots.refresh()
    pm = make_person(
        "Parveen Manager", min_c, email="pm@charlie.gov.example", password=PASSWORD,
        role=(Role.PROGRAMME_MANAGER, None),
    )  # fmt: skip
    focal = make_person(
        "Faisal Focal", div_a, email="focal@alpha.gov.example", password=PASSWORD,
        role=(Role.FOCAL_PERSON, div_a),
    )  # fmt: skip
    return {"pm": (pm, make_totp(pm)), "focal": (focal, make_totp(focal)), "div_a": div_a}


def _page(browser, app_server, person, secret, lang="en"):
    # axe is injected as a script, so this context bypasses the page's CSP (the pages keep theirs)
    context = browser.new_context(base_url=app_server.url, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, person.email, PASSWORD, code=lambda: fresh_totp(secret))
    if lang == "ur":
        page.click("button[name=language][value=ur]")
        page.wait_for_load_state()
    return context, page


def _no_violations(page, where):
    violations = run_axe(page)
    assert violations == [], (
        where,
        json.dumps(
            [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        ),
    )


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_dashboards_render_charts_pass_axe_and_export_a_pdf(browser, app_server, world, lang):
    from pypdf import PdfReader

    pm, secret = world["pm"]
    context, page = _page(browser, app_server, pm, secret, lang)
    page.goto("/reports/")
    page.wait_for_url("**/reports/national/")
    page.locator("#readiness-formula").wait_for()
    # three trend charts, each drawn from the table beside it
    page.wait_for_function("document.querySelectorAll('.chart-slot canvas').length >= 3")
    if lang == "ur":
        assert page.locator("html").get_attribute("dir") == "rtl"
    else:
        assert "Readiness = (25 ×" in page.locator("#readiness-formula").inner_text()
        assert page.locator("#snapshot-age").inner_text().startswith("Figures as of")
    _no_violations(page, "national")
    shot(page, f"reports-national-{lang}")
    # drill down into a division, sort its sub-organisations
    page.goto(f"/reports/organisations/{world['div_a'].pk}/?sort=staff&dir=desc")
    page.wait_for_function("document.querySelectorAll('.chart-slot canvas').length >= 3")
    assert page.locator("#table-repeat_clickers tbody tr").count() == 1
    _no_violations(page, "organisation")
    if lang == "en":
        with page.expect_download() as download:
            page.get_by_role("link", name="PDF report").click()
        data = Path(download.value.path()).read_bytes()
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
        for heading in (
            "Cyber-security readiness: Alpha Division",
            "Summary",
            "The readiness formula",
            "Training coverage by month",
            "Advisory compliance by month",
            "People overdue on assigned training",
        ):
            assert heading in text, heading
    context.close()


def test_focal_person_sees_their_division_only(browser, app_server, world):
    focal, secret = world["focal"]
    context, page = _page(browser, app_server, focal, secret)
    page.goto("/reports/")
    page.wait_for_url(f"**/reports/organisations/{world['div_a'].pk}/")
    page.wait_for_function("document.querySelectorAll('.chart-slot canvas').length >= 3")
    assert page.locator("#table-suborganisations tbody tr").count() == 1
    _no_violations(page, "focal")
    shot(page, "reports-focal")
    response = page.goto("/reports/national/")
    assert response.status == 404
    context.close()
