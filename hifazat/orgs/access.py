"""The access policy: the one place that decides who may see or do what.

* Every URL's view carries a :class:`Policy` (``@policy(...)``); the
  :class:`~hifazat.orgs.middleware.AccessPolicyMiddleware` enforces it and refuses any view
  that declares none. A test walks the URL resolver to prove that every route has one.
* Scope is decided here, in querysets (``people_visible_to``, ``organisations_visible_to``);
  views and selectors start from them. Objects outside a person's scope answer 404 through
  the ``get_<thing>_for_user`` helpers, so they cannot be told apart from missing ones.
* Roles are read from the database on every request (cached only on the request's user
  object), so a revoked role or a deactivated person is refused on the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404

from hifazat.orgs.models import Organisation, Person, RoleAssignment
from hifazat.orgs.roles import GRANTABLE_BY, NATIONAL_PEOPLE_READERS, ORG_MANAGERS, Role


@dataclass(frozen=True)
class Policy:
    """What a route demands of whoever asks for it."""

    name: str
    public: bool = False
    # Any one of these roles (national or scoped) admits; empty means any signed-in person.
    roles: frozenset[str] = field(default_factory=frozenset)
    # Reachable before a privileged person has enrolled a second factor (sign-in pages).
    allow_without_mfa: bool = False
    # API routes authenticate themselves and answer 401, not a login redirect.
    api: bool = False

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not (user and user.is_authenticated and user.is_active):
            return False
        return not self.roles or has_role(user, *self.roles)


PUBLIC = Policy("public", public=True, allow_without_mfa=True)
SIGNED_IN = Policy("signed in")
# Open to anyone; what a signed-in person sees depends on them (TLP), so a person with a role
# must have passed the second factor in this session, as on any signed-in page.
OPEN_WITH_SIGN_IN = Policy("public; signed-in people as signed in", public=True)
ACCOUNT = Policy("signed in: own account and sign-in security", allow_without_mfa=True)
# A route that is switched off for everyone (answers 404).
DISABLED = Policy("disabled", roles=frozenset({"-nobody-"}))
# API routes authenticate a personal access token themselves and answer 401 without one.
API_TOKEN = Policy("API: personal access token", api=True, allow_without_mfa=True)
API_PUBLIC = Policy("API: public schema and docs", public=True, api=True, allow_without_mfa=True)


def any_role(*roles: str) -> Policy:
    return Policy("role: " + " | ".join(sorted(roles)), roles=frozenset(roles))


PEOPLE_READERS = any_role(*(NATIONAL_PEOPLE_READERS | ORG_MANAGERS))
PEOPLE_MANAGERS = any_role(Role.PLATFORM_ADMIN, Role.PROGRAMME_MANAGER, *ORG_MANAGERS)
ROLE_GRANTERS = any_role(*GRANTABLE_BY)
AUDIT_READERS = any_role(Role.AUDITOR, Role.PLATFORM_ADMIN)
PLATFORM_ADMINS = any_role(Role.PLATFORM_ADMIN)


def policy(p: Policy):
    """Declare a view's access policy (enforced by AccessPolicyMiddleware)."""

    def decorate(view):
        view.access_policy = p
        return view

    return decorate


# --- roles ---------------------------------------------------------------------------------


def current_assignments(user) -> list[RoleAssignment]:
    """The person's current role assignments, read once per request."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    cached = getattr(user, "_hifazat_assignments", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.current().filter(person=user).select_related("organisation")
        )
        user._hifazat_assignments = cached
    return cached


def forget_assignments(user) -> None:
    user.__dict__.pop("_hifazat_assignments", None)


def has_role(user, *roles: str) -> bool:
    return any(a.role in roles for a in current_assignments(user))


def has_national_role(user, *roles: str) -> bool:
    return any(a.role in roles and a.organisation_id is None for a in current_assignments(user))


def scoped_organisations(user, *roles: str) -> list[Organisation]:
    return [
        a.organisation for a in current_assignments(user) if a.role in roles and a.organisation_id
    ]


def is_privileged(user) -> bool:
    """Every role is privileged: its holder must use a second factor."""
    return bool(current_assignments(user))


def _subtrees_q(orgs: list[Organisation], prefix: str) -> Q | None:
    if not orgs:
        return None
    return reduce(or_, (org.subtree_q(prefix) for org in orgs))


# --- organisations ---------------------------------------------------------------------------


def organisations_visible_to(user) -> QuerySet[Organisation]:
    qs = Organisation.objects.all()
    if has_role(user, *NATIONAL_PEOPLE_READERS):
        return qs
    if not (user and user.is_authenticated):
        return qs.none()
    q = Q(pk=user.organisation_id)
    subtrees = _subtrees_q(scoped_organisations(user, *ORG_MANAGERS), "")
    if subtrees is not None:
        q |= subtrees
    return qs.filter(q)


def get_organisation_for_user(user, code: str) -> Organisation:
    try:
        return organisations_visible_to(user).get(code=code)
    except Organisation.DoesNotExist:
        raise Http404


def managed_organisations(user) -> QuerySet[Organisation]:
    """Organisations whose people the user may change (import, deactivate, grant roles)."""
    if has_role(user, Role.PLATFORM_ADMIN, Role.PROGRAMME_MANAGER):
        return Organisation.objects.all()
    subtrees = _subtrees_q(scoped_organisations(user, *ORG_MANAGERS), "")
    return (
        Organisation.objects.filter(subtrees)
        if subtrees is not None
        else Organisation.objects.none()
    )


# --- people ----------------------------------------------------------------------------------


def people_visible_to(user) -> QuerySet[Person]:
    qs = Person.objects.all()
    if has_role(user, *NATIONAL_PEOPLE_READERS):
        return qs
    if not (user and user.is_authenticated):
        return qs.none()
    subtrees = _subtrees_q(scoped_organisations(user, *ORG_MANAGERS), "org_")
    if subtrees is None:
        return qs.filter(pk=user.pk)
    return qs.filter(subtrees | Q(pk=user.pk))


def get_person_for_user(user, pk: int) -> Person:
    try:
        return people_visible_to(user).select_related("organisation").get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404


def can_manage_person(user, person: Person) -> bool:
    """May ``user`` deactivate, reactivate or change the roles of ``person``?

    Within reach (national, or the organisations they manage), and only people whose own
    roles ``user`` could have granted: a focal person cannot switch off their head, an
    auditor or a platform admin who happens to sit in their division.
    """
    if has_role(user, Role.PLATFORM_ADMIN, Role.PROGRAMME_MANAGER):
        in_reach = True
    else:
        in_reach = any(
            person.org_path.startswith(org.path)
            for org in scoped_organisations(user, *ORG_MANAGERS)
        )
    if not in_reach:
        return False
    held = set(
        RoleAssignment.objects.current().filter(person=person).values_list("role", flat=True)
    )
    return held <= grantable_roles(user)


def can_reach_person(user, person: Person) -> bool:
    """Is ``person`` within the organisations ``user`` manages (national roles: everyone)?"""
    if has_role(user, Role.PLATFORM_ADMIN, Role.PROGRAMME_MANAGER):
        return True
    return any(
        person.org_path.startswith(org.path) for org in scoped_organisations(user, *ORG_MANAGERS)
    )


def grantable_roles(user) -> set[str]:

    roles: set[str] = set()
    for granter, grantable in GRANTABLE_BY.items():
        if has_role(user, granter):
            roles |= grantable
    return roles
