"""Scope: people of one ministry never see another's; out-of-scope objects answer 404."""

import re

import pytest
from django.urls import reverse

from hifazat.orgs.models import RoleAssignment
from hifazat.orgs.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]
SENTINEL = "SENTINEL-B-7Q"


def test_focal_person_sees_own_subtree_people(personas, client_as):
    response = client_as(personas.focal_a).get(reverse("orgs:people"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Amna Learner" in body  # in DEPA, below the focal person's division
    assert SENTINEL not in body


def test_focal_person_cannot_open_other_ministrys_person(personas, client_as):
    c = client_as(personas.focal_a)
    response = c.get(reverse("orgs:person", args=[personas.learner_b.pk]))
    assert response.status_code == 404
    assert SENTINEL not in response.content.decode()


def test_missing_and_forbidden_look_the_same(personas, client_as):
    c = client_as(personas.focal_a)
    missing = c.get(reverse("orgs:person", args=[999_999]))
    forbidden = c.get(reverse("orgs:person", args=[personas.learner_b.pk]))
    assert missing.status_code == forbidden.status_code == 404

    def strip_token(r):
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode())
        return re.sub(r'name="next" value="[^"]+"', "", body)

    assert strip_token(missing) == strip_token(forbidden)


def test_focal_person_cannot_open_other_ministrys_organisation(personas, orgs, client_as):
    c = client_as(personas.focal_a)
    assert c.get(reverse("orgs:organisation", args=["DIVB"])).status_code == 404
    assert c.get(reverse("orgs:organisation", args=["DIVA"])).status_code == 200


def test_sentinel_never_appears_in_other_ministrys_pages(personas, orgs, client_as):
    c = client_as(personas.focal_a)
    urls = [
        reverse("core:home"),
        reverse("orgs:organisations"),
        reverse("orgs:organisations") + "?q=Bravo",
        reverse("orgs:people") + "?q=SENTINEL",
        reverse("orgs:people") + "?org=DIVB",
        reverse("orgs:people") + "?active=all",
        reverse("orgs:organisation", args=["DIVA"]),
        reverse("orgs:organisation", args=["MINB"]),
        reverse("orgs:person", args=[personas.learner_a.pk]),
    ]
    for url in urls:
        body = c.get(url).content.decode()
        assert SENTINEL not in body, url
        # not even the other ministry's organisations' names
        assert "Bravo Division" not in body and "Ministry of Bravo" not in body, url


def test_people_counts_only_cover_the_subtree(personas, orgs, client_as):
    body = client_as(personas.focal_a).get(reverse("orgs:people")).content.decode()
    # learner_a, focal_a, head_a are in ministry A's division subtree
    assert "3 people" in body


def test_learner_has_no_people_list(personas, client_as):
    c = client_as(personas.learner_a)
    assert c.get(reverse("orgs:people")).status_code == 404
    # but their own record is theirs to see
    assert c.get(reverse("orgs:person", args=[personas.learner_a.pk])).status_code == 200
    assert c.get(reverse("orgs:person", args=[personas.focal_a.pk])).status_code == 404


def test_programme_manager_and_auditor_see_everyone(personas, client_as):
    for who in (personas.pm, personas.auditor):
        body = client_as(who).get(reverse("orgs:people") + "?active=all").content.decode()
        assert SENTINEL in body and "Amna Learner" in body


def test_auditor_cannot_deactivate(personas, client_as):
    c = client_as(personas.auditor)
    response = c.post(reverse("orgs:person_deactivate", args=[personas.learner_a.pk]))
    assert response.status_code == 404
    personas.learner_a.refresh_from_db()
    assert personas.learner_a.is_active


def test_focal_person_deactivates_in_scope_but_not_outside(personas, client_as):
    c = client_as(personas.focal_a)
    assert (
        c.post(reverse("orgs:person_deactivate", args=[personas.learner_b.pk])).status_code == 404
    )
    personas.learner_b.refresh_from_db()
    assert personas.learner_b.is_active
    response = c.post(reverse("orgs:person_deactivate", args=[personas.learner_a.pk]))
    assert response.status_code == 302
    personas.learner_a.refresh_from_db()
    assert not personas.learner_a.is_active


def test_deactivated_person_is_refused_on_next_request(personas, client_as):
    c = client_as(personas.learner_a)
    assert c.get(reverse("core:home")).status_code == 200
    client_as(personas.focal_a).post(
        reverse("orgs:person_deactivate", args=[personas.learner_a.pk])
    )
    response = c.get(reverse("core:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_revoked_role_is_refused_on_next_request(personas, client_as):
    c = client_as(personas.focal_a)
    assert c.get(reverse("orgs:people")).status_code == 200
    assignment = RoleAssignment.objects.get(person=personas.focal_a, role=Role.FOCAL_PERSON)
    admin = client_as(personas.admin)
    response = admin.post(reverse("orgs:role_revoke", args=[personas.focal_a.pk, assignment.pk]))
    assert response.status_code == 302
    assert c.get(reverse("orgs:people")).status_code == 404


def test_extra_fields_are_ignored_when_granting_a_role(personas, orgs, client_as):
    c = client_as(personas.pm)
    response = c.post(
        reverse("orgs:role_grant", args=[personas.outsider.pk]),
        {
            "role": Role.FOCAL_PERSON,
            "organisation": "MINC",
            "is_staff": "1",
            "id": "1",
            "person": personas.pm.pk,
            "organisation_id": orgs["min_a"].pk,
        },
    )
    assert response.status_code == 302
    granted = RoleAssignment.objects.current().get(person=personas.outsider)
    assert granted.role == Role.FOCAL_PERSON and granted.organisation.code == "MINC"
    assert (
        not RoleAssignment.objects.current()
        .filter(person=personas.pm, role=Role.FOCAL_PERSON)
        .exists()
    )


def test_programme_manager_cannot_grant_platform_admin(personas, client_as):
    c = client_as(personas.pm)
    c.post(reverse("orgs:role_grant", args=[personas.outsider.pk]), {"role": Role.PLATFORM_ADMIN})
    assert not RoleAssignment.objects.current().filter(person=personas.outsider).exists()


def test_focal_person_cannot_grant_roles(personas, client_as):
    c = client_as(personas.focal_a)
    response = c.post(
        reverse("orgs:role_grant", args=[personas.learner_a.pk]),
        {"role": Role.FOCAL_PERSON, "organisation": "DIVA"},
    )
    assert response.status_code == 404
    assert not RoleAssignment.objects.current().filter(person=personas.learner_a).exists()


def test_every_write_is_audited(personas, client_as):
    from hifazat.audit.models import AuditEvent

    client_as(personas.focal_a).post(
        reverse("orgs:person_deactivate", args=[personas.learner_a.pk])
    )
    event = AuditEvent.objects.get(action="person.deactivated")
    assert event.actor_id == personas.focal_a.pk
    assert event.object_id == str(personas.learner_a.pk)
    assert event.ip == "127.0.0.1"


def test_people_list_views_are_audited(personas, client_as):
    from hifazat.audit.models import AuditEvent

    client_as(personas.auditor).get(reverse("orgs:people") + "?q=Amna")
    event = AuditEvent.objects.get(action="people.list_viewed")
    assert event.actor_id == personas.auditor.pk
    assert (
        event.data["filters"] == {"q": "Amna", "active": "1"}
        or event.data["filters"]["q"] == "Amna"
    )


def test_audit_log_is_for_auditors_and_admins_only(personas, client_as):
    assert client_as(personas.auditor).get(reverse("audit:list")).status_code == 200
    assert client_as(personas.admin).get(reverse("audit:list")).status_code == 200
    for who in (personas.focal_a, personas.pm, personas.learner_a):
        assert client_as(who).get(reverse("audit:list")).status_code == 404


def test_privileged_person_without_second_factor_must_enrol(orgs, client_as):
    from tests.factories import make_person

    focal = make_person("No Device", orgs["div_a"], role=(Role.FOCAL_PERSON, orgs["div_a"]))
    # a password-only session: there is no device whose code could have been used
    response = client_as(focal, mfa=False).get(reverse("orgs:people"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # the enrolment page itself is reachable
    assert client_as(focal, mfa=False).get(reverse("mfa_activate_totp")).status_code == 200
