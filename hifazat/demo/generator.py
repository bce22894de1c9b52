"""Deterministic demo data: organisations, a population of people, one account per role.

Idempotent: people are generated from a fixed seed in a fixed order, keyed by employee
number, and inserted with ``ignore_conflicts`` — running it again adds nothing, and a larger
``--people`` adds only the missing tail. It also builds the benchmarks' large data sets
(``--people 1000000``), so it writes in batches and reports progress.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from datetime import timedelta
from importlib import resources

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from hifazat.audit.services import audit_record
from hifazat.demo import names
from hifazat.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from hifazat.orgs.models import Organisation, Person, RoleAssignment
from hifazat.orgs.services import organisations_load

SEED = 20230115  # the NTISB training of January 2023
IT_ADMIN_SHARE = 0.10
# Relative size of an organisation's staff by kind (a ministry's secretariat is small; its
# division and attached departments carry most staff).
KIND_WEIGHT = {
    "ministry": 2,
    "division": 6,
    "attached_department": 5,
    "autonomous_body": 3,
    "sub_office": 1,
}


def read_organisations() -> list[dict]:
    """The project's own organisation list (hifazat/orgs/data/organisations.csv)."""
    text = (
        resources.files("hifazat.orgs")
        .joinpath("data/organisations.csv")
        .read_text(encoding="utf-8")
    )
    rows = list(csv.DictReader(text.splitlines()))
    by_code = {r["code"]: r for r in rows}

    def domains(row):
        # Divisions and departments also use their parent ministry's domain.
        own = [row["demo_email_domain"]] if row["demo_email_domain"] else []
        parent = by_code.get(row["parent_code"])
        return own + ([d for d in domains(parent) if d not in own] if parent else [])

    return [
        {
            "code": r["code"],
            "name": r["name"],
            "kind": r["kind"],
            "parent_code": r["parent_code"],
            "email_domains": domains(r),
            "note": r.get("note", ""),
        }
        for r in rows
    ]


def load_organisations() -> dict:
    return organisations_load(actor=None, rows=read_organisations())


def _local_part(full_name: str) -> str:
    parts = [re.sub(r"[^a-z]", "", p.lower()) for p in full_name.split()]
    parts = [p for p in parts if p and p != "muhammad"] or ["staff"]
    return f"{parts[0]}.{parts[-1]}" if len(parts) > 1 else parts[0]


def generate_people(count: int, orgs: list[Organisation]):
    """Yield ``count`` unsaved Person objects, always the same ones in the same order."""
    rng = random.Random(SEED)
    weights = [KIND_WEIGHT.get(o.kind, 1) for o in orgs]
    grades = list(names.GRADE_WEIGHTS)
    grade_weights = list(names.GRADE_WEIGHTS.values())
    used: Counter[tuple[str, str]] = Counter()
    now = timezone.now()
    for i in range(count):
        org = rng.choices(orgs, weights)[0]
        it_admin = rng.random() < IT_ADMIN_SHARE
        grade = rng.choices(grades, grade_weights)[0]
        if it_admin:
            grade = max(grade, 12)  # no IT posts below BPS-12
        full_name = names.full_name(rng)
        designation = names.designation_for(grade, it_admin, rng)
        domain = org.email_domains[0] if org.email_domains else "gov.example"
        local = _local_part(full_name)
        used[(local, domain)] += 1
        n = used[(local, domain)]
        email = f"{local}{n if n > 1 else ''}@{domain}"
        yield Person(
            email=email,
            full_name=full_name,
            employee_number=f"FG-{i + 1:07d}",
            designation=designation,
            bps_grade=grade,
            organisation=org,
            org_path=org.path,
            track=Person.Track.IT_ADMIN if it_admin else Person.Track.GENERAL,
            preferred_language="ur" if rng.random() < 0.2 else "en",
            password=make_password(None),
            date_joined=now - timedelta(days=1100),  # on the platform for three years
        )


def load_people(count: int, *, batch_size: int = 5000, progress=None) -> int:
    """Insert the first ``count`` demo people that are not there yet; returns how many new."""
    orgs = list(Organisation.objects.order_by("path"))
    before = Person.objects.count()
    batch: list[Person] = []
    for person in generate_people(count, orgs):
        batch.append(person)
        if len(batch) >= batch_size:
            _insert(batch)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _insert(batch)
        if progress:
            progress(len(batch))
    return Person.objects.count() - before


def _insert(batch: list[Person]) -> None:
    with transaction.atomic():
        Person.objects.bulk_create(batch, ignore_conflicts=True)


def load_accounts() -> list[tuple]:
    """Create or refresh the demo accounts, their roles and (for roles) their TOTP devices."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    orgs = {o.code: o for o in Organisation.objects.all()}
    created = []
    with transaction.atomic():
        for acc in DEMO_ACCOUNTS:
            person = Person.objects.filter(email=acc.email).first()
            if person is None:
                person = Person(email=acc.email)
                created.append(acc.email)
            person.full_name = acc.full_name
            person.organisation = orgs[acc.org]
            person.designation = acc.designation
            person.bps_grade = acc.grade
            person.track = acc.track
            person.employee_number = (
                person.employee_number or f"DEMO-{acc.email.split('@')[0].upper()}"
            )
            person.is_active = True
            if not person.has_usable_password() or not person.check_password(DEMO_PASSWORD):
                person.set_password(DEMO_PASSWORD)
            person.save()
            if acc.role:
                scope = orgs[acc.role_org] if acc.role_org else None
                RoleAssignment.objects.get_or_create(
                    person=person, role=acc.role, organisation=scope, revoked_at=None
                )
                if not Authenticator.objects.filter(
                    user=person, type=Authenticator.Type.TOTP
                ).exists():
                    TOTP.activate(person, generate_totp_secret())
                    RecoveryCodes.activate(person)
        if created:
            audit_record(
                actor=None,
                action="demo.accounts_created",
                object_type="orgs.person",
                data={"accounts": created},
            )
    return [(a.label, a.email, "TOTP" if a.role else "") for a in DEMO_ACCOUNTS]


def totp_code(email: str) -> str:
    """The current code of a demo account's authenticator (``hifazat demo totp EMAIL``)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )
    from allauth.mfa.utils import decrypt

    from hifazat.demo.accounts import DEMO_EMAILS

    if email.lower() not in DEMO_EMAILS:
        raise ValueError(f"{email} is not a demo account")
    auth = Authenticator.objects.get(user__email=email.lower(), type=Authenticator.Type.TOTP)
    counter = list(yield_hotp_counters_from_time())
    current = counter[len(counter) // 2]
    return format_hotp_value(hotp_value(decrypt(auth.data["secret"]), current))
