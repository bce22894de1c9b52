"""A training event from nomination to waitlist promotion, in the browser, with a real worker
delivering the e-mails to a real SMTP peer (aiosmtpd on loopback).

The focal person nominates two learners of a division whose head must approve; the head
approves; the programme manager approves both into a one-seat event (one confirmed, one
waitlisted); the focal person withdraws the confirmed one and the waitlisted one is promoted.
Each learner's mail is checked, and each calendar file is parsed and compared with the event.
"""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar

from hifazat.events import services
from hifazat.events.models import Event, Nomination, Partner, Venue
from hifazat.events.services import DaySpec
from hifazat.learning.models import Course
from hifazat.orgs.roles import Role
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_journeys import shot
from tests.factories import make_org, make_person, make_totp
from tests.live import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = "Cyber hygiene, Islamabad round 3"
LINK = "https://meet.example.gov.pk/hygiene-r3"
MAIL_TIMEOUT = 60


# --- data ------------------------------------------------------------------------------------


@pytest.fixture
def setting(transactional_db):
    from django.core.management import call_command

    call_command("curriculum", "load", verbosity=0)
    ministry = make_org(
        "MOITT", "Ministry of IT & Telecom", "ministry", domains=["moitt.gov.example"]
    )
    division = make_org(
        "ITTD", "IT & Telecom Division", "division", parent=ministry, domains=["moitt.gov.example"]
    )
    division.requires_head_approval = True
    division.save(update_fields=["requires_head_approval"])
    people = {}
    for key, name, org, role in (
        ("focal", "Farah Siddiqui", ministry, (Role.FOCAL_PERSON, ministry)),
        ("head", "Haris Malik", division, (Role.HEAD, division)),
        ("pm", "Parveen Akhtar", ministry, (Role.PROGRAMME_MANAGER, None)),
    ):
        person = make_person(name, org, email=email_of(name), password=PASSWORD, role=role)
        people[key] = person
        people[f"{key}_secret"] = make_totp(person)
    people["first"] = make_person("Sana Qureshi", division, email=email_of("Sana Qureshi"))
    people["second"] = make_person("Bilal Chaudhry", division, email=email_of("Bilal Chaudhry"))

    partner = Partner.objects.create(code="nitb", name="National Information Technology Board")
    venue = Venue.objects.create(
        name="NITB Training Hall", city="Islamabad", address="Plot 3, G-5/2", capacity=40
    )
    now = timezone.now()
    event = Event(
        title=TITLE,
        course=Course.objects.get(slug="basic"),
        partner=partner,
        mode=Event.Mode.BLENDED,
        venue=venue,
        joining_link=LINK,
        capacity=1,
        nomination_opens=now - timedelta(days=1),
        nomination_closes=now + timedelta(days=5),
    )
    first_day = timezone.localdate() + timedelta(days=10)
    days = [
        DaySpec(first_day, hm("09:30"), hm("16:00")),
        DaySpec(first_day + timedelta(days=1), hm("10:00"), hm("13:30")),
    ]
    services.event_save(
        actor=people["pm"], event=event, days=days, quotas={ministry: 2}, trainers=[]
    )
    services.event_publish(actor=people["pm"], event=event)
    event.refresh_from_db()
    people["event"] = event
    # when each day starts and ends, as entered (wall-clock times in the site's zone)
    people["times"] = [
        (aware(d.date, d.starts), aware(d.date, d.ends))
        for d in sorted(days, key=lambda d: d.date)
    ]
    return people


def email_of(name):
    # not a demo account's address: those cannot sign in outside demo mode
    return name.lower().replace(" ", ".") + "@moitt.gov.example"


def hm(text):
    return datetime.strptime(text, "%H:%M").time()


def aware(day, at):
    return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


def status_of(person, event):
    return Nomination.objects.get(event=event, person=person).status


# --- mail checks -----------------------------------------------------------------------------


def calendar_of(message, method):
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in message.iter_attachments()]
    assert parts[0].get_param("method") == method
    calendar = Calendar.from_ical(parts[0].get_content())
    assert str(calendar["METHOD"]) == method
    return calendar


