"""Who sees which events and nominations. Everything outside a person's reach is 404.

* Programme managers, auditors and platform admins: every event and nomination.
* Trainers: the events they train (their rosters and attendance), nothing else.
* Focal persons and heads: published events open to their organisations, and the
  nominations of people in their subtrees.
* Everyone: the events they are nominated for, and their own nominations.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from hifazat.events.models import Event, Nomination, Quota
from hifazat.orgs import access
from hifazat.orgs.models import Organisation, Person
from hifazat.orgs.roles import ORG_MANAGERS, Role

NATIONAL_EVENT_READERS = (Role.PROGRAMME_MANAGER, Role.AUDITOR, Role.PLATFORM_ADMIN)


def is_programme_manager(user) -> bool:
    return access.has_role(user, Role.PROGRAMME_MANAGER)


def is_national_reader(user) -> bool:
    return access.has_role(user, *NATIONAL_EVENT_READERS)


def managed_orgs(user) -> list[Organisation]:
    """The organisations whose subtrees the user nominates from (focal person, head)."""
    return access.scoped_organisations(user, *ORG_MANAGERS)


def in_subtree(person: Person, orgs: list[Organisation]) -> bool:
    return any(person.org_path.startswith(org.path) for org in orgs)


def _paths_q(orgs: list[Organisation], field: str) -> Q | None:
    if not orgs:
        return None
    return reduce(or_, (Q(**{f"{field}__startswith": org.path}) for org in orgs))


def events_visible_to(user) -> QuerySet[Event]:
    events = Event.objects.all()
    if is_national_reader(user):
        return events
    if not (user and user.is_authenticated):
        return events.none()
    q = Q(trainers=user) | Q(nominations__person=user)
    orgs = managed_orgs(user)
    if orgs:
        # Open to the organisation: no quotas at all, or a quota for the manager's
        # organisation, one above it, or one inside their subtree.
        ancestors = {pk for org in orgs for pk in org.ancestor_ids()} | {o.pk for o in orgs}
        inside = _paths_q(orgs, "quotas__organisation__path")
        q |= Q(status__in=[Event.Status.PUBLISHED, Event.Status.COMPLETED]) & (
            Q(open_to_all=True) | Q(quotas__organisation__in=ancestors) | inside
        )
    return events.filter(pk__in=Event.objects.filter(q).values("pk"))


def get_event_for_user(user, pk) -> Event:
    try:
        return (
            events_visible_to(user)
            .select_related("course", "partner", "venue", "created_by")
            .get(pk=pk)
        )
    except (Event.DoesNotExist, ValueError, TypeError):
        raise Http404


def is_trainer(user, event: Event) -> bool:
    return event.trainers.filter(pk=user.pk).exists()


def nominations_visible_to(user, event: Event | None = None) -> QuerySet[Nomination]:
    nominations = Nomination.objects.all()
    if event is not None:
        nominations = nominations.filter(event=event)
    if is_national_reader(user):
        return nominations
    q = Q(person=user) | Q(event__trainers=user, status__in=Nomination.SEATED)
    subtree = _paths_q(managed_orgs(user), "person__org_path")
    if subtree is not None:
        q |= subtree
    return nominations.filter(pk__in=Nomination.objects.filter(q).values("pk"))


def get_nomination_for_user(user, pk) -> Nomination:
    try:
        return (
            nominations_visible_to(user)
            .select_related("event", "person", "person__organisation")
            .get(pk=pk)
        )
    except (Nomination.DoesNotExist, ValueError, TypeError):
        raise Http404


def quota_for(event: Event, person: Person, quotas: list[Quota] | None = None) -> Quota | None:
    """The quota a nominee counts against: the nearest organisation above them (or their own)
    that has seats in the event."""
    best = None
    if quotas is None:
        quotas = list(event.quotas.select_related("organisation"))
    for quota in quotas:
        path = quota.organisation.path
        if person.org_path.startswith(path) and (
            best is None or len(path) > len(best.organisation.path)
        ):
            best = quota
    return best


def quota_usage(event: Event, orgs: list[Organisation] | None = None) -> list[dict]:
    """Each quota with the places its organisation has used (active nominations)."""
    quotas = list(event.quotas.select_related("organisation"))
    if orgs is not None:
        ancestors = {pk for org in orgs for pk in org.ancestor_ids()} | {o.pk for o in orgs}
        quotas = [
            q
            for q in quotas
            if q.organisation_id in ancestors
            or any(q.organisation.path.startswith(o.path) for o in orgs)
        ]
    used = dict(
        Nomination.objects.filter(event=event, status__in=Nomination.ACTIVE)
        .values("quota_organisation")
        .annotate(n=Count("id"))
        .values_list("quota_organisation", "n")
    )
    return [
        {
            "quota": q,
            "organisation": q.organisation,
            "seats": q.seats,
            "used": used.get(q.organisation_id, 0),
        }
        for q in quotas
    ]


def seats_taken(event: Event) -> int:
    return Nomination.objects.filter(event=event, status__in=Nomination.SEATED).count()


def can_see_roster(user, event: Event) -> bool:
    return is_national_reader(user) or is_trainer(user, event)
