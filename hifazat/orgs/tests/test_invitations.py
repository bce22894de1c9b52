"""Invitations tell new people how to set a password; they carry no secret."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hifazat.audit.models import AuditEvent
from hifazat.orgs.models import Person

pytestmark = [pytest.mark.django_db]


def test_focal_person_invites_someone_in_their_subtree(
    personas, client_as, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://hifazat.gov.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(personas.focal_a).post(
            reverse("orgs:person_invite", args=[personas.learner_a.pk])
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amna@alpha.gov.example"]
    assert "https://hifazat.gov.example/accounts/password/reset/" in message.body
    assert "/key/" not in message.body  # no secret link in an invitation
    assert "Alpha Records Department" in message.body
    assert AuditEvent.objects.get(action="people.invited").data["people"] == [
        personas.learner_a.pk
    ]


def test_invitations_follow_scope(personas, client_as):
    c = client_as(personas.focal_a)
    assert c.post(reverse("orgs:person_invite", args=[personas.learner_b.pk])).status_code == 404
    assert (
        client_as(personas.learner_a)
        .post(reverse("orgs:person_invite", args=[personas.learner_a.pk]))
        .status_code
        == 404
    )
    assert mail.outbox == []


def test_invitation_is_in_the_persons_language(
    personas, client_as, django_capture_on_commit_callbacks
):
    Person.objects.filter(pk=personas.learner_a.pk).update(preferred_language="ur")
    with django_capture_on_commit_callbacks(execute=True):
        client_as(personas.focal_a).post(
            reverse("orgs:person_invite", args=[personas.learner_a.pk])
        )
    assert "السلام" in mail.outbox[0].body or "حفاظت" in mail.outbox[0].body


def test_import_then_invite_the_new_people_once(
    personas, client_as, django_capture_on_commit_callbacks
):
    header = "employee_number,full_name,email,designation,bps_grade,organisation,track"
    data = (
        header + "\nN-1,New One,new1@alpha.gov.example,Assistant,12,DIVA,general\n"
        "N-2,New Two,new2@alpha.gov.example,Assistant,12,DIVA,general\n"
    ).encode()
    c = client_as(personas.focal_a)
    detail = c.post(
        reverse("orgs:import"),
        {"file": SimpleUploadedFile("hr.csv", data), "organisation": "DIVA"},
    )["Location"]
    c.post(detail + "apply/")
    assert "Send invitations to the 2 new people" in c.get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        c.post(detail + "invite/")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "new1@alpha.gov.example",
        "new2@alpha.gov.example",
    ]
    assert c.post(detail + "invite/").status_code == 404  # only once
    assert len(mail.outbox) == 2
