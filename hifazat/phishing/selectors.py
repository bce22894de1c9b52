"""Who sees which phishing objects. Outside a person's reach everything is 404.

* National campaign operators (no organisation): every campaign, template, page and profile.
* A ministry's operators: their ministry's subtree — its campaigns, its own templates, pages and
  profiles, and the national library (templates, pages and profiles owned by no organisation),
  which they may use but not change. Their audiences are people of their subtree only.
* Platform admins see templates (they sign off impersonation) and campaigns; auditors read
  campaigns. Neither creates or sends anything.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from hifazat.orgs import access
from hifazat.orgs.models import Organisation, Person
from hifazat.orgs.roles import Role
from hifazat.phishing.models import Campaign, EmailTemplate, ReportedMessage, Send, Tally

OPERATOR = Role.CAMPAIGN_OPERATOR
READERS = (Role.PLATFORM_ADMIN, Role.AUDITOR)


def is_national_operator(user) -> bool:
    return access.has_national_role(user, OPERATOR)


def is_operator(user) -> bool:
    return access.has_role(user, OPERATOR)


def operator_orgs(user) -> list[Organisation]:
    return access.scoped_organisations(user, OPERATOR)


def is_national_reader(user) -> bool:
    return is_national_operator(user) or access.has_role(user, *READERS)


def _owned_q(orgs: list[Organisation]) -> Q:
    if not orgs:
        return Q(pk__in=[])
    return reduce(or_, (Q(organisation__path__startswith=o.path) for o in orgs))


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    qs = Campaign.objects.all()
    if is_national_reader(user):
        return qs
    return qs.filter(_owned_q(operator_orgs(user)))


def library_visible_to(user, model) -> QuerySet:
    """Templates, landing pages or sending profiles a person may see and use."""
    qs = model.objects.all()
    if is_national_operator(user) or (
        model is EmailTemplate and access.has_role(user, Role.PLATFORM_ADMIN)
    ):
        return qs
    if not is_operator(user):
        return qs.none()
    return qs.filter(Q(organisation__isnull=True) | _owned_q(operator_orgs(user)))


def can_change(user, obj) -> bool:
    """National operators change anything; a ministry's operators only what their subtree owns."""
    if is_national_operator(user):
        return True
    if obj.organisation_id is None:
        return False
    return any(obj.organisation.path.startswith(o.path) for o in operator_orgs(user))


def get_visible(qs: QuerySet, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404


def owner_choices(user) -> list[Organisation | None]:
    """Who a new object can belong to: national (None) for national operators, else their orgs."""
    return ([None] if is_national_operator(user) else []) + operator_orgs(user)


def people_in_reach(user) -> QuerySet[Person]:
    if is_national_operator(user):
        return Person.objects.all()
    orgs = operator_orgs(user)
    if not orgs:
        return Person.objects.none()
    return Person.objects.filter(reduce(or_, (o.subtree_q("org_") for o in orgs)))


def orgs_in_reach(user) -> QuerySet[Organisation]:
    if is_national_operator(user):
        return Organisation.objects.all()
    orgs = operator_orgs(user)
    if not orgs:
        return Organisation.objects.none()
    return Organisation.objects.filter(reduce(or_, (o.subtree_q() for o in orgs)))


# --- results ---------------------------------------------------------------------------------
# Who sees results: everyone who sees a campaign sees all of it; focal persons, heads and
# ministry operators also see, of any other campaign that reached their subtree, that part.
RESULT_ROLES = (OPERATOR, *READERS, Role.FOCAL_PERSON, Role.HEAD)


def _result_orgs(user) -> list[Organisation]:
    return access.scoped_organisations(user, OPERATOR, Role.FOCAL_PERSON, Role.HEAD)


def subtree_scope(user) -> Q | None:
    """A filter on ``organisation`` for the person's subtrees (None: national reach)."""
    if is_national_reader(user):
        return None
    orgs = _result_orgs(user)
    if not orgs:
        return Q(pk__in=[])
    return reduce(or_, (o.subtree_q("organisation__") for o in orgs))


def result_campaigns(user) -> QuerySet[Campaign]:
    """Launched campaigns whose results (all, or their subtree's part) a person may see."""
    launched = Campaign.objects.filter(launched_at__isnull=False)
    scope = subtree_scope(user)
    if scope is None:
        return launched
    reached = Q(
        Exists(Send.objects.filter(scope, campaign=OuterRef("pk")))
        | Exists(Tally.objects.filter(scope, campaign=OuterRef("pk")))
    )
    return launched.filter(Q(pk__in=campaigns_visible_to(user).values("pk")) | reached)


def result_scope(user, campaign: Campaign) -> Q | None:
    """None when the person sees the whole campaign, else the filter for their part."""
    if is_national_reader(user) or campaigns_visible_to(user).filter(pk=campaign.pk).exists():
        return None
    return subtree_scope(user)


def reported_messages_visible_to(user) -> QuerySet[ReportedMessage]:
    """The reported-mail mailbox: national operators, platform admins and auditors see all;
    a ministry's operators what people of their subtree reported."""
    qs = ReportedMessage.objects.all()
    if is_national_reader(user):
        return qs
    orgs = operator_orgs(user)
    if not orgs:
        return qs.none()
    return qs.filter(reduce(or_, (o.subtree_q("organisation__") for o in orgs)))
