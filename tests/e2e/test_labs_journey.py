"""An IT administrator works the SSH brute-force lab in the browser: opens it, downloads the
evidence, answers a question wrongly and then rightly, takes a hint, and sees the scoreboard."""

import io
import zipfile
from pathlib import Path

import pytest

from hifazat.labs import registry
from hifazat.labs.models import LabAttempt
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_journeys import shot
from tests.factories import make_org, make_person, make_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin(transactional_db):
    registry.load_all()
    ministry = make_org("MOIT", "Ministry of IT", "ministry", domains=["it.gov.example"])
    person = make_person(
        "Sana Sysadmin", ministry, email="sana@it.gov.example", password=PASSWORD,
        track="it_admin",
    )  # fmt: skip
    return person, make_totp(person)


def test_ssh_lab_wrong_then_right_hint_and_scoreboard(admin, signed_in):
    person, secret = admin
    page = signed_in(person, secret)
    page.goto("/labs/")
    page.get_by_role("link", name="SSH brute-force", exact=False).first.click()
    page.get_by_role("heading", name="Question 1", exact=False).wait_for()
    attempt = LabAttempt.objects.get(person=person)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    log = archive.read("ssh-bruteforce/auth.log").decode()
    answer = attempt.answers["attacker-ip"]
    assert answer in log
    # the evidence can be read in the page as well, filtered
    page.get_by_role("link", name="auth.log").click()
    page.fill("#find", "Accepted password")
    page.get_by_role("button", name="Filter").click()
    page.locator("pre.evidence", has_text="Accepted password").wait_for()
    page.go_back()
    page.go_back()
    wrong = "192.0.2.254" if answer != "192.0.2.254" else "198.51.100.254"
    page.fill("#answer", wrong)
    page.get_by_role("button", name="Check my answer").click()
    page.locator(".alert-danger", has_text="Not right").wait_for()
    assert answer not in page.content()
    page.fill("#answer", answer)
    page.get_by_role("button", name="Check my answer").click()
    page.locator(".alert-success", has_text="Correct").wait_for()
    page.locator("#lab-score", has_text="Your score: 10").wait_for()
    shot(page, "lab-solved")
    # the next question: take its hint, which costs points
    page.get_by_role("link", name="Question 2", exact=True).click()
    page.get_by_role("button", name="Show a hint", exact=False).first.click()
    page.locator(".alert-warning").first.wait_for()
    attempt.refresh_from_db()
    assert 0 < attempt.points < 10
    page.get_by_role("link", name="Scoreboard").first.click()
    row = page.locator("#scoreboard tbody tr", has_text="Sana Sysadmin")
    row.wait_for()
    assert row.locator("td").last.inner_text().strip() == str(attempt.points)
    shot(page, "lab-scoreboard")
