"""Remedial training: a rule enrols people who fell for a simulation in a short course.

Only human clicks and form submissions count (never an opened pixel or a scanner's fetch), a
pseudonymous campaign never enrols anyone (that would name them), and the same rule does not
enrol the same person again within its minimum gap. Each triggering send is decided once —
``RemedialAssignment`` is unique per rule and send — so running the rule twice, or on two
workers at once, enrols nobody twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from hifazat.audit.services import audit_record
from hifazat.learning.models import Enrolment
from hifazat.phishing import selectors
from hifazat.phishing.models import RemedialAssignment, RemedialRule, Send


@dataclass
class Applied:
    enrolled: int = 0
    within_gap: int = 0
    already: int = 0
    people: list[int] = field(default_factory=list)


def triggers(rule: RemedialRule, now) -> Q:
    since = now - timedelta(days=rule.window_days)
    q = Q(pk__in=[])
    if rule.on_human_click:
        q |= Q(human_at__gte=since)
    if rule.on_submit:
        q |= Q(submitted_at__gte=since)
    return q


def candidates(rule: RemedialRule, now):
    """Sends that trigger the rule and that it has not yet decided, oldest first."""
    sends = Send.objects.filter(
        triggers(rule, now),
        person__isnull=False,
        person__is_active=True,
        campaign__pseudonymous=False,
    ).exclude(
        pk__in=RemedialAssignment.objects.filter(rule=rule, send__isnull=False).values("send_id")
    )
    if rule.organisation_id:
        sends = sends.filter(rule.organisation.subtree_q("organisation__"))
    return sends.order_by("person_id", "pk").values_list("pk", "person_id", "campaign_id")


@transaction.atomic
def apply_rule(rule: RemedialRule, now=None) -> Applied:
    now = now or timezone.now()
    rule = RemedialRule.objects.select_for_update().select_related("course").get(pk=rule.pk)
    applied = Applied()
    if not rule.active or rule.course.current_version is None:
        return applied
    rows = list(candidates(rule, now))
    if not rows:
        return applied
    people = {person for _pk, person, _c in rows}
    last = dict(
        RemedialAssignment.objects.filter(
            rule=rule, person_id__in=people, outcome=RemedialAssignment.Outcome.ENROLLED
        )
        .values("person_id")
        .annotate(at=Max("at"))
        .values_list("person_id", "at")
    )
    active = set(
        Enrolment.objects.filter(
            course=rule.course, person_id__in=people, status=Enrolment.Status.ACTIVE
        ).values_list("person_id", flat=True)
    )
    gap = timedelta(days=rule.min_gap_days)
    due = timezone.localdate(now) + timedelta(days=rule.due_days)
    decisions, new = [], []
    for pk, person, campaign_id in rows:
        if person in last and now - last[person] < gap:
            outcome, enrolment = RemedialAssignment.Outcome.WITHIN_GAP, None
            applied.within_gap += 1
        elif person in active:
            outcome, enrolment = RemedialAssignment.Outcome.ALREADY, None
            applied.already += 1
        else:  # inserted below with the others, in one statement per batch
            enrolment = Enrolment(
                person_id=person,
                course=rule.course,
                version=rule.course.current_version,
                source=Enrolment.Source.REMEDIAL,
                due_date=due,
                enrolled_at=now,
            )
            new.append(enrolment)
            outcome = RemedialAssignment.Outcome.ENROLLED
            last[person], applied.enrolled = now, applied.enrolled + 1
            active.add(person)
            applied.people.append(person)
        decisions.append(
            RemedialAssignment(
                rule=rule,
                send_id=pk,
                person_id=person,
                campaign_id=campaign_id,
                outcome=outcome,
                enrolment=enrolment,
                at=now,
            )
        )
    Enrolment.objects.bulk_create(new, batch_size=2000)  # sets their ids (PostgreSQL, SQLite)
    RemedialAssignment.objects.bulk_create(decisions, batch_size=2000)
    audit_record(
        actor=None,
        action="phishing.remedial_applied",
        obj=rule,
        data={
            "enrolled": applied.enrolled,
            "within_gap": applied.within_gap,
            "already": applied.already,
        },
    )
    return applied


def apply_all(now=None) -> dict[int, Applied]:
    return {rule.pk: apply_rule(rule, now) for rule in RemedialRule.objects.filter(active=True)}


def rule_save(*, actor, rule: RemedialRule) -> RemedialRule:
    """Create or change a rule: national rules by national operators, a ministry's by its
    operators (the owner must be within their reach)."""
    if not selectors.is_operator(actor):
        raise PermissionDenied
    if rule.organisation_id is None and not selectors.is_national_operator(actor):
        raise PermissionDenied
    if rule.organisation_id is not None and not selectors.can_change(actor, rule):
        raise PermissionDenied
    created = rule.pk is None
    if created:
        rule.created_by = actor
    with transaction.atomic():
        rule.save()
        audit_record(
            actor=actor,
            action="phishing.remedial_rule_created"
            if created
            else "phishing.remedial_rule_changed",
            obj=rule,
            data={
                "course": rule.course_id,
                "active": rule.active,
                "window_days": rule.window_days,
                "min_gap_days": rule.min_gap_days,
                "on_human_click": rule.on_human_click,
                "on_submit": rule.on_submit,
            },
        )
    return rule
