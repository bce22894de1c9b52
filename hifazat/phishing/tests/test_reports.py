"""Phishing simulation: filing the reported-phishing mailbox (``hifazat.phishing.reports`` and
``hifazat phishing import-reports``)."""

from __future__ import annotations

import functools
import io
import mailbox
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import management
from django.core.management.base import CommandError
from django.utils import timezone

from hifazat.audit.models import AuditEvent
from hifazat.phishing import reports
from hifazat.phishing.models import Event, ReportedMessage, Send
from hifazat.phishing.services import new_token
from hifazat.phishing.tests.conftest import make_campaign, make_library

pytestmark = [pytest.mark.django_db]

BIG = 10 * 1024 * 1024
SUMMARY = (
    "9 messages: 4 simulation reports (3 new, 1 already reported), 4 real messages, "
    "1 unreadable, 0 already imported"
)
SUMMARY_AGAIN = (
    "9 messages: 0 simulation reports (0 new, 0 already reported), 0 real messages, "
    "0 unreadable, 9 already imported"
)


@pytest.fixture
def sends(ops, orgs, personas):
    """Three sent simulations, an hour ago: to Amna, Faisal and Hamid of ministry A."""
    template, page, profile = make_library(ops.a, orgs["min_a"])
    campaign = make_campaign(ops.a, orgs["min_a"], [orgs["min_a"]], template, page, profile)
    variant = campaign.variants.get()
    sent_at = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    return [
        Send.objects.create(
            campaign=campaign,
            variant=variant,
            person=person,
            email=person.email,
            organisation=person.organisation,
            token=new_token(),
            not_before=sent_at,
            state=Send.State.SENT,
            message_id=f"<{n}.1700000000@hifazat.example>",
            sent_at=sent_at,
        )
        for n, person in enumerate([personas.learner_a, personas.focal_a, personas.head_a], 1)
    ]


def simulation(send: Send) -> EmailMessage:
    """The simulated e-mail as the recipient received it."""
    link = f"{settings.PHISHING_SITE_URL}/t/{send.token}/"
    message = EmailMessage()
    message["From"] = "e-Office Helpdesk <helpdesk@eoffice-portal.example>"
    message["To"] = send.email
    message["Subject"] = "Your password expires today"
    message["Date"] = format_datetime(send.sent_at)
    message["Message-ID"] = send.message_id
    message.set_content(f"Keep it: {link}\n")
    message.add_alternative(
        f'<p><a href="{link}">Keep my password</a><img src="{link}o.gif"></p>', subtype="html"
    )
    return message


