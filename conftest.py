"""Shared test set-up: database requirements, personas, helpers.

Personas (one shared set, as the style guide asks): a learner, focal person and head of
ministry A's division; a focal person of ministry B; a programme manager; an auditor; a
platform admin; an outsider in ministry C with no role. Everyone with a role has a TOTP
device, because every role requires a second factor.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import make_org, make_person, make_totp

REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


def _is_postgres():
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_configure(config):
    if REQUIRE_POSTGRES and not _is_postgres():
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but DATABASE_URL is not a PostgreSQL database")


def pytest_collection_modifyitems(config, items):
    if _is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _audit_head_file(settings, tmp_path):
    settings.AUDIT_HEAD_FILE = tmp_path / "audit-heads.log"


@pytest.fixture
def orgs(db):
    """Ministry A → division A → department A; ministry B → division B; ministry C."""
    min_a = make_org("MINA", "Ministry of Alpha", "ministry", domains=["alpha.gov.example"])
    div_a = make_org(
        "DIVA",
        "Alpha Division",
        "division",
        parent=min_a,
        domains=["div.alpha.gov.example", "alpha.gov.example"],
    )
    dep_a = make_org(
        "DEPA",
        "Alpha Records Department",
        "attached_department",
        parent=div_a,
        domains=["alpha.gov.example"],
    )
    min_b = make_org("MINB", "Ministry of Bravo", "ministry", domains=["bravo.gov.example"])
    div_b = make_org(
        "DIVB", "Bravo Division", "division", parent=min_b, domains=["bravo.gov.example"]
    )
    min_c = make_org("MINC", "Ministry of Charlie", "ministry", domains=["charlie.gov.example"])
    return {
        "min_a": min_a,
        "div_a": div_a,
        "dep_a": dep_a,
        "min_b": min_b,
        "div_b": div_b,
        "min_c": min_c,
    }


class Personas(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def personas(orgs):
    from hifazat.orgs.roles import Role

    p = Personas()
    p["learner_a"] = make_person("Amna Learner", orgs["dep_a"], email="amna@alpha.gov.example")
    p["focal_a"] = make_person(
        "Faisal Focal", orgs["div_a"], role=(Role.FOCAL_PERSON, orgs["div_a"])
    )
    p["head_a"] = make_person("Hamid Head", orgs["div_a"], role=(Role.HEAD, orgs["div_a"]))
    p["focal_b"] = make_person(
        "Bushra Focal", orgs["div_b"], role=(Role.FOCAL_PERSON, orgs["div_b"])
    )
    p["learner_b"] = make_person(
        "SENTINEL-B-7Q Bravo Person", orgs["div_b"], email="sentinel7q@bravo.gov.example"
    )
    p["pm"] = make_person("Parveen Manager", orgs["min_c"], role=(Role.PROGRAMME_MANAGER, None))
    p["auditor"] = make_person("Asad Auditor", orgs["min_c"], role=(Role.AUDITOR, None))
    p["admin"] = make_person("Aliya Admin", orgs["min_c"], role=(Role.PLATFORM_ADMIN, None))
    p["outsider"] = make_person("Omar Outsider", orgs["min_c"])
    for person in p.values():
        if person.role_assignments.exists():
            make_totp(person)
    return p


@pytest.fixture
def client_as(client):
    """client_as(person) -> a test client signed in as that person."""
    from django.test import Client

    def _as(person, mfa=True):
        c = Client()
        c.force_login(person)
        if mfa:  # as if the person had passed the second factor at sign-in
            session = c.session
            session["account_authentication_methods"] = [
                {"method": "password", "at": 0},
                {"method": "mfa", "at": 0, "type": "totp"},
            ]
            session.save()
        return c

    return _as


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
