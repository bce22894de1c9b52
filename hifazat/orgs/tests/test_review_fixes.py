"""Regression tests for the foundation's security review."""

import pytest
from django.test import Client
from django.urls import reverse

from hifazat.audit.models import AuditEvent
from hifazat.orgs.roles import Role
from tests.factories import make_person, make_totp

pytestmark = [pytest.mark.django_db]
PASSWORD = "quiet-river-lantern-47"


def test_focal_person_cannot_deactivate_a_role_holder_in_their_division(personas, orgs, client_as):
    admin_in_a = make_person("Admin In A", orgs["dep_a"], role=(Role.PLATFORM_ADMIN, None))
    c = client_as(personas.focal_a)
    for target in (admin_in_a, personas.head_a):
        assert c.post(reverse("orgs:person_deactivate", args=[target.pk])).status_code == 404
        target.refresh_from_db()
        assert target.is_active
    # a programme manager cannot switch off the auditor either
    assert (
        client_as(personas.pm)
        .post(reverse("orgs:person_deactivate", args=[personas.auditor.pk]))
        .status_code
        == 404
    )
    # a platform admin can
    assert (
        client_as(personas.admin)
        .post(reverse("orgs:person_deactivate", args=[personas.auditor.pk]))
        .status_code
        == 302
    )


def test_people_cannot_change_their_login_email(personas, client_as):
    c = client_as(personas.learner_a)
    response = c.post("/accounts/email/", {"action_add": "", "email": "boss@bravo.gov.example"})
    assert response.status_code == 404
    personas.learner_a.refresh_from_db()
    assert personas.learner_a.email == "amna@alpha.gov.example"


def test_a_password_only_session_of_a_role_holder_must_pass_the_second_factor(personas, client_as):
    c = client_as(personas.focal_a, mfa=False)
    response = c.get(reverse("orgs:people"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("mfa_reauthenticate")
    )


def test_login_throttle_is_not_reset_by_another_host_header(orgs, settings):
    settings.ALLOWED_HOSTS = ["*"]
    make_person("Host Hopper", orgs["min_a"], email="hop@alpha.gov.example", password=PASSWORD)
    for i in range(6):
        Client(REMOTE_ADDR=f"10.1.0.{i}", HTTP_HOST=f"127.0.0.1:{1000 + i}").post(
            "/accounts/login/", {"login": "hop@alpha.gov.example", "password": "wrong-password-x"}
        )
    c = Client(REMOTE_ADDR="10.1.0.99", HTTP_HOST="127.0.0.1:2000")
    c.post("/accounts/login/", {"login": "hop@alpha.gov.example", "password": PASSWORD})
    assert "_auth_user_id" not in c.session


def test_forwarded_for_from_an_untrusted_peer_is_ignored(orgs, settings, personas, client_as):
    from hifazat.lib.clientip import client_ip

    settings.TRUSTED_PROXY_COUNT = 1

    class R:
        def __init__(self, remote, xff):
            self.META = {"REMOTE_ADDR": remote}
            self.headers = {"x-forwarded-for": xff}

    assert client_ip(R("203.0.113.5", "198.51.100.1")) == "203.0.113.5"
    assert client_ip(R("127.0.0.1", "198.51.100.1")) == "198.51.100.1"
    assert client_ip(R("127.0.0.1", "not-an-ip")) == "127.0.0.1"


def test_account_security_changes_are_audited(orgs):
    person = make_person(
        "Pass Changer", orgs["min_a"], email="changer@alpha.gov.example", password=PASSWORD
    )
    c = Client()
    c.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    c.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "new-lantern-harbour-58",
            "password2": "new-lantern-harbour-58",
        },
    )
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=person).exists()


def test_totp_enrolment_is_audited(orgs):
    from allauth.mfa import signals

    from hifazat.orgs.models import Person

    person = make_person("Enroller", orgs["min_a"])
    make_totp(person)
    from allauth.mfa.models import Authenticator

    auth = Authenticator.objects.get(user=person, type="totp")
    signals.authenticator_added.send(
        sender=Authenticator,
        request=None,
        user=Person.objects.get(pk=person.pk),
        authenticator=auth,
    )
    assert AuditEvent.objects.filter(action="auth.mfa_added", actor=person).exists()


def test_rewriting_the_latest_events_is_caught_even_after_a_new_head(settings, is_postgres):
    from django.db import connection

    from hifazat.audit.models import AuditHead
    from hifazat.audit.services import audit_record, audit_verify, audit_write_head

    for i in range(5):
        audit_record(actor=None, action="t", data={"i": i})
    audit_write_head()
    with connection.cursor() as cursor:
        if is_postgres:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    last = AuditEvent.objects.get(seq=5)
    last.data = {"i": 99}
    last.hash = last.compute_hash()
    AuditEvent.objects.filter(pk=last.pk).update(data=last.data, hash=last.hash)
    AuditHead.objects.filter(pk=1).update(hash=last.hash)
    audit_write_head()  # the next routine head write
    result = audit_verify()
    assert not result.ok and result.broken_seq == 5


def test_missing_head_record_is_broken():
    from hifazat.audit.models import AuditHead
    from hifazat.audit.services import audit_record, audit_verify

    audit_record(actor=None, action="t")
    AuditHead.objects.all().delete()
    assert not audit_verify().ok


def test_organisation_counts_follow_the_viewers_scope(orgs, client_as):
    focal = make_person("Narrow Focal", orgs["min_a"], role=(Role.FOCAL_PERSON, orgs["dep_a"]))
    make_totp(focal)
    for i in range(4):
        make_person(f"Div Person {i}", orgs["div_a"])
    body = client_as(focal).get(reverse("orgs:organisation", args=["MINA"])).content.decode()
    # the focal person works in ministry A, manages only DEPA: no division counts leak
    assert '<div class="stat">0</div>' in body or '<div class="stat">1</div>' in body
    assert '<div class="stat">4</div>' not in body and '<div class="stat">5</div>' not in body


def test_demo_totp_only_for_demo_accounts(personas, settings):
    from hifazat.demo.generator import totp_code

    with pytest.raises(ValueError):
        totp_code(personas.focal_a.email)
