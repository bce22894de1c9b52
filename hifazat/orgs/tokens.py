"""Personal access tokens: created and revoked through services, checked on every API call.

A token is ``hz_<prefix>_<secret>``; the prefix finds the row, the SHA-256 of the whole
token is compared in constant time. Tokens are random (256 bits), so a fast hash suffices.
A token acts as its person with that person's current roles: revoking a role or
deactivating the person takes effect on the token's next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.audit.services import audit_record
from hifazat.orgs.models import ApiToken, Person

MAX_DAYS = 365
TOUCH_EVERY = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: Person, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("Give the token a name of at most 100 characters."))
    if scope not in ApiToken.Scope.values:
        raise ValidationError(_("Unknown scope."))
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(_("A token lives between 1 and %(max)d days.") % {"max": MAX_DAYS})
    prefix = secrets.token_hex(6)
    raw = f"hz_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        person=actor,
        name=name,
        prefix=prefix,
        digest=_digest(raw),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        actor=actor,
        action="token.created",
        obj=actor,
        data={"token": prefix, "name": name, "scope": scope, "days": days},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    if token.person_id != actor.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoked", obj=actor, data={"token": token.prefix})
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The usable token for ``raw`` with its person loaded, or None."""
    parts = raw.split("_")
    if len(parts) < 3 or parts[0] != "hz":
        return None
    token = ApiToken.objects.select_related("person").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if not token.is_usable or not token.person.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
