"""A TLP:AMBER threat advisory from the author's form to the issuer's verification, in the
browser, with a real worker delivering the e-mail to a real SMTP peer (aiosmtpd on loopback).

The author writes the advisory for one chosen organisation and sends it for review; the reviewer
approves; the publisher publishes (three different people, as AMBER requires). The worker mails
the recipient organisation's focal person a link and nothing more (no measure, no indicator);
the focal person of another organisation gets nothing. The focal person follows the link, sees
the indicators defanged, acknowledges, answers both measures (with a PNG as evidence for the one
that asks for it) and reports "Implemented"; the reviewer verifies the report. The other
organisation's focal person gets 404 everywhere.
"""

import hashlib
import re
import struct
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from hifazat.advisories.models import (
    Advisory,
    Delivery,
    Evidence,
    MeasureResponse,
    Recipient,
)
from hifazat.orgs.roles import Role
from tests.e2e.conftest import PASSWORD, subject
from tests.e2e.test_journeys import shot
from tests.factories import make_org, make_person, make_totp
from tests.live import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = "Cyber Security Advisory – Fake e-Office Password Expiry Pages"
SUMMARY = "Attackers send e-mails that imitate e-Office password-expiry notices."
BACKGROUND = "The pages collect **passwords** and one-time codes."
MEASURE_1 = "Block the listed indicators at the gateway firewall."
MEASURE_2 = "Tell staff about the lure and how to report it."
INDICATORS = ["ipv4 192.0.2.10 C2 server", "domain bad-portal.example landing page"]
RECIPIENT_ORG = "Interior Division (INTD)"
NOTE_1 = "Blocked at the Islamabad gateway on both firewalls."
EVIDENCE_NAME = "firewall-rule.png"
MAIL_TIMEOUT = 60
LOCAL = "%Y-%m-%dT%H:%M"  # what a datetime-local input takes


# --- data ------------------------------------------------------------------------------------


@pytest.fixture
def setting(transactional_db):
    moitt = make_org(
        "MOITT", "Ministry of IT & Telecom", "ministry", domains=["moitt.gov.example"]
    )
    ntisb = make_org(
        "NTISB",
        "National Telecom & IT Security Board",
        "attached_department",
        parent=moitt,
        domains=["ntisb.gov.example"],
    )
    interior = make_org(
        "MOI", "Ministry of Interior", "ministry", domains=["interior.gov.example"]
    )
    division = make_org(
        "INTD", "Interior Division", "division", parent=interior, domains=["interior.gov.example"]
    )
    foreign = make_org(
        "MOFA", "Ministry of Foreign Affairs", "ministry", domains=["mofa.gov.example"]
    )
    s = {"issuer": ntisb, "division": division, "foreign": foreign}
    for key, name, org, role in (
        ("author", "Adnan Akhtar", ntisb, Role.ADVISORY_AUTHOR),
        ("reviewer", "Rabia Karim", ntisb, Role.ADVISORY_REVIEWER),
        ("publisher", "Shahid Mehmood", ntisb, Role.ADVISORY_PUBLISHER),
        ("focal", "Farah Siddiqui", division, Role.FOCAL_PERSON),
        ("other", "Bilal Chaudhry", foreign, Role.FOCAL_PERSON),
    ):
        person = make_person(
            name, org, email=email_of(name, org), password=PASSWORD, role=(role, org)
        )
        s[key] = person
        s[f"{key}_secret"] = make_totp(person)
    # deadlines as the author types them: wall-clock times in the site's zone, far enough ahead
    # that no "due soon" reminder is earned while the test runs
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate()
    s["ack_due"] = datetime.combine(today + timedelta(days=3), hm("10:00"), tzinfo=zone)
    s["act_due"] = datetime.combine(today + timedelta(days=10), hm("17:30"), tzinfo=zone)
    return s


def email_of(name, org):
    # made from the name, never a demo account's address (refused outside demo mode)
    return name.lower().replace(" ", ".") + "@" + org.email_domains[0]


def hm(text):
    return datetime.strptime(text, "%H:%M").time()


