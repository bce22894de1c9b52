"""The one TLP policy: who may see an advisory (and each of its parts), used by every channel —
pages, attachments, search, the API, e-mail and exports. No role bypasses it: a programme
manager, an auditor or a platform admin sees an AMBER advisory only if their organisation is a
recipient, like anyone else.

=============  ============================================================================
TLP            who may see a published advisory
=============  ============================================================================
CLEAR          anyone, signed in or not
GREEN          anyone signed in
AMBER          members of the recipient organisations and of their sub-organisations
AMBER+STRICT   members of the recipient organisations only
RED            the named people only
=============  ============================================================================

The issuing body's advisory team (authors, reviewers and publishers of the issuer) see their
own advisories at every level, drafts included; nobody else sees a draft.
A part (indicator, attachment) carries its own label and is shown only to those allowed both the
advisory and the part: a part can be stricter than its advisory, never looser.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from hifazat.advisories.models import TLP_RANK, Advisory, Recipient, Tlp, stricter
from hifazat.orgs import access
from hifazat.orgs.roles import Role

TEAM_ROLES = (Role.ADVISORY_AUTHOR, Role.ADVISORY_REVIEWER, Role.ADVISORY_PUBLISHER)


def signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def issuer_ids(user) -> set[int]:
    """Issuing organisations whose advisory team the user belongs to."""
    if not signed_in(user):
        return set()
    return {org.pk for org in access.scoped_organisations(user, *TEAM_ROLES)}


def is_team(user, advisory: Advisory, *roles: str) -> bool:
    roles = roles or TEAM_ROLES
    return any(
        a.role in roles and a.organisation_id == advisory.issuer_id
        for a in access.current_assignments(user)
    )


def _member_q(user, label: str) -> Q:
    """Recipients (of a published advisory at ``label``) that make ``user`` a reader."""
    if label == Tlp.RED:
        return Q(person=user)
    if label == Tlp.AMBER_STRICT:
        return Q(organisation_id=user.organisation_id)
    # AMBER: the recipient organisation is the user's own or one above it
    ancestors = [int(p) for p in user.org_path.strip("/").split("/") if p]
    return Q(organisation_id__in=ancestors)


def can_view(user, advisory: Advisory, label: str | None = None) -> bool:
    """May ``user`` see ``advisory`` (or a part of it labelled ``label``)?"""
    if signed_in(user) and advisory.issuer_id in issuer_ids(user):
        return True
    if advisory.live_id is None:  # never published (a revision in draft keeps the live one)
        return False
    # the live revision's label decides, not a revision in progress
    label = stricter(label, advisory.published_tlp or advisory.tlp)
    if label == Tlp.CLEAR:
        return True
    if not signed_in(user):
        return False
    if label == Tlp.GREEN:
        return True
    return Recipient.objects.filter(_member_q(user, label), advisory=advisory).exists()


def visible_advisories(user) -> QuerySet[Advisory]:
    """Every advisory ``user`` may see, as one query (for lists, search, the API)."""
    advisories = Advisory.objects.all()
    published = Q(live__isnull=False)
    team = Q(issuer_id__in=issuer_ids(user))
    if not signed_in(user):
        return advisories.filter(published & Q(published_tlp=Tlp.CLEAR))
    parts = [published & Q(published_tlp__in=[Tlp.CLEAR, Tlp.GREEN]), team]
    for label in (Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED):
        member = Recipient.objects.filter(_member_q(user, label), advisory=OuterRef("pk"))
        parts.append(published & Q(published_tlp=label) & Exists(member))
    return advisories.filter(reduce(or_, parts))


def get_advisory_for_user(user, pk) -> Advisory:
    try:
        advisory = Advisory.objects.select_related("issuer", "live").get(pk=pk)
    except (Advisory.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not can_view(user, advisory):
        raise Http404
    return advisory


def allowed_parts(user, advisory: Advisory, parts: list[dict]) -> list[dict]:
    """Snapshot parts (indicators, attachments) the user may see, each by its own label."""
    allowed: dict[str, bool] = {}  # one check per label, not per part
    for label in {p.get("tlp") or "" for p in parts}:
        allowed[label] = can_view(user, advisory, label or None)
    return [p for p in parts if allowed[p.get("tlp") or ""]]


def email_carries_text(label: str) -> bool:
    """CLEAR and GREEN e-mails carry the advisory; AMBER and above only a link."""
    return TLP_RANK[label] < TLP_RANK[Tlp.AMBER]


# --- recipients ------------------------------------------------------------------------------

RESPONDER_ROLES = (Role.FOCAL_PERSON, Role.HEAD)


def answers_for(user, recipient: Recipient) -> bool:
    """May ``user`` act for this recipient (acknowledge, respond, upload evidence)?

    An organisation's focal persons and heads — of that organisation itself (not of the
    ministry above it, which has its own row); a TLP:RED recipient answers for themselves."""
    if not signed_in(user):
        return False
    if recipient.person_id:
        return recipient.person_id == user.pk
    return any(
        a.role in RESPONDER_ROLES and a.organisation_id == recipient.organisation_id
        for a in access.current_assignments(user)
    )


def recipients_for(user) -> QuerySet[Recipient]:
    """The recipient rows ``user`` answers for."""
    if not signed_in(user):
        return Recipient.objects.none()
    orgs = [
        a.organisation_id
        for a in access.current_assignments(user)
        if a.role in RESPONDER_ROLES and a.organisation_id
    ]
    return Recipient.objects.filter(Q(organisation_id__in=orgs) | Q(person=user)).filter(
        advisory__live__isnull=False
    )


def get_recipient_for_user(user, pk) -> Recipient:
    """A recipient row the user answers for, or (issuer team) one of their advisories'; 404
    otherwise — a focal person of B never reaches A's responses or evidence."""
    try:
        recipient = Recipient.objects.select_related("advisory", "organisation", "person").get(
            pk=pk
        )
    except (Recipient.DoesNotExist, ValueError, TypeError):
        raise Http404
    if answers_for(user, recipient) or (
        signed_in(user) and recipient.advisory.issuer_id in issuer_ids(user)
    ):
        return recipient
    raise Http404


def sees_compliance(user, advisory: Advisory) -> bool:
    """The issuer's team sees every organisation's state; programme managers see the states of
    advisories they may read (others only in aggregate)."""
    if not signed_in(user):
        return False
    if advisory.issuer_id in issuer_ids(user):
        return True
    return access.has_role(user, Role.PROGRAMME_MANAGER) and can_view(user, advisory)