def check_calendar(calendar, event, times, person, method):
    """One VEVENT per day, each with the day's times, the title, the place and the person."""
    entries = calendar.walk("VEVENT")
    assert len(entries) == len(times) == 2
    for entry, (starts, ends) in zip(entries, times, strict=True):
        start, end = entry.decoded("DTSTART"), entry.decoded("DTEND")
        assert start.tzinfo is not None and end.tzinfo is not None  # not floating times
        assert (start, end) == (starts, ends), (start, end, starts, ends)
        assert str(entry["SUMMARY"]) == event.title
        location = str(entry["LOCATION"])
        assert "NITB Training Hall" in location and "Islamabad" in location, location
        assert LINK in location, location
        attendees = entry.get("ATTENDEE")
        assert not isinstance(attendees, list), attendees  # exactly one
        assert str(attendees).lower() == f"mailto:{person.email}"
        assert str(entry["STATUS"]) == ("CANCELLED" if method == "CANCEL" else "CONFIRMED")
    return {str(e["UID"]): int(e["SEQUENCE"]) for e in entries}


def one(inbox, subject_start, person):
    found = inbox.find(subject_start, person.email)
    assert len(found) == 1, (subject_start, person.email, [m["Subject"] for _i, m in found])
    return found[0]


def no_calendar(message):
    assert not [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]


# --- the journey -----------------------------------------------------------------------------


