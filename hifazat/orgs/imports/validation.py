"""Validation of one person's record, shared by the file import and the API's HR sync."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from hifazat.orgs.models import Organisation, Person, email_in_domains

COLUMNS = [
    "employee_number",
    "full_name",
    "email",
    "designation",
    "bps_grade",
    "organisation",
    "track",
]
REQUIRED = {"employee_number", "full_name", "email", "bps_grade", "organisation"}
# C0/C1 controls, DEL, and Unicode line/paragraph separators: never in a name (mail headers!).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
EMPLOYEE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,31}$")
TRACKS = {
    "": Person.Track.GENERAL,
    "general": Person.Track.GENERAL,
    "general staff": Person.Track.GENERAL,
    "general_staff": Person.Track.GENERAL,
    "it_admin": Person.Track.IT_ADMIN,
    "it admin": Person.Track.IT_ADMIN,
    "it administrator": Person.Track.IT_ADMIN,
    "it": Person.Track.IT_ADMIN,
}
LIMITS = {"full_name": 150, "designation": 120, "email": 254}
# Django's own e-mail patterns, compiled once: the validator object re-resolves lazy regexes
# and messages on every call, which dominates a 100,000-row import.
_EMAIL_USER = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
_EMAIL_DOMAIN = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)


def email_ok(email: str) -> bool:
    if "@" not in email or len(email) > 320:
        return False
    user, domain = email.rsplit("@", 1)
    if not _EMAIL_USER.match(user):
        return False
    if _EMAIL_DOMAIN.match(domain):
        return True
    try:  # internationalised domain names, as Django accepts them
        return bool(_EMAIL_DOMAIN.match(domain.encode("idna").decode("ascii")))
    except UnicodeError:
        return False


@dataclass
class Scope:
    """What the importer may touch: organisations by code, and the subtrees they manage."""

    orgs_by_code: dict[str, Organisation]
    allowed_paths: list[str] | None  # None: every organisation

    def allows_path(self, path: str) -> bool:
        return self.allowed_paths is None or any(path.startswith(p) for p in self.allowed_paths)


def _domain_allowed(email: str, org: Organisation) -> bool:
    return not org.email_domains or email_in_domains(email, org.email_domains)


def clean_person(
    record: dict[str, str], scope: Scope
) -> tuple[dict | None, list[tuple[str, str, str]]]:
    """Return (clean values, errors); each error is (column, value, message)."""
    errors: list[tuple[str, str, str]] = []
    # Callers pass every column, already stripped (iter_records, people_sync).
    value = record

    def err(column, message):
        errors.append((column, record.get(column, "") or "", message))

    for column in REQUIRED:
        if not value[column]:
            err(column, _("is required"))
    for column, limit in LIMITS.items():
        if len(value[column]) > limit:
            err(column, _("is longer than %(n)d characters") % {"n": limit})
    texts = ("full_name", "designation", "employee_number", "organisation")
    if CONTROL.search("".join(value[c] for c in texts)):  # one search for the common, clean case
        for column in texts:
            if CONTROL.search(value[column]):
                err(column, _("contains a line break or control character"))

    emp = value["employee_number"]
    if emp and not EMPLOYEE_NUMBER.match(emp) and not CONTROL.search(emp):
        err("employee_number", _("may only contain letters, digits and / . _ - (at most 32)"))
    email = value["email"].lower()
    if email and not email_ok(email):
        err("email", _("is not a valid e-mail address"))
        email = ""

    grade = None
    if value["bps_grade"]:
        raw = value["bps_grade"].upper().removeprefix("BPS").strip(" -")
        try:
            grade = int(float(raw)) if float(raw).is_integer() else None
        except ValueError:
            grade = None
        if grade is None or not 1 <= grade <= 22:
            err("bps_grade", _("must be a whole number from 1 to 22"))
            grade = None
    track = TRACKS.get(value["track"].lower())
    if track is None:
        err("track", _("must be “general” or “it_admin”"))
    org = None
    code = value["organisation"].upper()
    if code and not CONTROL.search(code):
        org = scope.orgs_by_code.get(code)
        if org is None:
            err("organisation", _("is not a known organisation code"))
        elif not scope.allows_path(org.path):
            err("organisation", _("is outside the organisations you may import into"))
            org = None
        elif email and not _domain_allowed(email, org):
            err(
                "email",
                _("is not at one of %(org)s's e-mail domains (%(domains)s)")
                % {"org": org.code, "domains": ", ".join(org.email_domains)},
            )
    if errors:
        return None, errors
    return {
        "employee_number": emp,
        "full_name": value["full_name"],
        "email": email,
        "designation": value["designation"],
        "bps_grade": grade,
        "organisation": org,
        "track": track,
    }, []
