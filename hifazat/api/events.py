"""API for training events: the events a token's person can see, their nominations within
scope, nominating and withdrawing (write tokens), and attendance for trainers and managers."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from hifazat.api.auth import require_write
from hifazat.api.pagination import Page
from hifazat.api.schemas import ErrorOut
from hifazat.events import selectors, services
from hifazat.events.models import Attendance, Event, Nomination
from hifazat.orgs.models import Person

router = Router(tags=["events"])
COMMON = {400: dict, 401: ErrorOut, 422: dict}


class DayOut(Schema):
    id: int
    date: date
    starts: time
    ends: time


class QuotaOut(Schema):
    organisation: str
    seats: int
    used: int


class EventOut(Schema):
    id: int
    title: str
    course: str
    partner: str
    mode: str
    status: str
    venue: str | None
    capacity: int
    seats_taken: int
    open_to_all: bool
    nomination_opens: datetime
    nomination_closes: datetime
    nominations_open: bool
    days: list[DayOut]


class EventDetailOut(EventOut):
    quotas: list[QuotaOut]
    attendance_required: int
    final_test_required: bool


class NomineeOut(Schema):
    id: int
    employee_number: str
    full_name: str
    organisation: str


class NominationOut(Schema):
    id: int
    event: int
    person: NomineeOut
    status: str
    reason: str
    created_at: datetime


class NominateIn(Schema):
    people: list[str] = Field(
        ..., min_length=1, max_length=500, description="Employee numbers or e-mails"
    )
    all_or_nothing: bool = Field(
        False, description="Nominate nobody unless every listed person can be nominated"
    )


class RefusedOut(Schema):
    row: int
    key: str
    reason: str


class NominateOut(Schema):
    created: list[NominationOut]
    refused: list[RefusedOut]


class WithdrawIn(Schema):
    reason: str = Field("", max_length=300)


class MarkOut(Schema):
    nomination: int
    employee_number: str
    day: date
    status: str
    method: str


def _event_out(event: Event, seats: int) -> dict:
    return {
        "id": event.pk,
        "title": event.title,
        "course": event.course.slug,
        "partner": event.partner.code,
        "mode": event.mode,
        "status": event.status,
        "venue": str(event.venue) if event.venue_id else None,
        "capacity": event.capacity,
        "seats_taken": seats,
        "open_to_all": event.open_to_all,
        "nomination_opens": event.nomination_opens,
        "nomination_closes": event.nomination_closes,
        "nominations_open": event.nominations_open,
        "days": [
            {"id": d.pk, "date": d.date, "starts": d.starts, "ends": d.ends}
            for d in event.days.all()
        ],
    }


def _nomination_out(n: Nomination) -> dict:
    return {
        "id": n.pk,
        "event": n.event_id,
        "person": {
            "id": n.person_id,
            "employee_number": n.person.employee_number,
            "full_name": n.person.full_name,
            "organisation": n.person.organisation.code,
        },
        "status": n.status,
        "reason": n.reason,
        "created_at": n.created_at,
    }


def _event(request, event_id: int) -> Event:
    return selectors.get_event_for_user(request.user, event_id)


@router.get("", response={200: list[EventOut], **COMMON})
@paginate(Page)
def list_events(request, status: str = ""):
    """Events the token's person can see (programme managers and auditors: all)."""
    from django.db.models import Count

    events = (
        selectors.events_visible_to(request.user)
        .select_related("course", "partner", "venue")
        .prefetch_related("days")
        .annotate(seated=Count("nominations", filter=Q(nominations__status__in=Nomination.SEATED)))
        .order_by("-nomination_opens", "pk")
    )
    if status:
        events = events.filter(status=status)
    return [_event_out(e, e.seated) for e in events]


