"""A focal person uploads an HR list with one bad row, reads the report, fixes it, imports."""

import pytest

from hifazat.orgs.models import Person
from hifazat.orgs.roles import Role
from tests.e2e.conftest import fresh_totp, sign_in
from tests.e2e.test_journeys import shot
from tests.factories import make_org, make_person, make_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "quiet-river-lantern-47"
HEADER = "employee_number,full_name,email,designation,bps_grade,organisation,track"


def test_focal_person_fixes_a_bad_row_and_imports(page, tmp_path):
    ministry = make_org(
        "MOITT", "Ministry of IT & Telecom", "ministry", domains=["moitt.gov.example"]
    )
    division = make_org(
        "ITTD", "IT & Telecom Division", "division", parent=ministry, domains=["moitt.gov.example"]
    )
    focal = make_person(
        "Farah Siddiqui",
        division,
        email="farah@moitt.gov.example",
        password=PASSWORD,
        role=(Role.FOCAL_PERSON, division),
    )
    secret = make_totp(focal)
    rows = [
        f"HR-{n:03d},Officer {n},officer{n}@moitt.gov.example,Assistant,{10 + n % 8},ITTD,general"
        for n in range(1, 9)
    ]
    rows[3] = "HR-004,Officer 4,officer4@moitt.gov.example,Assistant,25,ITTD,general"  # BPS 25
    bad = tmp_path / "ittd-staff.csv"
    bad.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")

    sign_in(page, "farah@moitt.gov.example", PASSWORD, code=lambda: fresh_totp(secret))
    page.goto("/people/")
    page.click("text=Import HR list")
    page.set_input_files("input[name=file]", str(bad))
    page.click("button:has-text('Check the file')")
    page.wait_for_url("**/people/import/*/")
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 1
    cells = errors.first.locator("td").all_inner_texts()
    assert cells[:3] == ["5", "bps_grade", "25"] and "1 to 22" in cells[3]
    assert page.locator("button:has-text('Import now')").count() == 0
    shot(page, "import-report-error")
    assert Person.objects.filter(employee_number__startswith="HR-").count() == 0

    rows[3] = "HR-004,Officer 4,officer4@moitt.gov.example,Assistant,15,ITTD,general"
    fixed = tmp_path / "ittd-staff-fixed.csv"
    fixed.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    page.click("text=Upload another file")
    page.set_input_files("input[name=file]", str(fixed))
    page.click("button:has-text('Check the file')")
    page.wait_for_url("**/people/import/*/")
    assert "Every row is valid" in page.inner_text("main")
    page.click("button:has-text('Import now')")
    page.wait_for_load_state()
    assert "Imported: 8 created" in page.inner_text("main")
    shot(page, "import-report-done")
    assert (
        Person.objects.filter(employee_number__startswith="HR-", organisation=division).count()
        == 8
    )