def test_nomination_approval_waitlist_and_promotion_with_calendar_mail(
    app_server, setting, signed_in, smtp, worker
):
    s = setting
    event, first, second, times = s["event"], s["first"], s["second"], s["times"]
    inbox = smtp.inbox
    started = time.monotonic()

    def delivered(*wanted):
        def ready():
            assert worker.poll() is None, "the worker stopped"
            return all(inbox.find(subject, p.email) for subject, p in wanted)

        wait_for(ready, timeout=MAIL_TIMEOUT, interval=0.25, what=f"e-mail {wanted}")

    # 1. The focal person nominates both learners by employee number.
    focal = signed_in(s["focal"], s["focal_secret"])
    focal.goto("/events/")
    focal.get_by_role("link", name=TITLE).click()
    focal.get_by_role("link", name="Nominate people").click()
    focal.wait_for_url(f"**/events/{event.pk}/nominate/")
    focal.get_by_label("People (employee numbers or e-mails, one a line)").fill(
        f"{first.employee_number}\n{second.employee_number}\n"
    )
    focal.get_by_role("button", name="Nominate", exact=True).click()
    created = focal.locator(".alert-success", has_text="2 people nominated.")
    created.wait_for()
    assert created.get_by_text("Sana Qureshi — Awaiting the head's approval").is_visible()
    assert created.get_by_text("Bilal Chaudhry — Awaiting the head's approval").is_visible()
    assert focal.locator(".alert-warning").count() == 0  # nobody refused
    shot(focal, "events-nominated")
    assert status_of(first, event) == status_of(second, event) == Nomination.Status.PENDING_HEAD
    # The nomination mail is written when it is sent and says that the head decides first only
    # while that is so: let it go before the head acts, or the mail may rightly leave it out.
    delivered(("[Hifazat] Nominated:", first), ("[Hifazat] Nominated:", second))

    # 2. The head approves both.
    head = signed_in(s["head"], s["head_secret"])
    head.goto(f"/events/{event.pk}/")
    head.get_by_role("checkbox", name="Sana Qureshi").check()
    head.get_by_role("checkbox", name="Bilal Chaudhry").check()
    shot(head, "events-head")
    head.get_by_role("button", name="Approve as head (send to the programme manager)").click()
    head.get_by_text("2 sent on to the programme manager.").wait_for()
    assert status_of(first, event) == status_of(second, event) == Nomination.Status.PENDING

    # 3. The programme manager approves both: one seat, so one is confirmed, one waitlisted.
    pm = signed_in(s["pm"], s["pm_secret"])
    pm.goto(f"/events/{event.pk}/")
    pm.get_by_role("checkbox", name="Sana Qureshi").check()
    pm.get_by_role("checkbox", name="Bilal Chaudhry").check()
    pm.get_by_label("Decision").select_option(label="Approve")
    pm.get_by_role("button", name="Apply", exact=True).click()
    pm.get_by_text("1 approved, 1 waitlisted, 0 rejected.").wait_for()
    assert row_of(pm, first, event).get_by_text("Confirmed").is_visible()
    assert row_of(pm, second, event).get_by_text("Waitlisted").is_visible()
    assert "1 of 1 taken" in pm.inner_text("main")
    shot(pm, "events-decided")
    assert status_of(first, event) == Nomination.Status.APPROVED
    assert status_of(second, event) == Nomination.Status.WAITLISTED

    # The worker has mailed the nominations, the head's approvals, the confirmation and the
    # waitlist notice.
    delivered(
        ("[Hifazat] Nominated:", first),
        ("[Hifazat] Nominated:", second),
        ("[Hifazat] Approved by your head:", first),
        ("[Hifazat] Approved by your head:", second),
        ("[Hifazat] Confirmed:", first),
        ("[Hifazat] Waitlisted:", second),
    )
    before_withdrawal = len(inbox.messages)
    mailed = time.monotonic()

    # 4. The focal person withdraws the confirmed learner: the waitlisted one is promoted.
    focal.goto(f"/events/{event.pk}/")
    row_of(focal, first, event).get_by_role("button", name="Withdraw").click()
    focal.get_by_text("Nomination withdrawn.").wait_for()
    assert row_of(focal, first, event).get_by_text("Withdrawn").is_visible()
    assert row_of(focal, second, event).get_by_text("Confirmed").is_visible()
    shot(focal, "events-withdrawn")
    assert status_of(second, event) == Nomination.Status.APPROVED
    assert Nomination.objects.get(event=event, person=first).status == "withdrawn"

    delivered(
        ("[Hifazat] Nomination withdrawn:", first),
        ("[Hifazat] Confirmed:", second),
    )
    promoted = time.monotonic()

    # --- what arrived ---
    for person in (first, second):
        _i, nominated = one(inbox, f"[Hifazat] Nominated: {TITLE}", person)
        body = nominated.get_body(("plain",)).get_content()
        assert f"Dear {person.full_name}," in body
        assert "Farah Siddiqui has nominated you" in body
        assert "Your organisation's head approves nominations first" in body
        assert f"{app_server.url}/events/{event.pk}/" in body
        no_calendar(nominated)

    _i, waitlisted = one(inbox, f"[Hifazat] Waitlisted: {TITLE}", second)
    assert "you are on its waitlist" in waitlisted.get_body(("plain",)).get_content()
    no_calendar(waitlisted)

    first_request_at, first_request = one(inbox, f"[Hifazat] Confirmed: {TITLE}", first)
    assert first_request_at < before_withdrawal
    request = check_calendar(calendar_of(first_request, "REQUEST"), event, times, first, "REQUEST")

    cancel_at, cancel_mail = one(inbox, f"[Hifazat] Nomination withdrawn: {TITLE}", first)
    assert cancel_at >= before_withdrawal
    assert "removes it from your calendar" in cancel_mail.get_body(("plain",)).get_content()
    cancel = check_calendar(calendar_of(cancel_mail, "CANCEL"), event, times, first, "CANCEL")
    assert cancel.keys() == request.keys()  # the same entries are cancelled
    assert all(cancel[uid] >= request[uid] for uid in request)

    promoted_at, promoted_mail = one(inbox, f"[Hifazat] Confirmed: {TITLE}", second)
    assert promoted_at >= before_withdrawal
    assert "is confirmed" in promoted_mail.get_body(("plain",)).get_content()
    promotion = check_calendar(
        calendar_of(promoted_mail, "REQUEST"), event, times, second, "REQUEST"
    )
    assert promotion.keys() == request.keys()

    # Nothing else, and nothing to the focal person, head or programme manager.
    assert len(inbox.messages) == 8, [(r, m["Subject"]) for r, m in inbox.messages]
    print(
        f"timings: to first mails {mailed - started:.1f}s,"
        f" withdrawal to promotion mail {promoted - mailed:.1f}s"
    )


def row_of(page, person, event):
    """The nominations table's row for ``person``."""
    return page.locator(f"#nomination-{Nomination.objects.get(event=event, person=person).pk}")
