"""Training events: scope, eligibility, quotas, approvals and the waitlist, check-in,
completion, calendar invitations, exports and feedback."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from hifazat.audit.models import AuditEvent
from hifazat.events import checkin, services
from hifazat.events.models import Attendance, Event, EventDay, Feedback, Nomination, Partner
from hifazat.events.services import DaySpec
from hifazat.learning.models import Certificate, Course, CourseVersion, Enrolment
from hifazat.orgs.roles import Role
from tests.factories import make_person

pytestmark = [pytest.mark.django_db]
SENTINEL = "SENTINEL-B-7Q"


def make_course(slug="basic", audience=Course.Audience.ALL_STAFF, prerequisite=None):
    course = Course.objects.create(
        slug=slug, title=f"Course {slug}", audience=audience, prerequisite=prerequisite
    )
    version = CourseVersion.objects.create(
        course=course, number=1, content_hash="x", title=course.title
    )
    course.current_version = version
    course.save()
    return course


def certify(person, course):
    version = course.current_version
    enrolment = Enrolment.objects.create(person=person, course=course, version=version)
    return Certificate.objects.create(
        person=person,
        course=course,
        version=version,
        enrolment=enrolment,
        full_name=person.full_name,
        expires_at=timezone.now() + timedelta(days=300),
    )


@pytest.fixture
def course(db):
    return make_course()


@pytest.fixture
def partner(db):
    return Partner.objects.create(code="nitb", name="National Information Technology Board")


def make_event(
    pm, course, partner, *, capacity=10, quotas=None, days=None, open_to_all=False, **extra
):
    now = timezone.now()
    event = Event(
        title=extra.pop("title", "Cyber hygiene for focal persons"),
        course=course,
        partner=partner,
        mode=Event.Mode.ONLINE,
        joining_link="https://meet.example.gov.pk/abc",
        capacity=capacity,
        open_to_all=open_to_all,
        nomination_opens=now - timedelta(days=1),
        nomination_closes=now + timedelta(days=5),
        **extra,
    )
    start = timezone.localdate() + timedelta(days=10)
    days = days or [
        DaySpec(
            start,
            datetime.strptime("09:30", "%H:%M").time(),
            datetime.strptime("16:00", "%H:%M").time(),
        )
    ]
    services.event_save(actor=pm, event=event, days=days, quotas=quotas or {}, trainers=[])
    services.event_publish(actor=pm, event=event)
    event.refresh_from_db()
    return event


def rows(*people):
    return [(p.email, p, None) for p in people]


@pytest.fixture
def event(personas, orgs, course, partner):
    return make_event(personas.pm, course, partner, quotas={orgs["min_a"]: 3, orgs["min_b"]: 2})


# --- scope -----------------------------------------------------------------------------------


def test_focal_person_of_b_cannot_see_or_touch_a_nominations(event, personas, client_as):
    services.nominate(actor=personas.focal_b, event=event, people=rows(personas.learner_b))
    a_nom = services.nominate(
        actor=personas.focal_a, event=event, people=rows(personas.learner_a)
    ).created[0]
    b_nom = Nomination.objects.get(person=personas.learner_b)
    focal_a = client_as(personas.focal_a)
    page = focal_a.get(reverse("events:detail", args=[event.pk]))
    assert page.status_code == 200
    assert "Amna Learner" in page.text and SENTINEL not in page.text
    for url in (
        reverse("events:export", args=[event.pk, "nominations", "csv"]),
        reverse("events:export", args=[event.pk, "nominations", "xlsx"]),
    ):
        response = focal_a.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert SENTINEL.encode() not in body
    # withdrawing B's nomination is a 404, and it is untouched
    assert focal_a.post(reverse("events:withdraw", args=[b_nom.pk])).status_code == 404
    b_nom.refresh_from_db()
    assert b_nom.status == Nomination.Status.PENDING
    # nominating B's person is refused as unknown, by name
    result = services.nominate(
        actor=personas.focal_a, event=event, people=rows(personas.learner_b)
    )
    assert not result.created and "No such person" in result.refused[0][2]
    assert a_nom.status == Nomination.Status.PENDING


def test_focal_persons_see_only_events_open_to_them(personas, orgs, course, partner, client_as):
    only_b = make_event(
        personas.pm, course, partner, quotas={orgs["min_b"]: 2}, title="Bravo only"
    )
    focal_a = client_as(personas.focal_a)
    assert focal_a.get(reverse("events:detail", args=[only_b.pk])).status_code == 404
    assert "Bravo only" not in focal_a.get(reverse("events:home")).text
    assert (
        client_as(personas.focal_b).get(reverse("events:detail", args=[only_b.pk])).status_code
        == 200
    )


def test_trainers_see_only_their_events(event, personas, orgs, course, partner, client_as):
    trainer = make_person("Tariq Trainer", orgs["min_c"], role=(Role.TRAINER, None))
    other = make_event(personas.pm, course, partner, open_to_all=True, title="Someone else's")
    event.trainers.add(trainer)
    c = client_as(trainer)
    day = event.days.get()
    assert c.get(reverse("events:attendance", args=[event.pk, day.pk])).status_code == 200
    other_day = other.days.get()
    assert c.get(reverse("events:attendance", args=[other.pk, other_day.pk])).status_code == 404
    assert c.get(reverse("events:detail", args=[other.pk])).status_code == 404


# --- nominations: eligibility, quotas, files ------------------------------------------------


def test_eligibility_is_explained_per_person(personas, orgs, course, partner):
    advanced = make_course("advanced", Course.Audience.IT_ADMIN, prerequisite=course)
    event = make_event(personas.pm, advanced, partner, quotas={orgs["min_a"]: 5})
    admin_ready = make_person("Imran Admin", orgs["dep_a"], track="it_admin")
    certify(admin_ready, course)
    admin_not_ready = make_person("Irfan Admin", orgs["dep_a"], track="it_admin")
    certified = make_person("Saima Done", orgs["dep_a"], track="it_admin")
    certify(certified, course)
    certify(certified, advanced)
    result = services.nominate(
        actor=personas.focal_a,
        event=event,
        people=rows(admin_ready, personas.learner_a, admin_not_ready, certified, admin_ready),
    )
    assert [n.person for n in result.created] == [admin_ready]
    reasons = {label: reason for label, _p, reason in result.refused}
    assert "for IT administrators" in reasons[personas.learner_a.email]
    assert "Needs a valid certificate" in reasons[admin_not_ready.email]
    assert "Already holds a valid certificate" in reasons[certified.email]
    assert "Listed twice" in reasons[admin_ready.email]
    again = services.nominate(actor=personas.focal_a, event=event, people=rows(admin_ready))
    assert "Already nominated" in again.refused[0][2]


def test_quota_is_enforced_per_organisation_subtree(event, personas, orgs):
    people = [make_person(f"Alpha {i}", orgs["dep_a"]) for i in range(4)]
    result = services.nominate(actor=personas.focal_a, event=event, people=rows(*people))
    assert len(result.created) == 3
    assert "quota of Ministry of Alpha (3 seats) is full" in result.refused[0][2]
    # withdrawing one frees a quota place
    services.nomination_withdraw(actor=personas.focal_a, nomination=result.created[0])
    assert (
        len(services.nominate(actor=personas.focal_a, event=event, people=rows(people[3])).created)
        == 1
    )


def test_organisation_without_quota_cannot_nominate(event, personas, orgs):
    person = make_person("Charlie Person", orgs["min_c"])
    focal_c = make_person("Chand Focal", orgs["min_c"], role=(Role.FOCAL_PERSON, orgs["min_c"]))
    result = services.nominate(actor=focal_c, event=event, people=rows(person))
    assert "has no seats in this event" in result.refused[0][2]


def test_a_bad_csv_is_reported_by_row_and_nothing_is_applied(event, personas, orgs, client_as):
    ok = make_person("Good Row", orgs["dep_a"])
    csv = (
        "employee_number,name\n"
        f"{ok.employee_number},Good Row\n"
        "NO-SUCH-99,Ghost\n"
        f"{personas.learner_b.employee_number},Bravo person\n"
    ).encode()
    upload = io.BytesIO(csv)
    upload.name = "nominations.csv"
    c = client_as(personas.focal_a)
    page = c.post(reverse("events:nominate", args=[event.pk]), {"file": upload})
    assert page.status_code == 200
    assert "row 3 (NO-SUCH-99)" in page.text and "No such person" in page.text
    assert f"row 4 ({personas.learner_b.employee_number})" in page.text
    assert SENTINEL not in page.text  # a person outside the subtree is not named
    assert "Nothing was nominated" in page.text
    assert not Nomination.objects.exists()
    # the same file without the bad rows goes through
    upload = io.BytesIO(f"employee_number\n{ok.employee_number}\n".encode())
    upload.name = "nominations.csv"
    c.post(reverse("events:nominate", args=[event.pk]), {"file": upload})
    assert Nomination.objects.get().person == ok


def test_nominations_close_at_the_deadline(event, personas):
    Event.objects.filter(pk=event.pk).update(
        nomination_closes=timezone.now() - timedelta(minutes=1),
        nomination_opens=timezone.now() - timedelta(days=2),
    )
    event.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        services.nominate(actor=personas.focal_a, event=event, people=rows(personas.learner_a))


# --- approvals and the waitlist --------------------------------------------------------------


def test_head_approval_then_programme_manager_then_waitlist_promotion(
    personas, orgs, course, partner
):
    orgs["div_a"].requires_head_approval = True
    orgs["div_a"].save()
    event = make_event(personas.pm, course, partner, capacity=1, quotas={orgs["min_a"]: 5})
    second = make_person("Bilal Second", orgs["dep_a"])
    first_n, second_n = services.nominate(
        actor=personas.focal_a, event=event, people=rows(personas.learner_a, second)
    ).created
    assert first_n.status == second_n.status == Nomination.Status.PENDING_HEAD
    with pytest.raises(PermissionDenied):
        services.nominations_head_approve(actor=personas.focal_b, nominations=[first_n])
    skipped = services.nominations_decide(
        actor=personas.pm, event=event, nominations=[first_n], decision="approve"
    )
    assert skipped.skipped and not skipped.approved
    assert (
        services.nominations_head_approve(actor=personas.head_a, nominations=[first_n, second_n])
        == 2
    )
    decision = services.nominations_decide(
        actor=personas.pm, event=event, nominations=[first_n, second_n], decision="approve"
    )
    assert [n.person for n in decision.approved] == [personas.learner_a]
    assert [n.person for n in decision.waitlisted] == [second]  # full: waitlisted, and told so
    first_n.refresh_from_db()
    assert first_n.enrolment.source == Enrolment.Source.NOMINATED
    services.nomination_withdraw(actor=personas.focal_a, nomination=first_n)
    second_n.refresh_from_db()
    assert second_n.status == Nomination.Status.APPROVED
    actions = list(
        AuditEvent.objects.filter(action__startswith="nomination.").values_list(
            "action", flat=True
        )
    )
    assert "nomination.head_approved" in actions and "nomination.promoted" in actions


def test_rejection_needs_a_reason_and_frees_the_seat(event, personas, orgs):
    people = [make_person(f"Alpha {i}", orgs["dep_a"]) for i in range(3)]
    event.capacity = 2
    Event.objects.filter(pk=event.pk).update(capacity=2)
    noms = services.nominate(actor=personas.focal_a, event=event, people=rows(*people)).created
    services.nominations_decide(
        actor=personas.pm, event=event, nominations=noms, decision="approve"
    )
    assert Nomination.objects.filter(status="waitlisted").count() == 1
    with pytest.raises(ValidationError, match="reason"):
        services.nominations_decide(
            actor=personas.pm, event=event, nominations=noms[:1], decision="reject"
        )
    services.nominations_decide(
        actor=personas.pm,
        event=event,
        nominations=noms[:1],
        decision="reject",
        reason="Not an IT post",
    )
    assert Nomination.objects.get(pk=noms[2].pk).status == Nomination.Status.APPROVED
    assert Nomination.objects.get(pk=noms[0].pk).reason == "Not an IT post"


def test_only_the_programme_manager_decides(event, personas):
    nomination = services.nominate(
        actor=personas.focal_a, event=event, people=rows(personas.learner_a)
    ).created[0]
    with pytest.raises(PermissionDenied):
        services.nominations_decide(
            actor=personas.focal_a, event=event, nominations=[nomination], decision="approve"
        )


def test_focal_person_cannot_withdraw_after_the_deadline(event, personas):
    nomination = services.nominate(
        actor=personas.focal_a, event=event, people=rows(personas.learner_a)
    ).created[0]
    Event.objects.filter(pk=event.pk).update(
        nomination_closes=timezone.now() - timedelta(seconds=1),
        nomination_opens=timezone.now() - timedelta(days=3),
    )
    nomination.refresh_from_db()
    with pytest.raises(ValidationError, match="deadline"):
        services.nomination_withdraw(actor=personas.focal_a, nomination=nomination)
    services.nomination_withdraw(actor=personas.pm, nomination=nomination)  # the PM still can


# --- e-mail and calendar ---------------------------------------------------------------------


def parse_ics(message) -> Calendar:
    for name, content, _mimetype in message.attachments:
        if name.endswith(".ics"):
            return Calendar.from_ical(content)
    raise AssertionError("no calendar attachment")


def test_confirmation_carries_an_invitation_and_a_change_sends_an_update(
    event, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        nomination = services.nominate(
            actor=personas.focal_a, event=event, people=rows(personas.learner_a)
        ).created[0]
        services.nominations_decide(
            actor=personas.pm, event=event, nominations=[nomination], decision="approve"
        )
    subjects = [m.subject for m in mail.outbox]
    assert any(s.startswith("[Hifazat] Nominated") for s in subjects)
    confirmed = next(m for m in mail.outbox if "Confirmed" in m.subject)
    calendar = parse_ics(confirmed)
    assert str(calendar["method"]) == "REQUEST"
    (vevent,) = calendar.walk("VEVENT")
    day = event.days.get()
    assert vevent.decoded("dtstart") == day.start_at()
    assert vevent.decoded("dtend") == day.end_at()
    assert str(vevent["summary"]) == event.title
    assert "meet.example.gov.pk" in str(vevent["location"])
    assert str(vevent["attendee"]).lower() == f"mailto:{personas.learner_a.email}"
    uid, sequence = str(vevent["uid"]), int(vevent["sequence"])
    mail.outbox.clear()
    event.refresh_from_db()
    event.joining_link = "https://meet.example.gov.pk/new-room"
    with django_capture_on_commit_callbacks(execute=True):
        services.event_save(
            actor=personas.pm,
            event=event,
            days=[DaySpec(day.date, day.starts, day.ends)],
            quotas={q.organisation: q.seats for q in event.quotas.all()},
            trainers=[],
        )
    (update,) = mail.outbox
    (changed,) = parse_ics(update).walk("VEVENT")
    assert str(changed["uid"]) == uid and int(changed["sequence"]) == sequence + 1
    assert "new-room" in str(changed["location"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.nomination_withdraw(actor=personas.focal_a, nomination=nomination)
    (withdrawn,) = mail.outbox
    assert str(parse_ics(withdrawn)["method"]) == "CANCEL"


# --- attendance and check-in -----------------------------------------------------------------


@pytest.fixture
def today_event(personas, orgs, course, partner):
    now = timezone.localtime()
    start = (now - timedelta(minutes=30)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    if end <= start:  # near midnight: a short day that still contains now
        start, end = (
            datetime.strptime("00:00", "%H:%M").time(),
            datetime.strptime("23:59", "%H:%M").time(),
        )
    event = make_event(
        personas.pm,
        course,
        partner,
        quotas={orgs["min_a"]: 5},
        days=[DaySpec(now.date(), start, end)],
    )
    nomination = services.nominate(
        actor=personas.pm, event=event, people=rows(personas.learner_a)
    ).created[0]
    services.nominations_decide(
        actor=personas.pm, event=event, nominations=[nomination], decision="approve"
    )
    return event


def test_check_in_with_the_current_code_only_for_oneself(today_event, personas, client_as):
    day = today_event.days.get()
    code = checkin.current_code(day)
    url = reverse("events:checkin", args=[day.pk, code])
    # a made-up code shows nothing at all
    forged = reverse("events:checkin", args=[day.pk, f"{checkin.counter()}-0123456789abcdef"])
    assert client_as(personas.outsider).get(forged).status_code == 404
    # someone without a seat cannot check in, and cannot check in anyone else
    bystander = client_as(personas.outsider)
    response = bystander.post(url, {"person": personas.learner_a.pk})
    assert response.status_code == 400 and "not a confirmed participant" in response.text
    assert not Attendance.objects.exists()
    learner = client_as(personas.learner_a)
    assert (
        learner.get(url).status_code == 200 and not Attendance.objects.exists()
    )  # GET changes nothing
    assert learner.post(url).status_code == 200
    record = Attendance.objects.get()
    assert record.nomination.person == personas.learner_a and record.method == "qr"
    assert record.status == Attendance.Status.LATE  # 30 minutes after the start
    assert learner.post(url).status_code == 200 and Attendance.objects.count() == 1


def test_expired_wrong_event_and_yesterdays_codes_are_refused(
    today_event, personas, course, partner, orgs
):
    day = today_event.days.get()
    old = checkin.code_for(day, checkin.counter() - 3)
    assert "expired" in checkin.verify(day, old)
    other = make_event(
        personas.pm,
        course,
        partner,
        open_to_all=True,
        days=[DaySpec(day.date, day.starts, day.ends)],
        title="Other",
    )
    other_code = checkin.current_code(other.days.get())
    assert "not for this event" in checkin.verify(day, other_code)
    forged = f"{checkin.counter()}-0000000000000000"
    assert "not for this event" in checkin.verify(day, forged)
    assert not checkin.authentic(day, forged) and not checkin.authentic(day, other_code)
    assert "not a check-in code" in checkin.verify(day, "garbage")
    yesterday = EventDay.objects.create(
        event=today_event, date=day.date - timedelta(days=1), starts=day.starts, ends=day.ends
    )
    photo = checkin.code_for(yesterday, checkin.counter())
    assert "another day" in checkin.verify(yesterday, photo)
    with pytest.raises(ValidationError):
        services.check_in(actor=personas.learner_a, day=day, code=old)
    # a code from the previous minute is still fine (time to scan), not one from the future
    assert checkin.verify(day, checkin.code_for(day, checkin.counter() - 1)) is None
    assert "expired" in checkin.verify(day, checkin.code_for(day, checkin.counter() + 1))
    assert checkin.verify(day, checkin.current_code(day), now=time.time() + 2 * checkin.PERIOD)


def test_trainer_roster_and_completion_rule_issue_certificates(
    personas, orgs, course, partner, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    days = [
        DaySpec(
            today - timedelta(days=i),
            datetime.strptime("09:00", "%H:%M").time(),
            datetime.strptime("15:00", "%H:%M").time(),
        )
        for i in (2, 1, 0)
    ]
    event = make_event(
        personas.pm,
        course,
        partner,
        quotas={orgs["min_a"]: 5},
        days=days,
        final_test_required=False,
    )
    trainer = make_person("Tariq Trainer", orgs["min_c"], role=(Role.TRAINER, None))
    event.trainers.add(trainer)
    full, partial = personas.learner_a, make_person("Part Timer", orgs["dep_a"])
    noms = services.nominate(actor=personas.pm, event=event, people=rows(full, partial)).created
    services.nominations_decide(
        actor=personas.pm, event=event, nominations=noms, decision="approve"
    )
    d1, d2, d3 = event.days.order_by("date")
    services.attendance_mark(
        actor=trainer, day=d1, marks={noms[0].pk: "present", noms[1].pk: "present"}
    )
    services.attendance_mark(
        actor=trainer, day=d2, marks={noms[0].pk: "late", noms[1].pk: "partial"}
    )
    services.attendance_mark(
        actor=trainer, day=d3, marks={noms[0].pk: "present", noms[1].pk: "absent"}
    )
    with pytest.raises(PermissionDenied):
        services.attendance_mark(actor=personas.focal_a, day=d1, marks={noms[0].pk: "absent"})
    with django_capture_on_commit_callbacks(execute=True):
        result = services.event_complete(actor=personas.pm, event=event)
    assert [n.person for n in result.completed] == [full]
    assert "50%" in result.not_completed[0][1]  # 1 + 0.5 + 0 of 3 days
    assert Certificate.objects.filter(person=full, course=course).exists()
    assert not Certificate.objects.filter(person=partial).exists()
    assert any("feedback" in m.subject.lower() for m in mail.outbox)


def test_completion_waits_for_the_final_test_when_required(personas, orgs, course, partner):
    today = timezone.localdate()
    event = make_event(
        personas.pm,
        course,
        partner,
        quotas={orgs["min_a"]: 5},
        days=[
            DaySpec(
                today,
                datetime.strptime("00:00", "%H:%M").time(),
                datetime.strptime("00:30", "%H:%M").time(),
            )
        ],
    )
    nomination = services.nominate(
        actor=personas.pm, event=event, people=rows(personas.learner_a)
    ).created[0]
    services.nominations_decide(
        actor=personas.pm, event=event, nominations=[nomination], decision="approve"
    )
    services.attendance_mark(
        actor=personas.pm, day=event.days.get(), marks={nomination.pk: "present"}
    )
    result = services.event_complete(actor=personas.pm, event=event)
    assert result.not_completed[0][1] == "Has not passed the final test."


# --- feedback and exports --------------------------------------------------------------------


def test_feedback_is_anonymous_and_aggregated(today_event, personas, orgs, client_as):
    nomination = Nomination.objects.get(person=personas.learner_a)
    learner = client_as(personas.learner_a)
    assert (
        learner.get(reverse("events:feedback", args=[today_event.pk])).status_code == 404
    )  # not attended yet
    services.attendance_mark(
        actor=personas.pm, day=today_event.days.get(), marks={nomination.pk: "present"}
    )
    response = learner.post(
        reverse("events:feedback", args=[today_event.pk]),
        {
            "content": 5,
            "trainer": 4,
            "arrangements": 3,
            "overall": 4,
            "comment": "Practical examples helped.",
        },
    )
    assert response.status_code == 302
    assert Feedback.objects.get().overall == 4
    page = client_as(personas.pm).get(reverse("events:feedback_results", args=[today_event.pk]))
    assert "Practical examples helped." in page.text and "Amna" not in page.text
    assert (
        client_as(personas.focal_a)
        .get(reverse("events:feedback_results", args=[today_event.pk]))
        .status_code
        == 404
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_exports_are_audited_and_roster_is_for_trainers_and_managers(
    today_event, personas, client_as, fmt
):
    pm = client_as(personas.pm)
    for what in ("roster", "attendance", "nominations"):
        response = pm.get(reverse("events:export", args=[today_event.pk, what, fmt]))
        assert response.status_code == 200, what
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if fmt == "pdf":
            assert body.startswith(b"%PDF")
            from pypdf import PdfReader

            text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
            assert "Amna Learner" in " ".join(text.split())
        elif fmt == "csv":
            assert b"Amna Learner" in body
    assert AuditEvent.objects.filter(action="event.exported").count() == 3
    focal = client_as(personas.focal_a)
    assert (
        focal.get(reverse("events:export", args=[today_event.pk, "roster", fmt])).status_code
        == 404
    )


def test_copy_makes_a_draft_for_the_next_round(event, personas):
    first = event.days.get().date
    copy = services.event_copy(
        actor=personas.pm, event=event, first_date=first + timedelta(days=70)
    )
    assert copy.status == Event.Status.DRAFT and copy.copied_from == event
    assert copy.days.get().date == first + timedelta(days=70)
    assert {(q.organisation_id, q.seats) for q in copy.quotas.all()} == {
        (q.organisation_id, q.seats) for q in event.quotas.all()
    }
    assert copy.nomination_closes - event.nomination_closes == timedelta(days=70)


def test_event_form_names_bad_lines(personas, client_as, course, partner):
    c = client_as(personas.pm)
    now = timezone.localtime()
    response = c.post(
        reverse("events:new"),
        {
            "title": "Round 3",
            "course": course.pk,
            "partner": partner.pk,
            "mode": "online",
            "joining_link": "https://meet.example.gov.pk/r3",
            "capacity": 20,
            "nomination_opens": now.strftime("%Y-%m-%dT%H:%M"),
            "nomination_closes": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "attendance_required": 80,
            "days_text": "2026-12-14 09:30-16:00\n2026-12-15 nine to five",
            "quotas_text": "MINA 5\nNOPE 3",
        },
    )
    assert response.status_code == 200
    assert "Line 2: “2026-12-15 nine to five” is not a date and times" in response.text
    assert "Line 2: there is no organisation with the code NOPE." in response.text
    assert not Event.objects.exists()


# --- concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_for_ten_seats(personas, orgs, course, partner):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    event = make_event(personas.pm, course, partner, capacity=10, open_to_all=True)
    people = [make_person(f"Racer {i}", orgs["dep_a"]) for i in range(20)]
    noms = services.nominate(actor=personas.pm, event=event, people=rows(*people)).created

    def approve(nomination):
        try:
            return services.nominations_decide(
                actor=personas.pm, event=event, nominations=[nomination], decision="approve"
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(approve, noms))
    assert Nomination.objects.filter(event=event, status="approved").count() == 10
    assert Nomination.objects.filter(event=event, status="waitlisted").count() == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_nominations_never_exceed_a_quota(personas, orgs, course, partner):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    event = make_event(personas.pm, course, partner, capacity=50, quotas={orgs["min_a"]: 4})
    people = [make_person(f"Rusher {i}", orgs["dep_a"]) for i in range(12)]

    def nominate(person):
        try:
            return len(
                services.nominate(actor=personas.focal_a, event=event, people=rows(person)).created
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        created = sum(pool.map(nominate, people))
    assert created == 4
    assert Nomination.objects.filter(event=event, quota_organisation=orgs["min_a"]).count() == 4
