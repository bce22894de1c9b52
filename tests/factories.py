"""Plain factory functions for tests (no fixtures files, no factory library)."""

import itertools

from hifazat.orgs.models import Organisation, Person, RoleAssignment
from hifazat.orgs.services import organisation_set_path

_seq = itertools.count(1)


def make_org(code, name, kind="ministry", parent=None, domains=None):
    org = Organisation.objects.create(
        code=code, name=name, kind=kind, parent=parent, email_domains=domains or [], path="/"
    )
    organisation_set_path(org)
    org.save(update_fields=["path", "depth"])
    return org


def make_person(
    full_name,
    org,
    *,
    email=None,
    role=None,
    password=None,
    track="general",
    grade=14,
    designation="Assistant",
    **extra,
):
    n = next(_seq)
    domain = org.email_domains[0] if org.email_domains else "gov.example"
    person = Person.objects.create_user(
        email=email or f"person{n}@{domain}",
        password=password,
        full_name=full_name,
        organisation=org,
        employee_number=f"T-{n:06d}",
        track=track,
        bps_grade=grade,
        designation=designation,
        **extra,
    )
    if role:
        RoleAssignment.objects.create(person=person, role=role[0], organisation=role[1])
    return person


def make_totp(person):
    """Give a person a TOTP device; returns its secret (to compute codes in tests)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(person, secret)
    RecoveryCodes.activate(person)
    return secret


def totp_now(secret, offset=0):
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2] + offset))


XSS_PAYLOADS = (
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
)