@router.get("/{int:event_id}", response={200: EventDetailOut, 404: ErrorOut, **COMMON})
def get_event(request, event_id: int):
    try:
        event = _event(request, event_id)
    except Http404:
        return Status(404, {"detail": "Not found."})
    national = selectors.is_national_reader(request.user)
    quotas = selectors.quota_usage(
        event, None if national else selectors.managed_orgs(request.user)
    )
    return {
        **_event_out(event, selectors.seats_taken(event)),
        "quotas": [
            {"organisation": q["organisation"].code, "seats": q["seats"], "used": q["used"]}
            for q in quotas
        ],
        "attendance_required": event.attendance_required,
        "final_test_required": event.final_test_required,
    }


@router.get(
    "/{int:event_id}/nominations", response={200: list[NominationOut], 404: ErrorOut, **COMMON}
)
@paginate(Page)
def list_nominations(request, event_id: int, status: str = ""):
    """Nominations within the person's reach: their subtree (focal person, head), all
    (programme manager, auditor), the confirmed roster (trainer), or their own."""
    event = _event(request, event_id)
    nominations = (
        selectors.nominations_visible_to(request.user, event)
        .select_related("person__organisation")
        .order_by("created_at", "pk")
    )
    if status:
        nominations = nominations.filter(status=status)
    return [_nomination_out(n) for n in nominations]


@router.post(
    "/{int:event_id}/nominations",
    response={200: NominateOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON},
)
def nominate(request, event_id: int, payload: NominateIn):
    """Nominate people by employee number or e-mail. Each refused row is returned with the
    reason (not in your organisations, not eligible, already nominated, quota full)."""
    require_write(request)
    if not selectors.managed_orgs(request.user) and not selectors.is_programme_manager(
        request.user
    ):
        return Status(403, {"detail": "Your roles do not allow nominating."})
    try:
        event = _event(request, event_id)
    except Http404:
        return Status(404, {"detail": "Not found."})
    keys = [k.strip() for k in payload.people]
    lowered = {k.lower() for k in keys if k}
    found = {}
    for person in Person.objects.select_related("organisation").filter(
        Q(email__in=lowered) | Q(employee_number__in=set(keys))
    ):
        found[person.email.lower()] = person
        found[person.employee_number.lower()] = person
    rows = [
        (
            str(i),
            found.get(k.lower()),
            None if found.get(k.lower()) else "No such person in your organisations.",
        )
        for i, k in enumerate(keys)
    ]
    try:
        result = services.nominate(
            actor=request.user, event=event, people=rows, all_or_nothing=payload.all_or_nothing
        )
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    return {
        "created": [_nomination_out(n) for n in result.created],
        "refused": [
            {"row": int(label), "key": keys[int(label)], "reason": str(reason)}
            for label, _p, reason in result.refused
        ],
    }


@router.post(
    "/nominations/{int:nomination_id}/withdraw",
    response={200: NominationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON},
)
def withdraw(request, nomination_id: int, payload: WithdrawIn):
    require_write(request)
    try:
        nomination = selectors.get_nomination_for_user(request.user, nomination_id)
    except Http404:
        return Status(404, {"detail": "Not found."})
    try:
        nomination = services.nomination_withdraw(
            actor=request.user, nomination=nomination, reason=payload.reason
        )
    except PermissionDenied:
        return Status(404, {"detail": "Not found."})
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    return _nomination_out(
        Nomination.objects.select_related("person__organisation").get(pk=nomination.pk)
    )


@router.get("/{int:event_id}/attendance", response={200: list[MarkOut], 404: ErrorOut, **COMMON})
@paginate(Page)
def attendance(request, event_id: int):
    """Every attendance mark of the event (trainers of the event and programme managers)."""
    event = _event(request, event_id)
    if not selectors.can_see_roster(request.user, event):
        raise Http404
    marks = (
        Attendance.objects.filter(day__event=event)
        .select_related("day", "nomination__person")
        .order_by("day__date", "nomination__person__full_name", "pk")
    )
    return [
        {
            "nomination": m.nomination_id,
            "employee_number": m.nomination.person.employee_number,
            "day": m.day.date,
            "status": m.status,
            "method": m.method,
        }
        for m in marks
    ]
