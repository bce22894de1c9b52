"""Every write about learning: enrolments, assignments, progress, certificates."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.audit.services import audit_record
from hifazat.learning.models import Certificate, Course, Enrolment, Lesson, LessonProgress
from hifazat.orgs import access
from hifazat.orgs.models import Person
from hifazat.orgs.roles import Role


def valid_certificate(person, course) -> Certificate | None:
    now = timezone.now()
    return (
        Certificate.objects.filter(
            person=person, course=course, revoked_at__isnull=True, expires_at__gt=now
        )
        .order_by("-expires_at")
        .first()
    )


def _why_not(person: Person, course: Course, *, enrolled: bool, certified: bool) -> str | None:
    """The enrolment rules, given what the database says about this person and course."""
    if course.current_version_id is None:
        return _("This course has no published content yet.")
    if course.audience == Course.Audience.IT_ADMIN and person.track != Person.Track.IT_ADMIN:
        return _("This course is for IT administrators.")
    if course.prerequisite_id and not certified:
        return _("You first need a valid certificate for “%(course)s”.") % {
            "course": course.prerequisite.title
        }
    if enrolled:
        return _("You are already enrolled.")
    return None


def eligibility(person: Person, course: Course) -> str | None:
    """None when ``person`` may enrol in ``course``, else the reason they may not."""
    enrolled = Enrolment.objects.filter(
        person=person, course=course, status=Enrolment.Status.ACTIVE
    ).exists()
    certified = bool(course.prerequisite_id and valid_certificate(person, course.prerequisite))
    return _why_not(person, course, enrolled=enrolled, certified=certified)


@transaction.atomic
def enrolment_self(*, actor: Person, course: Course) -> Enrolment:
    reason = eligibility(actor, course)
    if reason:
        raise ValidationError(reason)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                person=actor, course=course, version=course.current_version
            )
    except IntegrityError:  # a double click: the first enrolment stands
        return Enrolment.objects.get(person=actor, course=course, status=Enrolment.Status.ACTIVE)
    audit_record(
        actor=actor,
        action="enrolment.created",
        obj=enrolment,
        organisation_id=actor.organisation_id,
        data={"course": course.slug, "source": "self"},
    )
    return enrolment


@transaction.atomic
def course_assign(*, actor: Person, course: Course, people, due_date) -> dict:
    """Enrol people (within the actor's reach) with a due date; skip the ineligible, say why."""
    if not access.has_role(
        actor, Role.PROGRAMME_MANAGER, Role.FOCAL_PERSON, Role.HEAD, Role.PLATFORM_ADMIN
    ):
        raise PermissionDenied
    if due_date is not None and due_date < timezone.localdate():
        raise ValidationError(_("The due date is in the past."))
    # The rules for everyone at once: two queries, not two per person (a subtree can be large).
    # ``people`` is a queryset, so these are sub-queries rather than lists of ids (SQLite
    # limits the parameters of one statement).
    enrolled = set(
        Enrolment.objects.filter(
            course=course, status=Enrolment.Status.ACTIVE, person__in=people
        ).values_list("person_id", flat=True)
    )
    certified = set()
    if course.prerequisite_id:
        certified = set(
            Certificate.objects.filter(
                course=course.prerequisite,
                person__in=people,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            ).values_list("person_id", flat=True)
        )
    new, skipped = [], {}
    for person in people.filter(is_active=True).iterator(chunk_size=2000):
        if not access.can_reach_person(actor, person):
            continue
        reason = _why_not(
            person, course, enrolled=person.pk in enrolled, certified=person.pk in certified
        )
        if reason:
            skipped[person.pk] = reason
        else:
            new.append(
                Enrolment(
                    person=person,
                    course=course,
                    version=course.current_version,
                    source=Enrolment.Source.ASSIGNED,
                    assigned_by=actor,
                    due_date=due_date,
                )
            )
    created = [e.pk for e in Enrolment.objects.bulk_create(new, batch_size=2000)]
    audit_record(
        actor=actor,
        action="course.assigned",
        object_type="learning.course",
        object_id=course.pk,
        object_repr=course.title,
        data={"due": str(due_date), "enrolments": created, "skipped": len(skipped)},
    )
    return {"created": len(created), "skipped": skipped}


@transaction.atomic
def lesson_complete(*, actor: Person, enrolment: Enrolment, lesson: Lesson) -> None:
    if enrolment.person_id != actor.pk:
        raise PermissionDenied
    LessonProgress.objects.get_or_create(
        enrolment=enrolment, module_slug=lesson.module.slug, lesson_slug=lesson.slug
    )


def lesson_visit(*, actor: Person, enrolment: Enrolment, lesson: Lesson) -> None:
    """Remember where the learner is, to resume there (not audited: not security-relevant)."""
    if enrolment.person_id == actor.pk and enrolment.last_lesson_id != lesson.pk:
        Enrolment.objects.filter(pk=enrolment.pk).update(last_lesson=lesson)


def certificate_issue(enrolment: Enrolment) -> Certificate:
    """Called inside the passing submission's transaction."""
    version = enrolment.version
    now = timezone.now()
    certificate, _created = Certificate.objects.get_or_create(
        enrolment=enrolment,
        defaults={
            "person": enrolment.person,
            "course": enrolment.course,
            "version": version,
            "full_name": enrolment.person.full_name,
            "issued_at": now,
            "expires_at": now + timedelta(days=round(30.44 * version.validity_months)),
        },
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=Enrolment.Status.COMPLETED, completed_at=now
    )
    audit_record(
        actor=enrolment.person,
        action="certificate.issued",
        obj=certificate,
        organisation_id=enrolment.person.organisation_id,
        data={"course": enrolment.course.slug},
    )
    return certificate


@transaction.atomic
def certificate_revoke(*, actor: Person, certificate: Certificate, reason: str) -> Certificate:
    if not access.has_role(actor, Role.PROGRAMME_MANAGER):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for revoking."))
    if certificate.revoked_at is None:
        certificate.revoked_at, certificate.revoked_by, certificate.revoked_reason = (
            timezone.now(),
            actor,
            reason[:300],
        )
        certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        audit_record(
            actor=actor,
            action="certificate.revoked",
            obj=certificate,
            organisation_id=certificate.person.organisation_id,
            data={"reason": reason[:300]},
        )
    return certificate
