"""Every write to organisations, people and roles: permission, change, audit, side effects."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.audit.services import audit_record
from hifazat.orgs import access
from hifazat.orgs.models import Organisation, Person, RoleAssignment
from hifazat.orgs.roles import NATIONAL_ROLES, SCOPED_ROLES, Role


def _require(condition: bool) -> None:
    if not condition:
        # Views turn this into 404 so that existence is not revealed.
        raise PermissionDenied


# --- organisations ---------------------------------------------------------------------------


def organisation_set_path(org: Organisation) -> None:
    parent_path = org.parent.path if org.parent_id else "/"
    org.path = f"{parent_path}{org.pk}/"
    org.depth = parent_path.count("/") - 1


def _move_subtree(old_path: str, new_path: str) -> None:
    from django.db.models import Value
    from django.db.models.functions import Concat, Substr

    cut = len(old_path) + 1
    Organisation.objects.filter(path__startswith=old_path).exclude(path=new_path).update(
        path=Concat(Value(new_path), Substr("path", cut))
    )
    Person.objects.filter(org_path__startswith=old_path).update(
        org_path=Concat(Value(new_path), Substr("org_path", cut))
    )


@transaction.atomic
def organisations_load(*, actor, rows: list[dict]) -> dict:
    """Create or update organisations from rows (code, name, kind, parent_code, domains…).

    Parents are resolved within the rows or from the database; the result is idempotent.
    One audit event records the whole load.
    """
    if actor is not None:
        _require(access.has_role(actor, Role.PLATFORM_ADMIN))
    existing = {o.code: o for o in Organisation.objects.all()}
    by_code = {r["code"]: r for r in rows}
    created, updated = [], []
    pending = list(rows)
    while pending:
        progressed = False
        for row in list(pending):
            parent_code = row.get("parent_code") or ""
            if parent_code and parent_code not in existing:
                if parent_code not in by_code:
                    raise ValidationError(
                        _("Organisation %(code)s names an unknown parent %(parent)s.")
                        % {"code": row["code"], "parent": parent_code}
                    )
                continue
            parent = existing.get(parent_code) if parent_code else None
            org = existing.get(row["code"])
            values = {
                "name": row["name"],
                "kind": row["kind"],
                "parent": parent,
                "email_domains": row.get("email_domains") or [],
                "note": row.get("note", ""),
                "name_ur": row.get("name_ur", ""),
            }
            if org is None:
                org = Organisation.objects.create(code=row["code"], path="/", **values)
                organisation_set_path(org)
                org.save(update_fields=["path", "depth"])
                created.append(org.code)
            else:
                changed = [k for k, v in values.items() if getattr(org, k) != v]
                if changed:
                    for k in changed:
                        setattr(org, k, values[k])
                    old_path = org.path
                    organisation_set_path(org)
                    org.save()
                    if org.path != old_path:
                        _move_subtree(old_path, org.path)
                    updated.append(org.code)
            existing[org.code] = org
            pending.remove(row)
            progressed = True
        if not progressed:
            raise ValidationError(_("The organisation list has a cycle in its parents."))
    if created or updated:
        audit_record(
            actor=actor,
            action="organisations.loaded",
            object_type="orgs.organisation",
            data={"created": created, "updated": updated},
        )
    return {"created": len(created), "updated": len(updated)}


# --- people ----------------------------------------------------------------------------------


@transaction.atomic
def person_deactivate(*, actor: Person, person: Person) -> Person:
    _require(access.can_manage_person(actor, person) and actor.pk != person.pk)
    if person.is_active:
        person.is_active = False
        person.deactivated_at = timezone.now()
        person.save(update_fields=["is_active", "deactivated_at", "updated_at"])
        audit_record(actor=actor, action="person.deactivated", obj=person)
    return person


@transaction.atomic
def person_reactivate(*, actor: Person, person: Person) -> Person:
    _require(access.can_manage_person(actor, person))
    if not person.is_active:
        person.is_active = True
        person.deactivated_at = None
        person.save(update_fields=["is_active", "deactivated_at", "updated_at"])
        audit_record(actor=actor, action="person.reactivated", obj=person)
    return person


@transaction.atomic
def person_set_language(*, actor: Person, language: str) -> None:
    if language in Person.Language.values and actor.preferred_language != language:
        actor.preferred_language = language
        actor.save(update_fields=["preferred_language", "updated_at"])


# --- roles -----------------------------------------------------------------------------------


@transaction.atomic
def role_grant(
    *, actor: Person, person: Person, role: str, organisation: Organisation | None
) -> RoleAssignment:
    """Give ``person`` a role; scoped roles need an organisation, national roles refuse one."""
    _require(role in access.grantable_roles(actor) and access.can_manage_person(actor, person))
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    if role in SCOPED_ROLES and organisation is None:
        raise ValidationError(_("This role needs an organisation as its scope."))
    if role in NATIONAL_ROLES and organisation is not None:
        raise ValidationError(_("This role is national; it takes no organisation."))
    if organisation is not None:
        # The granter must reach the scope they hand out.
        _require(access.managed_organisations(actor).filter(pk=organisation.pk).exists())
    existing = (
        RoleAssignment.objects.current()
        .filter(person=person, role=role, organisation=organisation)
        .first()
    )
    if existing:
        return existing
    assignment = RoleAssignment.objects.create(
        person=person, role=role, organisation=organisation, granted_by=actor
    )
    audit_record(
        actor=actor,
        action="role.granted",
        obj=person,
        data={"role": role, "scope": organisation.code if organisation else None},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Person, assignment: RoleAssignment) -> RoleAssignment:
    _require(
        assignment.role in access.grantable_roles(actor)
        and access.can_manage_person(actor, assignment.person)
    )
    if assignment.revoked_at is None:
        assignment.revoked_at = timezone.now()
        assignment.revoked_by = actor
        assignment.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="role.revoked",
            obj=assignment.person,
            data={
                "role": assignment.role,
                "scope": assignment.organisation.code if assignment.organisation_id else None,
            },
        )
    return assignment


# --- invitations -------------------------------------------------------------------------------


@transaction.atomic
def people_invite(*, actor: Person, people) -> int:
    """E-mail active people how to sign in for the first time (sent by the worker).

    The invitation carries no secret: it sends them to "set a password" on the site, which
    mails a single-use link valid for an hour. One audit event lists who was invited.
    """
    from hifazat.orgs.tasks import send_invitations

    targets = [p for p in people if p.is_active and access.can_manage_person(actor, p)]
    if not targets:
        return 0
    ids = [p.pk for p in targets]
    audit_record(
        actor=actor, action="people.invited", object_type="orgs.person", data={"people": ids}
    )
    transaction.on_commit(lambda: send_invitations.enqueue(person_ids=ids, inviter_id=actor.pk))
    return len(ids)