def forward(reporter: str, subject: str, text: str, at, attached=None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = reporter
    message["To"] = "report-phishing@alpha.gov.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain="alpha.gov.example")
    message.set_content(text)
    if attached is not None:
        message.add_attachment(attached)  # message/rfc822
    return message


def mailbox_messages(sends, personas) -> list[bytes]:
    """One of each: three simulations (reported directly, as an attachment, inline), a repeat
    report (an .eml attached to a forward), a real phish, three malformed messages and one with
    a 10 MB attachment."""
    first, second, third = sends
    sent = first.sent_at

    direct = simulation(first)  # redirected by Amna: Resent-From names her
    direct["Resent-From"] = "Amna Learner <AMNA@alpha.gov.example>"
    direct.replace_header("Date", format_datetime(sent + timedelta(minutes=5)))

    as_attachment = forward(
        f"Faisal Focal <{personas.focal_a.email}>",
        "Fwd: Your password expires today",
        "Is this genuine?",
        timezone.now() + timedelta(days=3),  # a wrong clock: not later than now
        attached=simulation(second),
    )

    link = f"{settings.PHISHING_SITE_URL}/t/{third.token}/"
    inline = forward(
        f"Hamid Head <{personas.head_a.email}>",
        "Fwd: Your password expires today",
        f"---------- Forwarded message ---------\nFrom: e-Office Helpdesk\n\nKeep it: {link}\n",
        sent - timedelta(days=2),  # before it was sent: not earlier than sent_at
    )

    colleague = forward("colleague@alpha.gov.example", "Fwd: look", "See attached.", sent)
    colleague.add_attachment(
        simulation(first).as_bytes(), "application", "octet-stream", filename="password.eml"
    )
    repeat = forward(
        f"Amna Learner <{personas.learner_a.email}>",
        "Fwd: Fwd: look",
        "Again",
        sent + timedelta(minutes=30),
        attached=colleague,
    )

    phish = EmailMessage()
    phish["From"] = "Accounts Section <billing@evil.example>"
    phish["Subject"] = "=?utf-8?q?Invoice_overdue_=E2=80=93_pay_today?="
    phish["Message-ID"] = "<invoice.42@evil.example>"
    phish.set_content("Pay at https://evil.example/pay?id=1&x=2.\n")
    phish.add_alternative(
        '<a href="https://evil.example/pay?id=1&amp;x=2">Pay</a> '
        '<a href="https://evil.example/login">Sign in</a>',
        subtype="html",
    )
    phish.add_attachment(
        b"PK\x03\x04 macro",
        "application",
        "vnd.ms-word.document.macroEnabled.12",
        filename="invoice.docm",
    )
    real = forward(
        "Bushra <SENTINEL7Q@Bravo.gov.example>",
        "Fwd: Invoice overdue",
        "Suspicious?",
        sent,
        attached=phish,
    )

    garbage = bytes(range(256)) * 40
    no_boundary = (
        b"From: someone@elsewhere.example\r\nSubject: broken\r\n"
        b"Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n"
    )
    bad_from = (
        b'From: "unterminated <a@b\r\nSubject: bad sender\r\nMessage-ID: <<<>>>\r\n\r\nbody\r\n'
    )

    return [
        direct.as_bytes(),
        as_attachment.as_bytes(),
        inline.as_bytes(),
        repeat.as_bytes(),
        real.as_bytes(),
        garbage,
        no_boundary,
        bad_from,
        big_message(),
    ]


@functools.cache
def big_message() -> bytes:
    """A report with a 10 MB attachment (built once: encoding it takes a while)."""
    message = forward("omar@charlie.gov.example", "Huge file", "Scan this", timezone.now())
    message.add_attachment(b"\0" * BIG, "application", "octet-stream", filename="disk.img")
    return message.as_bytes()


def write_mailbox(tmp_path, layout: str, messages: list[bytes]):
    if layout == "mbox":
        path = tmp_path / "reported.mbox"
        box = mailbox.mbox(path)
        for raw in messages:
            box.add(raw)
        box.close()
        return path
    path = tmp_path / "reported"
    path.mkdir()
    for n, raw in enumerate(messages, 1):
        (path / f"{n:02d}.eml").write_bytes(raw)
    (path / "notes.txt").write_text("not a message")  # ignored
    return path


def reports_count() -> int:
    return Event.objects.filter(kind=Event.Kind.REPORT).count()


@pytest.mark.parametrize("layout", ["mbox", "folder"])
def test_a_mailbox_is_filed_once_whatever_it_holds(tmp_path, layout, sends, personas, orgs):
    path = write_mailbox(tmp_path, layout, mailbox_messages(sends, personas))

    result = reports.import_mailbox(path)

    assert result.counts() == {
        "total": 9,
        "simulation_new": 3,
        "simulation_repeat": 1,
        "real": 4,
        "unreadable": 1,
        "already_imported": 0,
    }
    first, second, third = (Send.objects.get(pk=s.pk) for s in sends)
    assert first.reported_at == first.sent_at + timedelta(minutes=5)
    assert first.sent_at < second.reported_at <= timezone.now()
    assert third.reported_at == third.sent_at
    assert reports_count() == 4
    assert all(f == ["mailbox"] for f in Event.objects.values_list("fields", flat=True))

    simulations = ReportedMessage.objects.filter(kind="simulation").order_by("pk")
    direct = simulations[0]
    assert (direct.send_id, direct.campaign_id) == (first.pk, first.campaign_id)
    assert direct.reporter == "amna@alpha.gov.example"
    assert direct.organisation == orgs["dep_a"]
    assert direct.message_id == first.message_id
    assert direct.sender == "e-Office Helpdesk <helpdesk@eoffice-portal.example>"
    inline = simulations[2]
    assert inline.send_id == third.pk
    assert inline.sender == personas.head_a.email  # the reporter's address, never the name
    assert not ReportedMessage.objects.filter(sender__contains="Hamid").exists()
    assert simulations[3].send_id == first.pk  # the repeat, found in a nested .eml

    real = result.real_messages[0]
    assert real.kind == "real"
    assert real.reporter == "sentinel7q@bravo.gov.example"
    assert real.organisation == orgs["div_b"]
    assert real.sender == "Accounts Section <billing@evil.example>"
    assert real.subject == "Invoice overdue – pay today"
    assert real.message_id == "<invoice.42@evil.example>"
    assert real.attachments == ["invoice.docm"]
    assert real.urls == ["https://evil.example/pay?id=1&x=2", "https://evil.example/login"]
    assert [r.subject for r in result.real_messages[1:]] == ["broken", "bad sender", "Huge file"]
    assert result.real_messages[2].sender == '"unterminated <a@b'
    assert result.real_messages[3].attachments == ["disk.img"]

    unreadable = ReportedMessage.objects.get(kind="unreadable")
    assert unreadable.problem == "no From, Subject, Message-ID or Date header"
    assert result.problems == [f"{unreadable.source}: {unreadable.problem}"]
    assert unreadable.source.startswith(path.name)

    rows = ReportedMessage.objects.count()
    again = reports.import_mailbox(path)
    assert again.counts() == {
        **dict.fromkeys(reports.COUNTS, 0),
        "total": 9,
        "already_imported": 9,
    }
    assert (reports_count(), ReportedMessage.objects.count()) == (4, rows)
    assert Send.objects.get(pk=first.pk).reported_at == first.reported_at

    audits = AuditEvent.objects.filter(action="phishing.reports_imported").order_by("seq")
    assert [a.data for a in audits] == [result.counts(), again.counts()]
    assert {a.object_repr for a in audits} == {path.name}


def test_stored_header_values_are_one_clean_line(tmp_path, db):
    raw = (
        b"Resent-From: staff@alpha.gov.example\r\n"
        b"From: =?utf-8?q?Evil=0D=0ACorp?= <x@evil.example>\r\n"
        b"Subject: Urgent\x00\x1b[31m red\r\n  folded \xc3\xbcber \xff\r\n"
        b"Date: Thu, 1 Jan 0001 00:00:00 +0500\r\n\r\nhttps://evil.example/\x00a\r\n"
    )
    path = tmp_path / "one.eml"
    path.write_bytes(raw)

    row = reports.import_mailbox(path).real_messages[0]

    assert row.sender == "Evil Corp <x@evil.example>"
    assert row.subject == "Urgent [31m red folded über \ufffd"
    assert row.urls == ["https://evil.example/"]
    assert row.reported_at is not None  # an impossible date: the time of import


def test_empty_files_are_unreadable_and_still_filed_once(tmp_path, db):
    folder = tmp_path / "box"
    folder.mkdir()
    (folder / "a.eml").write_bytes(b"")
    (folder / "b.EML").write_bytes(b"\r\n")

    result = reports.import_mailbox(folder)

    assert (result.unreadable, ReportedMessage.objects.filter(kind="unreadable").count()) == (2, 2)
    assert result.problems[0] == "box/a.eml: empty message"
    assert reports.import_mailbox(folder).already_imported == 2


def test_the_command_prints_a_summary_the_real_messages_and_the_problems(
    tmp_path, sends, personas
):
    path = write_mailbox(tmp_path, "mbox", mailbox_messages(sends, personas))
    out = io.StringIO()

    management.call_command("phishing", "import-reports", str(path), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == SUMMARY
    assert lines[1] == "Real messages (for the security team):"
    assert lines[2].endswith(
        ", reported by sentinel7q@bravo.gov.example, "
        "from Accounts Section <billing@evil.example>: Invoice overdue – pay today"
    )
    assert lines[6] == "Problems:"
    assert lines[7] == "  reported.mbox #6: no From, Subject, Message-ID or Date header"

    out = io.StringIO()
    management.call_command("phishing", "import-reports", str(path), stdout=out)
    assert out.getvalue().splitlines() == [SUMMARY_AGAIN]


@pytest.mark.parametrize("name", ["missing.mbox", "notes.txt"])
def test_the_command_refuses_what_is_not_a_mailbox_and_writes_nothing(tmp_path, db, name):
    (tmp_path / "notes.txt").write_text("Dear all,\nnot a mailbox\n")
    audits = AuditEvent.objects.count()

    with pytest.raises(CommandError) as refused:
        management.call_command("phishing", "import-reports", str(tmp_path / name))

    assert refused.value.returncode == 1
    assert name in str(refused.value)
    assert not ReportedMessage.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_a_link_rewritten_by_a_mail_gateway_still_finds_the_simulation(tmp_path, sends, personas):
    send = sends[1]
    link = quote(f"{settings.PHISHING_SITE_URL}/t/{send.token}/", safe="")
    message = forward(
        f"Faisal Focal <{personas.focal_a.email}>",
        "Fwd: Your password expires today",
        f"Keep it: https://eur01.safelinks.protection.outlook.com/?url={link}&data=05\n",
        timezone.now(),
    )
    path = tmp_path / "one.eml"
    path.write_bytes(message.as_bytes())

    assert reports.import_mailbox(path).simulation_new == 1
    assert ReportedMessage.objects.get().send_id == send.pk
