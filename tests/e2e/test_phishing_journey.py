"""A phishing-simulation campaign in the browser, with a real worker sending to a real SMTP peer
(aiosmtpd on loopback).

A national campaign operator builds a small campaign from the library, submits it; a second
national operator approves it; the first launches it. The worker sends the one message; its
link opens the landing page in the recipient's browser, whose script marks a human click; the
operator's status table shows the message sent.
"""

import re

import pytest

from hifazat.orgs.roles import Role
from hifazat.phishing import services
from hifazat.phishing.models import EmailTemplate, Event, LandingPage, Send, SendingProfile
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_journeys import shot
from tests.factories import make_org, make_person, make_totp
from tests.live import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting(transactional_db, smtp):
    cab = make_org("CAB", "Cabinet Secretariat", "ministry", domains=["cab.gov.example"])
    target = make_org("MOH", "Ministry of Housing", "ministry", domains=["housing.gov.example"])
    s = {"target": target}
    for key, name in (("op", "Zara Operator"), ("approver", "Kamran Approver")):
        person = make_person(
            name, cab, email=name.split()[0].lower() + "@cab.gov.example", password=PASSWORD,
            role=(Role.CAMPAIGN_OPERATOR, None),
        )  # fmt: skip
        s[key], s[f"{key}_secret"] = person, make_totp(person)
    s["clerk"] = make_person("Rashid Clerk", target, email="rashid.clerk@housing.gov.example")
    op = s["op"]
    services.template_save(
        actor=op,
        template=EmailTemplate(
            name="Mailbox quota",
            sender_name="IT Support",
            sender_address="support@mailquota-helpdesk.example",
            subject="{{ first_name }}, your mailbox is 98% full",
            text="Dear {{ full_name }},\nRelease space here: {{ link }}\n",
            html='<p>Dear {{ full_name }},</p><p><a href="{{ link }}">Release space</a></p>',
            red_flags=["The sender is not your ministry's IT section."],
        ),
    )
    services.landing_save(
        actor=op,
        page=LandingPage(
            name="Teachable moment", title="This was a phishing simulation", body="Practice."
        ),
    )
    services.profile_save(
        actor=op,
        profile=SendingProfile(
            name="Loopback relay", host="127.0.0.1", port=smtp.port, security="none",
            rate_per_minute=600,
        ),
    )  # fmt: skip
    return s


def test_build_approve_launch_send_click(setting, signed_in, worker, smtp, browser, app_server):
    op = signed_in(setting["op"], setting["op_secret"])
    op.goto("/phishing/")
    op.get_by_role("link", name="New campaign").click()
    op.fill("#id_name", "Housing baseline")
    op.select_option("#id_profile", label="Loopback relay")
    op.select_option("#id_audience", label=str(setting["target"]))
    op.select_option("#id_template_0", label="Mailbox quota")
    op.select_option("#id_landing_0", label="Teachable moment")
    op.fill("#id_authorised_by", "Secretary, Cabinet Division")
    op.fill("#id_authorisation_reference", "No. 5(1)/2026-IS")
    with op.expect_navigation():
        op.get_by_role("button", name="Save").click()
    assert op.locator(".alert-danger, .invalid-feedback").count() == 0, op.content()[:3000]
    op.locator(".alert-info", has_text="1 person would receive this campaign").wait_for()
    shot(op, "phishing-campaign-draft")
    campaign_url = op.url
    with op.expect_navigation():
        op.get_by_role("button", name="Submit for approval").click()
    # the author cannot approve their own campaign
    assert op.get_by_role("button", name="Approve").count() == 0

    approver = signed_in(setting["approver"], setting["approver_secret"])
    approver.goto(campaign_url)
    with approver.expect_navigation():
        approver.get_by_role("button", name="Approve").click()
    approver.locator(".alert-success", has_text="Approved.").wait_for()

    op.goto(campaign_url)
    with op.expect_navigation():
        op.get_by_role("button", name="Launch").click()
    op.locator(".alert-success", has_text="Launched").wait_for()

    clerk = setting["clerk"]
    wait_for(
        lambda: any(clerk.email in rcpts for rcpts, _m in smtp.inbox.messages),
        timeout=60,
        what="the simulated e-mail",
    )
    message = next(m for rcpts, m in smtp.inbox.messages if clerk.email in rcpts)
    assert str(message["Subject"]) == "Rashid, your mailbox is 98% full"
    send = Send.objects.get(person=clerk)
    assert message["Message-ID"] == send.message_id
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"http\S+/t/\S+/", body).group(0)
    assert send.token in link

    # the recipient opens the link in a browser of their own: not signed in to anything
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(link)
    page.get_by_role("heading", name="This was a phishing simulation").wait_for()
    page.get_by_text("The sender is not your ministry's IT section.").wait_for()
    wait_for(
        lambda: Event.objects.filter(send=send, kind="human").exists(),
        timeout=20,
        what="the human-click beacon",
    )
    shot(page, "phishing-landing")
    # the same person then uses the report link the message carries
    report = re.search(r"http\S+/t/\S+/r\b", body).group(0)
    page.goto(report)
    with page.expect_navigation():
        page.get_by_role("button", name="Report this e-mail").click()
    page.get_by_role("heading", name="Thank you for reporting").wait_for()
    context.close()
    assert set(Event.objects.filter(send=send).values_list("kind", flat=True)) >= {
        "click",
        "human",
    }

    op.goto(campaign_url)
    sent_cell = op.locator('tr[data-variant=""] td[data-state="sent"]')
    wait_for(lambda: sent_cell.inner_text().strip() == "1", timeout=30, what="status: 1 sent")
    shot(op, "phishing-campaign-status")

    # the results: one delivered, one human click, one report; the chart is drawn beside its table
    op.get_by_role("link", name="Results").first.click()
    op.locator(".metric", has_text="Report rate").get_by_text("100.0 %").wait_for()
    op.locator(".metric", has_text="Human click rate").get_by_text("100.0 %").wait_for()
    op.locator(".chart-slot canvas").wait_for()
    assert op.locator(".chart-slot canvas").bounding_box()["height"] > 100
    shot(op, "phishing-results")
