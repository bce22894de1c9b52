"""Who sees which lab results. A learner sees their own case only (URLs never name another's);
trainers see the participants of their events, focal persons and heads their subtree, programme
managers, auditors and platform admins everyone. Outside that: 404."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404

from hifazat.labs.models import Lab, LabAttempt
from hifazat.orgs import access
from hifazat.orgs.models import Organisation
from hifazat.orgs.roles import Role

NATIONAL = (Role.PROGRAMME_MANAGER, Role.AUDITOR, Role.PLATFORM_ADMIN)
REVIEWERS = (*NATIONAL, Role.TRAINER, Role.FOCAL_PERSON, Role.HEAD)


_definitions: dict[str, dict] = {}  # by digest: a lab's definition changes only with it


def with_definition(lab: Lab) -> Lab:
    """The lab with its definition (tens of kilobytes of JSON), decoded once per process."""
    if lab.digest not in _definitions:
        _definitions[lab.digest] = Lab.objects.values_list("definition", flat=True).get(pk=lab.pk)
    lab.definition = _definitions[lab.digest]
    return lab


def active_labs() -> list[Lab]:
    return [with_definition(lab) for lab in Lab.objects.filter(active=True).defer("definition")]


def get_lab(slug: str) -> Lab:
    lab = Lab.objects.filter(slug=slug, active=True).defer("definition").first()
    if lab is None:
        raise Http404
    return with_definition(lab)


def attempts_visible_to(user) -> QuerySet[LabAttempt]:
    """Other people's attempts a reviewer may see (never empty for themselves)."""
    qs = LabAttempt.objects.all()
    if access.has_role(user, *NATIONAL) or access.has_national_role(user, Role.TRAINER):
        return qs
    q = Q(person=user) | Q(event__trainers=user)
    orgs = access.scoped_organisations(user, Role.FOCAL_PERSON, Role.HEAD, Role.TRAINER)
    if orgs:
        q |= reduce(or_, (Q(person__org_path__startswith=o.path) for o in orgs))
    return qs.filter(pk__in=LabAttempt.objects.filter(q).values("pk"))


def ministry_of(person) -> Organisation | None:
    """The top of the person's organisation tree: their organisation's scoreboard."""
    if person.organisation_id is None:
        return None
    top = person.organisation.path.strip("/").split("/")[0]
    return Organisation.objects.filter(pk=int(top)).first()


def can_see_event_board(user, event) -> bool:
    """A training event's scoreboard: its seated participants, trainers and national roles."""
    from hifazat.events.models import Nomination

    return (
        Nomination.objects.filter(event=event, person=user, status__in=Nomination.SEATED).exists()
        or event.trainers.filter(pk=user.pk).exists()
        or access.has_role(user, *NATIONAL)
    )
