"""Reads about organisations and people, always starting from the access policy's scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from hifazat.orgs import access
from hifazat.orgs.models import Organisation, Person, RoleAssignment
from hifazat.orgs.roles import Role


@dataclass
class OrgNode:
    org: Organisation
    people: int = 0  # active people in this organisation itself
    total: int = 0  # active people in its whole (visible) subtree
    children: list[OrgNode] = field(default_factory=list)


def organisation_tree(user, query: str = "") -> list[OrgNode]:
    """The organisations the user may see, as a forest, with active-people counts.

    With a query, matching organisations are kept together with their ancestors so the
    result still reads as a tree.
    """
    visible = access.organisations_visible_to(user)
    orgs = list(visible.order_by("path"))
    counts = dict(
        Person.objects.filter(is_active=True, organisation__in=visible)
        .values("organisation")
        .annotate(n=Count("id"))
        .values_list("organisation", "n")
    )
    if query:
        q = query.lower()
        matches = [o for o in orgs if q in o.name.lower() or q in o.code.lower() or q in o.name_ur]
        keep_ids = {pk for o in matches for pk in o.ancestor_ids()}
        orgs = [o for o in orgs if o.pk in keep_ids]
    nodes = {o.pk: OrgNode(o, counts.get(o.pk, 0)) for o in orgs}
    roots = []
    for org in orgs:  # ordered by path: parents come before children
        node = nodes[org.pk]
        parent = nodes.get(org.parent_id)
        (parent.children if parent else roots).append(node)
    for node in reversed(list(nodes.values())):
        node.total = node.people + sum(child.total for child in node.children)
    return roots


def organisation_detail(user, org: Organisation) -> dict:
    visible_people = access.people_visible_to(user)
    keyholders = (
        RoleAssignment.objects.current()
        .filter(organisation=org, role__in=[Role.FOCAL_PERSON, Role.HEAD], person__is_active=True)
        .select_related("person")
    )
    return {
        # Counts of what the viewer may see: a focal person of one division, employed in its
        # ministry, does not learn the sizes of sibling divisions through the ministry's page.
        "people_count": visible_people.filter(organisation=org, is_active=True).count(),
        "subtree_count": visible_people.filter(
            org_path__startswith=org.path, is_active=True
        ).count(),
        "focal_persons": [a.person for a in keyholders if a.role == Role.FOCAL_PERSON],
        "heads": [a.person for a in keyholders if a.role == Role.HEAD],
        "children": access.organisations_visible_to(user)
        .filter(parent=org)
        .annotate(n=Count("people", filter=Q(people__is_active=True))),
        "can_list_people": visible_people.filter(org_path__startswith=org.path)
        .exclude(pk=user.pk)
        .exists()
        if access.has_role(user, *access.PEOPLE_READERS.roles)
        else False,
        "ancestors": Organisation.objects.filter(pk__in=org.ancestor_ids())
        .exclude(pk=org.pk)
        .order_by("depth"),
    }


def people_list(
    user, *, query="", org: Organisation | None = None, track="", grade=None, active: str = "1"
) -> QuerySet[Person]:
    qs = access.people_visible_to(user).select_related("organisation")
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if query:
        qs = qs.filter(
            Q(full_name__icontains=query)
            | Q(email__icontains=query)
            | Q(employee_number__iexact=query)
            | Q(designation__icontains=query)
        )
    if track:
        qs = qs.filter(track=track)
    if grade:
        qs = qs.filter(bps_grade=grade)
    if active == "1":
        qs = qs.filter(is_active=True)
    elif active == "0":
        qs = qs.filter(is_active=False)
    return qs.order_by("full_name", "id")
