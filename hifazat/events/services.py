"""Every write about training events. Each checks permission, writes the audit log in the
same transaction, and queues e-mail only after the transaction commits.

Seats and quotas: any change that can take a seat or a quota place first locks the event row
(``select_for_update``) and counts inside that lock, so concurrent nominations and approvals
queue behind one another instead of overbooking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.audit.services import audit_record
from hifazat.events import checkin, selectors
from hifazat.events.models import Attendance, Event, EventDay, Feedback, Nomination, Quota
from hifazat.learning.models import Course, Enrolment
from hifazat.learning.services import certificate_issue, valid_certificate
from hifazat.orgs import access
from hifazat.orgs.models import Organisation, Person
from hifazat.orgs.roles import Role

LATE_AFTER = timedelta(minutes=15)


def _require_manager(actor) -> None:
    if not selectors.is_programme_manager(actor):
        raise PermissionDenied


def _notify(kind: str, nomination_ids: list[int]) -> None:
    from hifazat.events.tasks import send_nomination_emails

    if nomination_ids:
        transaction.on_commit(
            lambda: send_nomination_emails.enqueue(kind=kind, nomination_ids=nomination_ids)
        )


def _audit(actor, action: str, obj, data: dict | None = None, organisation_id=None) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        organisation_id=organisation_id,
        data=data or {},
    )


# --- events ----------------------------------------------------------------------------------


@dataclass
class DaySpec:
    date: object
    starts: object
    ends: object


def _material(event: Event) -> tuple:
    """What a calendar invitation shows: a change to any of it sends an update."""
    days = tuple((d.date, d.starts, d.ends) for d in event.days.order_by("date"))
    return (event.title, event.mode, event.venue_id, event.joining_link, days)


@transaction.atomic
def event_save(
    *,
    actor,
    event: Event,
    days: list[DaySpec],
    quotas: dict[Organisation, int],
    trainers: list[Person],
) -> Event:
    """Create or change an event with its days, quotas and trainers. A published event whose
    dates, place or link change gets a higher calendar sequence, and its confirmed
    participants an updated invitation."""
    _require_manager(actor)
    if not days:
        raise ValidationError(_("An event needs at least one day."))
    if len({d.date for d in days}) != len(days):
        raise ValidationError(_("Each day of an event is on a different date."))
    for d in days:
        if d.ends <= d.starts:
            raise ValidationError(_("A day ends after it starts (%(date)s).") % {"date": d.date})
    if event.mode != Event.Mode.ONLINE and event.venue_id is None:
        raise ValidationError(_("An in-person or blended event needs a venue."))
    if event.mode != Event.Mode.IN_PERSON and not event.joining_link:
        raise ValidationError(_("An online or blended event needs a joining link."))
    if event.nomination_closes <= event.nomination_opens:
        raise ValidationError(_("The nomination deadline comes after nominations open."))
    if not event.open_to_all and not quotas:
        raise ValidationError(
            _("Give at least one organisation a quota, or open the event to every organisation.")
        )
    creating = event.pk is None
    if creating:
        event.created_by = actor
        before = None
    else:
        locked = Event.objects.select_for_update().get(pk=event.pk)
        before = _material(locked)
        seated = selectors.seats_taken(locked)
        if event.capacity < seated:
            raise ValidationError(
                _("%(n)d people are already confirmed: the event needs at least that many seats.")
                % {"n": seated}
            )
    event.save()
    existing = {d.date: d for d in event.days.all()}
    keep = set()
    for spec in days:
        day = existing.get(spec.date) or EventDay(event=event, date=spec.date)
        day.starts, day.ends = spec.starts, spec.ends
        day.save()
        keep.add(day.pk)
    removed = event.days.exclude(pk__in=keep)
    if removed.filter(attendance__isnull=False).exists():
        raise ValidationError(_("A day with attendance marked cannot be removed."))
    removed.delete()
    wanted = {org.pk: seats for org, seats in quotas.items()} if not event.open_to_all else {}
    event.quotas.exclude(organisation_id__in=wanted).delete()
    for org_id, seats in wanted.items():
        Quota.objects.update_or_create(
            event=event, organisation_id=org_id, defaults={"seats": seats}
        )
    event.trainers.set(trainers)
    changed = not creating and before != _material(event)
    if changed and event.status == Event.Status.PUBLISHED:
        Event.objects.filter(pk=event.pk).update(sequence=event.sequence + 1)
        event.sequence += 1
        _notify(
            "updated",
            list(
                event.nominations.filter(status=Nomination.Status.APPROVED).values_list(
                    "pk", flat=True
                )
            ),
        )
    _audit(
        actor,
        "event.created" if creating else "event.changed",
        event,
        {
            "title": event.title,
            "capacity": event.capacity,
            "days": [str(d.date) for d in days],
            "quotas": {str(k): v for k, v in wanted.items()},
            "sequence": event.sequence,
        },
    )
    return event


@transaction.atomic
def event_publish(*, actor, event: Event) -> Event:
    _require_manager(actor)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    if not event.days.exists():
        raise ValidationError(_("An event needs at least one day."))
    event.status = Event.Status.PUBLISHED
    event.save(update_fields=["status"])
    _audit(actor, "event.published", event)
    return event


@transaction.atomic
def event_cancel(*, actor, event: Event, reason: str) -> Event:
    _require_manager(actor)
    if not reason.strip():
        raise ValidationError(_("Give a reason: it goes to everyone nominated."))
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status in (Event.Status.CANCELLED, Event.Status.COMPLETED):
        raise ValidationError(
            _("This event is already %(status)s.") % {"status": event.get_status_display()}
        )
    confirmed = list(
        event.nominations.filter(status=Nomination.Status.APPROVED).values_list("pk", flat=True)
    )
    others = list(
        event.nominations.filter(
            status__in=[
                Nomination.Status.PENDING_HEAD,
                Nomination.Status.PENDING,
                Nomination.Status.WAITLISTED,
            ]
        ).values_list("pk", flat=True)
    )
    event.status = Event.Status.CANCELLED
    event.sequence += 1
    event.save(update_fields=["status", "sequence"])
    Nomination.objects.filter(pk__in=confirmed + others).update(
        status=Nomination.Status.WITHDRAWN, withdrawn_at=timezone.now(), reason=reason[:300]
    )
    _notify("cancelled", confirmed + others)
    _audit(
        actor, "event.cancelled", event, {"reason": reason, "nominations": len(confirmed + others)}
    )
    return event


@transaction.atomic
def event_copy(*, actor, event: Event, first_date) -> Event:
    """A draft for the next round: same course, partner, venue, quotas and trainers; the days
    moved so the first falls on ``first_date``; the nomination window moved with them."""
    _require_manager(actor)
    days = list(event.days.all())
    shift = first_date - days[0].date if days else timedelta(0)
    copy = Event.objects.create(
        title=event.title,
        course=event.course,
        partner=event.partner,
        mode=event.mode,
        venue=event.venue,
        joining_link=event.joining_link,
        description=event.description,
        capacity=event.capacity,
        open_to_all=event.open_to_all,
        nomination_opens=event.nomination_opens + shift,
        nomination_closes=event.nomination_closes + shift,
        attendance_required=event.attendance_required,
        final_test_required=event.final_test_required,
        copied_from=event,
        created_by=actor,
    )
    EventDay.objects.bulk_create(
        [EventDay(event=copy, date=d.date + shift, starts=d.starts, ends=d.ends) for d in days]
    )
    Quota.objects.bulk_create(
        [
            Quota(event=copy, organisation_id=q.organisation_id, seats=q.seats)
            for q in event.quotas.all()
        ]
    )
    copy.trainers.set(event.trainers.all())
    _audit(actor, "event.copied", copy, {"from": event.pk, "shift_days": shift.days})
    return copy


@transaction.atomic
def register_save(*, actor, obj, action: str):
    """A partner or a venue (the programme manager's registers)."""
    _require_manager(actor)
    obj.save()
    _audit(actor, action, obj, {"name": str(obj)})
    return obj


# --- nominations -----------------------------------------------------------------------------


def can_nominate(actor, person: Person) -> bool:
    if selectors.is_programme_manager(actor):
        return True
    return selectors.in_subtree(person, selectors.managed_orgs(actor))


def _person_problem(
    event: Event, person: Person, *, live: set[int], certified: set[int]
) -> str | None:
    """Why ``person`` cannot be nominated to ``event`` (None when they can), quota aside."""
    course = event.course
    if not person.is_active:
        return _("This person's account is switched off.")
    if course.audience == Course.Audience.IT_ADMIN and person.track != Person.Track.IT_ADMIN:
        return _("This course is for IT administrators; this person is not on that track.")
    if person.pk in live:
        return _("Already nominated for this event.")
    if person.pk in certified:
        return _("Already holds a valid certificate for this course.")
    if course.prerequisite_id and not valid_certificate(person, course.prerequisite):
        return _("Needs a valid certificate for “%(course)s” first.") % {
            "course": course.prerequisite.title
        }
    return None


def _head_approval_needed(person: Person) -> bool:
    ids = [int(p) for p in person.org_path.strip("/").split("/") if p]
    return Organisation.objects.filter(pk__in=ids, requires_head_approval=True).exists()


@dataclass
class NominationResult:
    created: list[Nomination] = field(default_factory=list)
    # (row label, person or None, reason) for each refused row
    refused: list[tuple[str, Person | None, str]] = field(default_factory=list)


@transaction.atomic
def nominate(
    *,
    actor,
    event: Event,
    people: list[tuple[str, Person | None, str | None]],
    all_or_nothing: bool = False,
) -> NominationResult:
    """Nominate people: each row is (label, person or None, a problem found while reading it).

    Every row is checked — reach, eligibility, quota — and the reason given per row. With
    ``all_or_nothing`` (a CSV upload) a single bad row means nothing is nominated."""
    event = Event.objects.select_for_update().select_related("course").get(pk=event.pk)
    manager = selectors.is_programme_manager(actor)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Nominations are taken only for published events."))
    now = timezone.now()
    if not manager and not (event.nomination_opens <= now < event.nomination_closes):
        raise ValidationError(_("Nominations for this event are closed."))
    person_ids = [p.pk for _label, p, _problem in people if p is not None]
    live = set(
        Nomination.objects.filter(
            event=event, person_id__in=person_ids, status__in=Nomination.ACTIVE
        ).values_list("person_id", flat=True)
    )
    certified = set(valid_certificate_holders(event.course, person_ids))
    used = {}
    quotas = list(event.quotas.select_related("organisation"))
    for quota_org, n in (
        Nomination.objects.filter(event=event, status__in=Nomination.ACTIVE)
        .values_list("quota_organisation")
        .annotate(n=Count("id"))
    ):
        used[quota_org] = n
    result = NominationResult()
    planned: list[tuple[Person, int | None]] = []
    seen: set[int] = set()
    for label, person, problem in people:
        if problem is None and person is not None and not can_nominate(actor, person):
            # Someone outside the actor's reach is reported like an unknown one.
            person, problem = None, _("No such person in your organisations.")
        if problem is None and person is not None:
            if person.pk in seen:
                problem = _("Listed twice.")
            else:
                problem = _person_problem(event, person, live=live, certified=certified)
        quota_org = None
        if problem is None and person is not None and not event.open_to_all:
            quota = selectors.quota_for(event, person, quotas)
            if quota is None:
                problem = _("%(org)s has no seats in this event.") % {
                    "org": person.organisation.name
                }
            else:
                quota_org = quota.organisation_id
                if used.get(quota_org, 0) >= quota.seats:
                    problem = _("The quota of %(org)s (%(n)d seats) is full.") % {
                        "org": quota.organisation.name,
                        "n": quota.seats,
                    }
        if problem is not None or person is None:
            result.refused.append((label, person, problem or _("Unknown person.")))
            continue
        seen.add(person.pk)
        used[quota_org] = used.get(quota_org, 0) + 1
        planned.append((person, quota_org))
    if all_or_nothing and result.refused:
        return NominationResult(created=[], refused=result.refused)
    for person, quota_org in planned:
        status = (
            Nomination.Status.PENDING_HEAD
            if _head_approval_needed(person)
            else Nomination.Status.PENDING
        )
        nomination = Nomination.objects.create(
            event=event,
            person=person,
            quota_organisation_id=quota_org,
            nominated_by=actor,
            status=status,
        )
        result.created.append(nomination)
        _audit(
            actor,
            "nomination.created",
            nomination,
            {"event": event.pk, "person": person.pk, "status": status},
            organisation_id=person.organisation_id,
        )
    _notify("nominated", [n.pk for n in result.created])
    return result


def valid_certificate_holders(course: Course, person_ids: list[int]) -> list[int]:
    from hifazat.learning.models import Certificate

    return list(
        Certificate.objects.filter(
            course=course,
            person_id__in=person_ids,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).values_list("person_id", flat=True)
    )


def can_withdraw(actor, nomination: Nomination) -> bool:
    if selectors.is_programme_manager(actor):
        return True
    if timezone.now() >= nomination.event.nomination_closes:
        return False
    return nomination.person_id == actor.pk or can_nominate(actor, nomination.person)


@transaction.atomic
def nomination_withdraw(*, actor, nomination: Nomination, reason: str = "") -> Nomination:
    event = Event.objects.select_for_update().get(pk=nomination.event_id)
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    nomination.event = event
    if not can_withdraw(actor, nomination):
        if timezone.now() >= event.nomination_closes:
            raise ValidationError(
                _("The nomination deadline has passed: ask the programme manager.")
            )
        raise PermissionDenied
    if nomination.status not in (
        Nomination.Status.PENDING_HEAD,
        Nomination.Status.PENDING,
        Nomination.Status.APPROVED,
        Nomination.Status.WAITLISTED,
    ):
        raise ValidationError(_("This nomination cannot be withdrawn now."))
    was_seated = nomination.status == Nomination.Status.APPROVED
    nomination.status = Nomination.Status.WITHDRAWN
    nomination.withdrawn_at = timezone.now()
    nomination.reason = reason[:300]
    nomination.save(update_fields=["status", "withdrawn_at", "reason"])
    _audit(
        actor,
        "nomination.withdrawn",
        nomination,
        {"event": event.pk, "person": nomination.person_id, "was_confirmed": was_seated},
        organisation_id=nomination.person.organisation_id,
    )
    _notify("withdrawn", [nomination.pk])
    if was_seated:
        _promote_waitlist(actor, event)
    return nomination


def can_head_approve(actor, nomination: Nomination) -> bool:
    heads = access.scoped_organisations(actor, Role.HEAD)
    return selectors.in_subtree(nomination.person, heads)


@transaction.atomic
def nominations_head_approve(*, actor, nominations: list[Nomination]) -> int:
    approved, ids = 0, []
    for nomination in (
        Nomination.objects.select_for_update()
        .filter(pk__in=[n.pk for n in nominations], status=Nomination.Status.PENDING_HEAD)
        .select_related("person")
    ):
        if not can_head_approve(actor, nomination):
            raise PermissionDenied
        nomination.status = Nomination.Status.PENDING
        nomination.head_approved_by = actor
        nomination.head_approved_at = timezone.now()
        nomination.save(update_fields=["status", "head_approved_by", "head_approved_at"])
        _audit(
            actor,
            "nomination.head_approved",
            nomination,
            {"event": nomination.event_id, "person": nomination.person_id},
            organisation_id=nomination.person.organisation_id,
        )
        approved += 1
        ids.append(nomination.pk)
    _notify("head_approved", ids)
    return approved


def _seat(nomination: Nomination, actor) -> None:
    """Confirm a nomination: a seat, and an enrolment in the course for the pre-test and
    lessons (the person's current one if they have it)."""
    enrolment = Enrolment.objects.filter(
        person=nomination.person, course=nomination.event.course, status=Enrolment.Status.ACTIVE
    ).first()
    if enrolment is None and nomination.event.course.current_version_id:
        enrolment = Enrolment.objects.create(
            person=nomination.person,
            course=nomination.event.course,
            version=nomination.event.course.current_version,
            source=Enrolment.Source.NOMINATED,
            assigned_by=actor,
            due_date=nomination.event.days.order_by("-date")
            .values_list("date", flat=True)
            .first(),
        )
    nomination.status = Nomination.Status.APPROVED
    nomination.enrolment = enrolment
    nomination.decided_by = actor
    nomination.decided_at = timezone.now()


@dataclass
class Decision:
    approved: list[Nomination] = field(default_factory=list)
    waitlisted: list[Nomination] = field(default_factory=list)
    rejected: list[Nomination] = field(default_factory=list)
    skipped: list[tuple[Nomination, str]] = field(default_factory=list)


@transaction.atomic
def nominations_decide(
    *, actor, event: Event, nominations: list[Nomination], decision: str, reason: str = ""
) -> Decision:
    """The programme manager approves, waitlists or rejects, in the order given. An approval
    when every seat is taken puts the person on the waitlist instead (and says so)."""
    _require_manager(actor)
    if decision not in ("approve", "waitlist", "reject"):
        raise ValidationError(_("Unknown decision."))
    if decision == "reject" and not reason.strip():
        raise ValidationError(
            _("Give a reason for a rejection: the nominee and their focal person see it.")
        )
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Decisions are made on published events."))
    ids = [n.pk for n in nominations]
    locked = {
        n.pk: n
        for n in Nomination.objects.select_for_update()
        .filter(pk__in=ids, event=event)
        .select_related("person", "event__course")
    }
    taken = selectors.seats_taken(event)
    result = Decision()
    freed = False
    now = timezone.now()
    for pk in ids:
        nomination = locked.get(pk)
        if nomination is None:
            continue
        if nomination.status == Nomination.Status.PENDING_HEAD:
            result.skipped.append((nomination, _("Waiting for the head's approval.")))
            continue
        if nomination.status not in (
            Nomination.Status.PENDING,
            Nomination.Status.WAITLISTED,
            Nomination.Status.APPROVED,
        ):
            result.skipped.append((nomination, nomination.get_status_display()))
            continue
        previous = nomination.status
        if decision == "approve":
            if previous == Nomination.Status.APPROVED:
                result.skipped.append((nomination, _("Already confirmed.")))
                continue
            if taken < event.capacity:
                _seat(nomination, actor)
                taken += 1
                result.approved.append(nomination)
            elif previous == Nomination.Status.WAITLISTED:
                result.skipped.append((nomination, _("No seat is free: stays on the waitlist.")))
                continue
            else:
                nomination.status = Nomination.Status.WAITLISTED
                nomination.waitlisted_at = now
                result.waitlisted.append(nomination)
        elif decision == "waitlist":
            if previous == Nomination.Status.WAITLISTED:
                result.skipped.append((nomination, _("Already on the waitlist.")))
                continue
            if previous == Nomination.Status.APPROVED:
                taken -= 1
                freed = True
            nomination.status = Nomination.Status.WAITLISTED
            nomination.waitlisted_at = now
            result.waitlisted.append(nomination)
        else:
            if previous == Nomination.Status.APPROVED:
                taken -= 1
                freed = True
            nomination.status = Nomination.Status.REJECTED
            nomination.reason = reason[:300]
            result.rejected.append(nomination)
        nomination.decided_by, nomination.decided_at = actor, now
        nomination.save()
        _audit(
            actor,
            f"nomination.{nomination.status}",
            nomination,
            {
                "event": event.pk,
                "person": nomination.person_id,
                "from": previous,
                "reason": reason,
            },
            organisation_id=nomination.person.organisation_id,
        )
    _notify("approved", [n.pk for n in result.approved])
    _notify("waitlisted", [n.pk for n in result.waitlisted])
    _notify("rejected", [n.pk for n in result.rejected])
    if freed:
        _promote_waitlist(actor, event, exclude={n.pk for n in result.waitlisted})
    return result


def _promote_waitlist(actor, event: Event, exclude: set[int] = frozenset()) -> list[Nomination]:
    """Fill free seats from the waitlist, first come first served (inside the event lock)."""
    free = event.capacity - selectors.seats_taken(event)
    promoted = []
    if free <= 0:
        return promoted
    for nomination in (
        Nomination.objects.select_for_update()
        .filter(event=event, status=Nomination.Status.WAITLISTED)
        .exclude(pk__in=exclude)
        .select_related("person", "event__course")
        .order_by("waitlisted_at", "pk")[:free]
    ):
        _seat(nomination, actor)
        nomination.save()
        promoted.append(nomination)
        _audit(
            actor,
            "nomination.promoted",
            nomination,
            {"event": event.pk, "person": nomination.person_id},
            organisation_id=nomination.person.organisation_id,
        )
    _notify("approved", [n.pk for n in promoted])
    return promoted


# --- attendance ------------------------------------------------------------------------------


def can_mark_attendance(actor, event: Event) -> bool:
    return selectors.is_programme_manager(actor) or selectors.is_trainer(actor, event)


@transaction.atomic
def attendance_mark(*, actor, day: EventDay, marks: dict[int, str]) -> int:
    """The trainer's roster for one day: {nomination id: status}."""
    if not can_mark_attendance(actor, day.event):
        raise PermissionDenied
    valid = set(Attendance.Status.values)
    seated = {
        n.pk: n for n in Nomination.objects.filter(event=day.event, status__in=Nomination.SEATED)
    }
    changed = 0
    for nomination_id, status in marks.items():
        if status not in valid:
            raise ValidationError(_("Unknown attendance mark: %(s)s") % {"s": status})
        if nomination_id not in seated:
            raise ValidationError(_("Only confirmed participants are on the roster."))
        record, created = Attendance.objects.update_or_create(
            day=day,
            nomination_id=nomination_id,
            defaults={
                "status": status,
                "method": Attendance.Method.ROSTER,
                "recorded_by": actor,
                "recorded_at": timezone.now(),
            },
        )
        changed += 1
    _audit(
        actor,
        "attendance.marked",
        day.event,
        {"day": str(day.date), "marks": {str(k): v for k, v in marks.items()}},
    )
    return changed


@transaction.atomic
def check_in(*, actor, day: EventDay, code: str) -> Attendance:
    """A participant checks themselves in with the code on the trainer's screen. Only for
    themselves (the actor), only today, only with a code from the last two minutes."""
    problem = checkin.verify(day, code)
    if problem:
        raise ValidationError(problem)
    nomination = Nomination.objects.filter(
        event=day.event, person=actor, status__in=Nomination.SEATED
    ).first()
    if nomination is None:
        raise ValidationError(_("You are not a confirmed participant of this event."))
    existing = Attendance.objects.filter(day=day, nomination=nomination).first()
    if existing:
        return existing
    now = timezone.now()
    status = (
        Attendance.Status.LATE if now > day.start_at() + LATE_AFTER else Attendance.Status.PRESENT
    )
    try:
        with transaction.atomic():
            record = Attendance.objects.create(
                day=day,
                nomination=nomination,
                status=status,
                method=Attendance.Method.QR,
                recorded_by=actor,
            )
    except IntegrityError:  # the same person's second tap, at the same moment: one record
        return Attendance.objects.get(day=day, nomination=nomination)
    _audit(
        actor,
        "attendance.checked_in",
        day.event,
        {"day": str(day.date), "status": status},
        organisation_id=actor.organisation_id,
    )
    return record


# --- completion and feedback -----------------------------------------------------------------


def attendance_ratio(nomination: Nomination, days: int) -> float:
    if not days:
        return 0.0
    return sum(Attendance.WEIGHT[a.status] for a in nomination.attendance.all()) / days


@dataclass
class Completion:
    completed: list[Nomination] = field(default_factory=list)
    not_completed: list[tuple[Nomination, str]] = field(default_factory=list)


@transaction.atomic
def event_complete(*, actor, event: Event) -> Completion:
    """Apply the event's rule to every confirmed participant: enough attendance and, where the
    event asks for it, a passed final test. Completers without a certificate get one."""
    _require_manager(actor)
    event = Event.objects.select_for_update().select_related("course").get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Only a published event can be completed."))
    days = event.days.count()
    last = event.days.order_by("-date").first()
    if last and last.date > timezone.localdate():
        raise ValidationError(_("The event has days still to come."))
    result = Completion()
    now = timezone.now()
    for nomination in (
        event.nominations.filter(status=Nomination.Status.APPROVED)
        .select_related("person", "enrolment")
        .prefetch_related("attendance")
    ):
        ratio = attendance_ratio(nomination, days)
        passed = bool(valid_certificate(nomination.person, event.course))
        reason = ""
        if ratio * 100 + 1e-9 < event.attendance_required:
            reason = _("Attended %(a)d%% of the event; %(r)d%% is needed.") % {
                "a": round(ratio * 100),
                "r": event.attendance_required,
            }
        elif event.final_test_required and not passed:
            reason = _("Has not passed the final test.")
        if reason:
            nomination.status = Nomination.Status.NOT_COMPLETED
            nomination.reason = reason
            result.not_completed.append((nomination, reason))
        else:
            nomination.status = Nomination.Status.COMPLETED
            nomination.completed_at = now
            if not passed and nomination.enrolment is not None:
                certificate_issue(nomination.enrolment)
            result.completed.append(nomination)
        nomination.save(update_fields=["status", "reason", "completed_at"])
    event.status = Event.Status.COMPLETED
    event.completed_at = now
    event.save(update_fields=["status", "completed_at"])
    _audit(
        actor,
        "event.completed",
        event,
        {"completed": len(result.completed), "not_completed": len(result.not_completed)},
    )
    _notify(
        "feedback",
        [n.pk for n in result.completed]
        + [n.pk for n, _r in result.not_completed if n.attendance.exists()],
    )
    return result


def can_give_feedback(actor, nomination: Nomination) -> bool:
    return (
        nomination.person_id == actor.pk
        and nomination.status
        in (
            Nomination.Status.COMPLETED,
            Nomination.Status.NOT_COMPLETED,
            Nomination.Status.APPROVED,
        )
        and nomination.attendance.exists()
    )


@transaction.atomic
def feedback_submit(
    *, actor, nomination: Nomination, ratings: dict[str, int], comment: str
) -> Feedback:
    if not can_give_feedback(actor, nomination):
        raise PermissionDenied
    if Feedback.objects.filter(nomination=nomination).exists():
        raise ValidationError(_("You have already given feedback for this event. Thank you."))
    for name in Feedback.RATINGS:
        value = ratings.get(name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError(_("Each rating is from 1 to 5."))
    feedback = Feedback.objects.create(
        nomination=nomination, comment=comment.strip()[:2000], **ratings
    )
    # The audit log records that feedback was given, not what it said (it is anonymous).
    _audit(actor, "feedback.submitted", nomination.event, {})
    return feedback