def tiny_png() -> bytes:
    """A valid 2×2 PNG."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)  # 2×2, 8-bit RGB
    rows = b"".join(b"\x00" + b"\x1f\x6f\xb4" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- browser helpers -------------------------------------------------------------------------


def post(page, button, expect="Saved."):
    """Click a button that posts and redirects; the page must then say ``expect``, no error."""
    with page.expect_navigation():
        button.click()
    errors = page.locator(".alert-danger")
    assert errors.count() == 0, errors.all_inner_texts()
    page.locator(".alert-success", has_text=expect).wait_for()


def workflow_buttons(page):
    section = page.locator("section[aria-labelledby=wf-h]")
    return section.get_by_role("button").all_inner_texts()


def main_text(page):
    return page.inner_text("main")


# --- the journey -----------------------------------------------------------------------------


def test_amber_advisory_from_draft_to_verified_report(
    app_server, setting, signed_in, smtp, worker
):
    s = setting
    inbox = smtp.inbox
    started = time.monotonic()

    # 1. The author writes the advisory.
    author = signed_in(s["author"], s["author_secret"])
    author.goto("/advisories/")
    author.get_by_role("link", name="New advisory").click()
    author.wait_for_url("**/advisories/new/")
    assert author.get_by_label("Issuer").input_value() == str(s["issuer"].pk)
    assert author.get_by_text("What changed").count() == 0  # nothing has, in a new advisory
    author.get_by_label("Title", exact=True).fill(TITLE)
    author.get_by_label("Kind", exact=True).select_option(label="Threat")
    author.get_by_label("Severity", exact=True).select_option(label="High")
    author.get_by_label("TLP", exact=True).select_option(label="TLP:AMBER")
    author.get_by_label("Summary", exact=True).fill(SUMMARY)
    author.get_by_label("Background", exact=True).fill(BACKGROUND)
    author.get_by_label("Audience", exact=True).select_option(label="Chosen organisations")
    author.get_by_label("Organisations", exact=True).select_option(label=RECIPIENT_ORG)
    author.get_by_label("Acknowledge by", exact=True).fill(s["ack_due"].strftime(LOCAL))
    author.get_by_label("Act by", exact=True).fill(s["act_due"].strftime(LOCAL))
    author.get_by_label("Recommended measures", exact=True).fill(
        f"{MEASURE_1} [evidence]\n{MEASURE_2}\n"
    )
    author.get_by_label("Indicators", exact=True).fill("\n".join(INDICATORS) + "\n")
    shot(author, "advisory-form")
    post(author, author.get_by_role("button", name="Save draft"))
    advisory = Advisory.objects.get(title=TITLE)
    author.wait_for_url(f"**/advisories/{advisory.pk}/")
    assert (advisory.tlp, advisory.kind, advisory.severity, advisory.audience) == (
        "AMBER",
        "threat",
        "high",
        "organisations",
    )
    assert list(advisory.organisations.all()) == [s["division"]]
    assert (advisory.ack_due, advisory.act_due) == (s["ack_due"], s["act_due"])
    assert [(m.text, m.mandatory, m.evidence_required) for m in advisory.measures.all()] == [
        (MEASURE_1, True, True),
        (MEASURE_2, True, False),
    ]
    assert sorted((i.type, i.value, i.description) for i in advisory.indicators.all()) == [
        ("domain", "bad-portal.example", "landing page"),
        ("ipv4", "192.0.2.10", "C2 server"),
    ]
    assert advisory.tracking_id == f"NTISB-ADV-{timezone.localdate().year}-001"
    assert "2 measures · 2 indicators" in main_text(author)

    # ... and sends it for review. They can neither approve nor publish their own advisory.
    post(author, author.get_by_role("button", name="Send for review"), "Done.")
    assert "In review" in main_text(author)
    assert workflow_buttons(author) == []  # no Approve, Return or Publish
    assert author.get_by_role("button", name="Approve").count() == 0
    assert author.get_by_role("button", name="Publish").count() == 0

    # 2. The reviewer approves.
    reviewer = signed_in(s["reviewer"], s["reviewer_secret"])
    reviewer.goto(f"/advisories/{advisory.pk}/")
    assert reviewer.get_by_role("button", name="Publish").count() == 0
    post(reviewer, reviewer.get_by_role("button", name="Approve", exact=True), "Done.")
    assert "Approved by Rabia Karim." in main_text(reviewer)
    advisory.refresh_from_db()
    assert (advisory.state, advisory.approved_by) == (Advisory.State.APPROVED, s["reviewer"])

    author.reload()
    assert "Approved" in main_text(author)
    assert author.get_by_role("button", name="Publish").count() == 0
    assert author.get_by_role("button", name="Approve").count() == 0

    # 3. The publisher publishes.
    publisher = signed_in(s["publisher"], s["publisher_secret"])
    publisher.goto(f"/advisories/{advisory.pk}/")
    post(publisher, publisher.get_by_role("button", name="Publish", exact=True), "Done.")
    advisory.refresh_from_db()
    assert advisory.state == Advisory.State.PUBLISHED and advisory.live_id is not None
    recipient = Recipient.objects.get(advisory=advisory)
    assert recipient.organisation == s["division"]  # one recipient row: the chosen division
    published = time.monotonic()

    # 4. The worker mails the division's focal person a link, and nobody else anything.
    def delivered():
        assert worker.poll() is None, "the worker stopped"
        return bool(inbox.find("[TLP:AMBER]", s["focal"].email)) and not (
            Delivery.objects.filter(
                recipient__advisory=advisory,
                channel=Delivery.Channel.EMAIL,
                status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING],
            ).exists()
        )

    try:
        wait_for(delivered, timeout=MAIL_TIMEOUT, interval=0.25, what="the advisory e-mail")
    except AssertionError as exc:
        rows = Delivery.objects.filter(recipient__advisory=advisory).values_list(
            "person__email", "channel", "status", "error"
        )
        got = [(r, subject(m)) for r, m in inbox.messages]
        raise AssertionError(f"{exc}: deliveries {list(rows)}, inbox {got}") from None
    mailed = time.monotonic()
    found = inbox.find("[TLP:AMBER]", s["focal"].email)
    assert len(found) == 1, [subject(m) for _i, m in found]
    message = found[0][1]
    # AMBER and above: not even the title leaves the site (previews, logs, mail servers)
    assert subject(message) == f"[TLP:AMBER] Advisory {advisory.tracking_id} from NTISB"
    assert TITLE not in subject(message)
    body = message.get_body(("plain",)).get_content()
    assert body.splitlines()[0] == "TLP:AMBER", body[:80]
    assert "Dear Farah Siddiqui," in body
    assert "This advisory is not sent by e-mail. Sign in to read it:" in body
    for secret in (
        MEASURE_1,
        MEASURE_2,
        SUMMARY,
        "192.0.2.10",
        "192[.]0[.]2[.]10",
        "bad-portal",
        "C2 server",
        "passwords",
    ):
        assert secret not in body, secret
    assert not list(message.iter_attachments())
    links = re.findall(r"https?://\S+", body)
    assert links == [f"{app_server.url}/advisories/{advisory.pk}/"], links
    assert len(inbox.messages) == 1, [(r, subject(m)) for r, m in inbox.messages]
    assert not inbox.find("", s["other"].email)
    assert not Delivery.objects.filter(person=s["other"]).exists()
    assert Delivery.objects.get(person=s["focal"], channel="email").status == "sent"

    # 5. The focal person follows the link and sees the indicators defanged.
    focal = signed_in(s["focal"], s["focal_secret"])
    focal.goto(links[0])
    focal.get_by_role("heading", name=TITLE, level=1).wait_for()
    text = main_text(focal)
    assert "TLP:AMBER" in text
    assert "192[.]0[.]2[.]10" in text and "bad-portal[.]example" in text
    assert "192.0.2.10" not in text and "bad-portal.example" not in text
    assert MEASURE_1 in text and MEASURE_2 in text
    assert "For Interior Division: Viewed." in text
    assert focal.locator("section[aria-labelledby=wf-h]").count() == 0  # not the issuer's team
    shot(focal, "advisory-published")
    recipient.refresh_from_db()
    assert (recipient.state, recipient.first_viewed_by) == (Recipient.State.VIEWED, s["focal"])

    # ... acknowledges, answers both measures with evidence for the first, and reports.
    focal.get_by_role("link", name="Acknowledge and report").click()
    focal.wait_for_url(f"**/advisories/responses/{recipient.pk}/")
    post(focal, focal.get_by_role("button", name="Acknowledge receipt"))
    assert "acknowledged" in focal.locator("dl").inner_text()
    first = focal.locator("#measure-1")
    first.get_by_label("Status").select_option(label="Done")
    first.get_by_label("What was done").fill(NOTE_1)
    post(focal, first.get_by_role("button", name="Save"))
    png = tiny_png()
    first.get_by_label("Evidence (PDF, PNG, JPEG, text, CSV, JSON)").set_input_files(
        {"name": EVIDENCE_NAME, "mimeType": "image/png", "buffer": png}
    )
    post(focal, first.get_by_role("button", name="Upload"))
    assert first.get_by_role("link", name=EVIDENCE_NAME).is_visible()
    second = focal.locator("#measure-2")
    second.get_by_label("Status").select_option(label="Done")
    post(focal, second.get_by_role("button", name="Save"))
    focal.get_by_label("Outcome").select_option(label="Implemented")
    shot(focal, "advisory-response")
    post(focal, focal.get_by_role("button", name="Submit to the issuer"))
    assert "Interior Division — Implemented" in main_text(focal)
    assert focal.get_by_role("button", name="Submit to the issuer").count() == 0
    reported = time.monotonic()

    recipient.refresh_from_db()
    assert recipient.state == Recipient.State.IMPLEMENTED
    assert (recipient.acknowledged_by, recipient.submitted_by) == (s["focal"], s["focal"])
    answers = {r.measure_number: r for r in recipient.responses.all()}
    assert {n: r.status for n, r in answers.items()} == {
        1: MeasureResponse.Status.DONE,
        2: MeasureResponse.Status.DONE,
    }
    assert answers[1].note == NOTE_1
    evidence = Evidence.objects.get(response=answers[1])
    assert (evidence.name, evidence.mime, evidence.size) == (EVIDENCE_NAME, "image/png", len(png))
    assert evidence.sha256 == hashlib.sha256(png).hexdigest()

    # 6. The reviewer sees the report in the compliance view, checks the evidence, verifies.
    reviewer.goto(f"/advisories/{advisory.pk}/")
    reviewer.get_by_role("link", name="Compliance: who has acknowledged and acted").click()
    reviewer.wait_for_url(f"**/advisories/{advisory.pk}/compliance/")
    row = reviewer.locator("tbody tr", has_text="Interior Division")
    assert row.count() == 1 and "Implemented" in row.inner_text()
    assert reviewer.locator("tbody tr").count() == 1  # the Ministry of Foreign Affairs is not one
    shot(reviewer, "advisory-compliance")
    row.get_by_role("link", name="Interior Division").click()
    reviewer.wait_for_url(f"**/advisories/responses/{recipient.pk}/")
    assert NOTE_1 in main_text(reviewer)
    with reviewer.expect_download() as download:
        reviewer.get_by_role("link", name=EVIDENCE_NAME).click()
    assert download.value.suggested_filename == EVIDENCE_NAME
    assert Path(download.value.path()).read_bytes() == png
    shot(reviewer, "advisory-response-issuer")
    post(reviewer, reviewer.get_by_role("button", name="Verify", exact=True))
    reviewer.get_by_role("link", name=advisory.tracking_id).click()
    reviewer.get_by_role("link", name="Compliance: who has acknowledged and acted").click()
    reviewer.wait_for_url(f"**/advisories/{advisory.pk}/compliance/")
    assert "Verified" in reviewer.locator("tbody tr", has_text="Interior Division").inner_text()
    shot(reviewer, "advisory-compliance-verified")
    recipient.refresh_from_db()
    assert (recipient.state, recipient.verified_by) == (Recipient.State.VERIFIED, s["reviewer"])

    # 7. The focal person of a ministry that is not a recipient sees none of it.
    other = signed_in(s["other"], s["other_secret"])
    for path in (
        f"/advisories/{advisory.pk}/",
        f"/advisories/{advisory.pk}/revisions/1/",
        f"/advisories/responses/{recipient.pk}/",
        f"/advisories/evidence/{evidence.pk}/",
    ):
        response = other.goto(path)
        assert response.status == 404, (path, response.status)
        assert TITLE not in other.content(), path
    other.goto("/advisories/?q=Fake")
    assert "No advisories to show." in main_text(other)
    assert advisory.tracking_id not in main_text(other)

    # Still one e-mail in all (no reminder, nothing on acknowledgement or verification).
    assert len(inbox.messages) == 1, [(r, subject(m)) for r, m in inbox.messages]
    print(
        f"timings: drafting to published {published - started:.1f}s,"
        f" published to mail {mailed - published:.1f}s,"
        f" mail to report {reported - mailed:.1f}s,"
        f" total {time.monotonic() - started:.1f}s"
    )
