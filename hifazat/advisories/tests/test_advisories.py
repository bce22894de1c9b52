"""Advisories: the TLP matrix over every channel, the separation of duties, acknowledgement and
reporting within scope, delivery without duplicates, escalation, uploads, parsing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hifazat.advisories import fields, policy, services, tasks
from hifazat.advisories.models import Advisory, Delivery, Escalation, Recipient
from hifazat.advisories.tests.conftest import draft, publish
from hifazat.audit.models import AuditEvent
from hifazat.orgs.roles import Role
from hifazat.orgs.tokens import token_create
from tests.factories import make_person, make_totp

pytestmark = [pytest.mark.django_db]
SENTINEL = "SENTINEL-B-7Q"

# who → expected visibility for each label, with the audience "DIVA only" (RED: one named person)
VIEWERS = ["recipient", "sub_org", "other_org", "named", "platform_admin", "auditor", "anonymous"]
EXPECTED = {
    "CLEAR": dict.fromkeys(VIEWERS, True),
    "GREEN": {**dict.fromkeys(VIEWERS, True), "anonymous": False},
    "AMBER": {
        "recipient": True,
        "sub_org": True,
        "other_org": False,
        "named": False,
        "platform_admin": False,
        "auditor": False,
        "anonymous": False,
    },
    "AMBER+STRICT": {
        "recipient": True,
        "sub_org": False,
        "other_org": False,
        "named": False,
        "platform_admin": False,
        "auditor": False,
        "anonymous": False,
    },
    "RED": {
        "recipient": False,
        "sub_org": False,
        "other_org": False,
        "named": True,
        "platform_admin": False,
        "auditor": False,
        "anonymous": False,
    },
}


@pytest.fixture
def viewers(personas, orgs):
    named = make_person("Nasir Named", orgs["min_b"])
    return {
        "recipient": personas.focal_a,  # works in DIVA, the recipient organisation
        "sub_org": personas.learner_a,  # works in DEPA, below DIVA
        "other_org": personas.learner_b,
        "named": named,
        "platform_admin": personas.admin,
        "auditor": personas.auditor,
        "anonymous": None,
    }


def make_for(issuer, orgs, viewers, label, client_as=None):
    if label == "RED":
        a = draft(issuer, tlp=label, audience=Advisory.Audience.PEOPLE, people=[viewers["named"]])
    else:
        a = draft(
            issuer,
            tlp=label,
            audience=Advisory.Audience.ORGANISATIONS,
            organisations=[orgs["div_a"]],
            include_children=False,
        )
    with_attachment = services.attachment_add(
        actor=issuer["author"],
        advisory=a,
        upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter", "application/pdf"),
    )
    return publish(issuer, a), with_attachment


def client_for(person, client_as):
    return Client() if person is None else client_as(person)


@pytest.mark.parametrize("label", list(EXPECTED))
def test_tlp_matrix_every_viewer_every_channel(
    label, issuer, orgs, viewers, client_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        advisory, attachment = make_for(issuer, orgs, viewers, label)
    emailed = {m.to[0] for m in mail.outbox}
    title = advisory.live.snapshot["title"]
    for who in VIEWERS:
        person = viewers[who]
        allowed = EXPECTED[label][who]
        c = client_for(person, client_as)
        where = f"{label} / {who}"
        # the policy itself
        assert policy.can_view(person, advisory) is allowed, where
        # the page
        page = c.get(reverse("advisories:detail", args=[advisory.pk]))
        if allowed:
            assert page.status_code == 200 and title in page.text, where
        elif person is None:
            assert page.status_code == 302 and "/accounts/login/" in page["Location"], where
        else:
            assert page.status_code == 404, where
        # the attachment
        download = c.get(reverse("advisories:attachment", args=[advisory.pk, attachment.pk]))
        assert (download.status_code == 200) is allowed, where
        # search
        listing = c.get(reverse("advisories:home"), {"q": "e-Office"})
        assert (title in listing.text) is allowed, where
        # the API
        if person is not None:
            token = token_create(actor=person, name="t", scope="read", days=1)[1]
            api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            assert (api.get(f"/api/v1/advisories/{advisory.pk}").status_code == 200) is allowed, (
                where
            )
            assert (
                any(i["id"] == advisory.pk for i in api.get("/api/v1/advisories").json()["items"])
                is allowed
            ), where
        else:
            assert Client().get(f"/api/v1/advisories/{advisory.pk}").status_code == 401
        # e-mail goes only to people allowed to read it
        if person is not None and person.email in emailed:
            assert allowed, where
        # the acknowledgement page and the compliance export
        for recipient in advisory.recipients.all():
            ack = c.get(reverse("advisories:response", args=[recipient.pk]))
            assert ack.status_code in ((302,) if person is None else (200, 404)), where
            if ack.status_code == 200:
                assert allowed, where
        export = c.get(reverse("advisories:compliance", args=[advisory.pk]), {"format": "csv"})
        assert export.status_code in (302, 404), (
            where
        )  # none of these viewers is issuer or manager


def test_parts_keep_their_stricter_label(issuer, orgs, viewers, client_as):
    advisory = publish(issuer, draft(issuer, tlp="GREEN"))  # its IPv4 indicator is labelled RED
    page = client_as(viewers["other_org"]).get(reverse("advisories:detail", args=[advisory.pk]))
    assert "eoffice-reset[.]example" in page.text  # defanged, never a live link
    assert (
        "192[.]0[.]2[.]44" not in page.text
        and "more item carries a stricter TLP label" in page.text
    )
    with pytest.raises(ValidationError):
        parsed = fields.parse_indicators("ipv4 192.0.2.1 x tlp:CLEAR", "AMBER")
        raise ValidationError(parsed.errors)


def test_amber_views_are_audited_and_email_holds_only_a_link(
    issuer, orgs, viewers, client_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        advisory, _ = make_for(issuer, orgs, viewers, "AMBER")
    message = next(m for m in mail.outbox if viewers["recipient"].email in m.to)
    assert message.subject.startswith("[TLP:AMBER] ") and message.body.startswith("TLP:AMBER")
    assert message.subject == f"[TLP:AMBER] Advisory {advisory.tracking_id} from NTISB"
    assert (
        "Block the listed indicators" not in message.body and "eoffice-reset" not in message.body
    )
    assert reverse("advisories:detail", args=[advisory.pk]) in message.body
    client_as(viewers["recipient"]).get(reverse("advisories:detail", args=[advisory.pk]))
    assert AuditEvent.objects.filter(action="advisory.viewed", actor=viewers["recipient"]).exists()


def test_green_email_carries_the_text_defanged(
    issuer, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish(issuer, draft(issuer, tlp="GREEN"))
    message = next(m for m in mail.outbox if personas.focal_a.email in m.to)
    assert message.subject.startswith("[TLP:GREEN] Cyber Security Advisory")
    assert (
        "Block the listed indicators" in message.body and "eoffice-reset[.]example" in message.body
    )
    assert "192[.]0[.]2[.]44" not in message.body  # the RED indicator stays out of e-mail


# --- separation of duties --------------------------------------------------------------------


def test_author_cannot_approve_and_amber_needs_three_people(issuer, orgs):
    a = draft(
        issuer,
        tlp="AMBER",
        audience=Advisory.Audience.ORGANISATIONS,
        organisations=[orgs["div_a"]],
    )
    services.advisory_submit(actor=issuer["author"], advisory=a)
    # the author holding the reviewer role too still cannot approve their own advisory
    from hifazat.orgs.models import RoleAssignment

    RoleAssignment.objects.create(
        person=issuer["author"], role=Role.ADVISORY_REVIEWER, organisation=issuer["org"]
    )
    RoleAssignment.objects.create(
        person=issuer["reviewer"], role=Role.ADVISORY_PUBLISHER, organisation=issuer["org"]
    )
    with pytest.raises(PermissionDenied):
        services.advisory_review(actor=issuer["author"], advisory=a, approve=True)
    services.advisory_review(actor=issuer["reviewer"], advisory=a, approve=True)
    with pytest.raises(PermissionDenied, match="three different people"):
        services.advisory_publish(actor=issuer["reviewer"], advisory=a)  # approver publishing
    with pytest.raises(PermissionDenied):
        services.advisory_publish(actor=issuer["author"], advisory=a)  # author without the role
    services.advisory_publish(actor=issuer["publisher"], advisory=a)
    assert Advisory.objects.get(pk=a.pk).state == Advisory.State.PUBLISHED


def test_workflow_routes_enforce_the_same_rules(issuer, client_as, orgs):
    a = draft(
        issuer,
        tlp="AMBER+STRICT",
        audience=Advisory.Audience.ORGANISATIONS,
        organisations=[orgs["div_a"]],
    )
    author = client_as(issuer["author"])
    author.post(reverse("advisories:workflow", args=[a.pk, "submit"]))
    author.post(reverse("advisories:workflow", args=[a.pk, "approve"]))
    author.post(reverse("advisories:workflow", args=[a.pk, "publish"]))
    assert Advisory.objects.get(pk=a.pk).state == Advisory.State.IN_REVIEW
    # and through the API there is no write route for the workflow at all
    token = token_create(actor=issuer["publisher"], name="t", scope="write", days=1)[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.post(f"/api/v1/advisories/{a.pk}/publish").status_code in (404, 405)


def test_a_revision_keeps_the_published_text_until_published(issuer, personas, client_as):
    a = publish(issuer, draft(issuer, tlp="GREEN"))
    services.advisory_start_revision(actor=issuer["author"], advisory=a, note="New indicators")
    a.refresh_from_db()
    a.title = "Cyber Security Advisory – Revised title"
    services.advisory_save(
        actor=issuer["author"],
        advisory=a,
        parts=services.Parts(
            measures=[
                {
                    "number": 1,
                    "text": "Only this now.",
                    "mandatory": True,
                    "evidence_required": False,
                }
            ],
            indicators=[],
            vulnerabilities=[],
            products=[],
            references=[],
        ),
    )
    page = client_as(personas.learner_b).get(reverse("advisories:detail", args=[a.pk]))
    assert "Fake e-Office Password Expiry" in page.text and "Revised title" not in page.text
    services.advisory_submit(actor=issuer["author"], advisory=a)
    services.advisory_review(actor=issuer["reviewer"], advisory=a, approve=True)
    services.advisory_publish(actor=issuer["publisher"], advisory=a)
    page = client_as(personas.learner_b).get(reverse("advisories:detail", args=[a.pk]))
    assert "Revised title" in page.text and "Revision history" in page.text
    assert a.revisions.count() == 2
    old = client_as(personas.learner_b).get(reverse("advisories:revision", args=[a.pk, 1]))
    assert "Fake e-Office Password Expiry" in old.text


# --- recipients: acknowledge, respond, submit, verify -----------------------------------------


@pytest.fixture
def amber(issuer, orgs):
    return publish(
        issuer,
        draft(
            issuer,
            tlp="AMBER",
            audience=Advisory.Audience.ORGANISATIONS,
            organisations=[orgs["div_a"], orgs["div_b"]],
            include_children=False,
        ),
    )


def test_acknowledge_once_with_server_time_and_report_with_evidence(
    amber, issuer, personas, orgs, client_as
):
    recipient = Recipient.objects.get(advisory=amber, organisation=orgs["div_a"])
    c = client_as(personas.focal_a)
    url = reverse("advisories:response", args=[recipient.pk])
    assert c.get(url).status_code == 200
    recipient.refresh_from_db()
    assert (
        recipient.state == Recipient.State.VIEWED and recipient.first_viewed_by == personas.focal_a
    )
    before = timezone.now()
    c.post(url, {"action": "acknowledge", "acknowledged_at": "2020-01-01T00:00:00Z"})
    c.post(url, {"action": "acknowledge"})
    recipient.refresh_from_db()
    assert recipient.acknowledged_at >= before  # the server's time, not the client's
    assert AuditEvent.objects.filter(action="advisory.acknowledged").count() == 1
    with pytest.raises(ValidationError, match="measure 1 is not done"):
        services.report_submit(actor=personas.focal_a, recipient=recipient, outcome="implemented")
    c.post(
        url, {"action": "measure", "number": 1, "status": "done", "note": "Blocked on the gateway"}
    )
    c.post(
        url, {"action": "measure", "number": 2, "status": "not_applicable"}
    )  # refused: no justification
    assert recipient.responses.count() == 1
    c.post(url, {"action": "measure", "number": 2, "status": "done", "note": "Circular issued"})
    with pytest.raises(ValidationError, match="measure 1 needs evidence"):
        services.report_submit(actor=personas.focal_a, recipient=recipient, outcome="implemented")
    bad = SimpleUploadedFile("proof.exe", b"MZ\x90\x00 program", "application/octet-stream")
    c.post(url, {"action": "evidence", "number": 1, "file": bad})
    macro = SimpleUploadedFile("proof.docm", b"PK\x03\x04 word", "application/vnd.ms-word")
    c.post(url, {"action": "evidence", "number": 1, "file": macro})
    assert not recipient.responses.get(measure_number=1).evidence.exists()
    good = SimpleUploadedFile("gateway.png", b"\x89PNG\r\n\x1a\n....", "image/png")
    c.post(url, {"action": "evidence", "number": 1, "file": good})
    evidence = recipient.responses.get(measure_number=1).evidence.get()
    c.post(url, {"action": "submit", "outcome": "implemented"})
    recipient.refresh_from_db()
    assert recipient.state == Recipient.State.IMPLEMENTED
    # the issuer verifies; the compliance view shows it
    issuer_client = client_as(issuer["reviewer"])
    assert issuer_client.get(reverse("advisories:evidence", args=[evidence.pk])).status_code == 200
    issuer_client.post(url, {"action": "verify"})
    recipient.refresh_from_db()
    assert recipient.state == Recipient.State.VERIFIED
    compliance = issuer_client.get(reverse("advisories:compliance", args=[amber.pk]))
    assert "Verified" in compliance.text and "Alpha Division" in compliance.text


def test_focal_person_of_b_cannot_reach_a_responses_or_evidence(amber, personas, orgs, client_as):
    a_row = Recipient.objects.get(advisory=amber, organisation=orgs["div_a"])
    b_row = Recipient.objects.get(advisory=amber, organisation=orgs["div_b"])
    services.acknowledge(actor=personas.focal_b, recipient=b_row)
    services.measure_respond(
        actor=personas.focal_b, recipient=b_row, number=1, status="done", note=SENTINEL
    )
    services.evidence_add(
        actor=personas.focal_b,
        recipient=b_row,
        number=1,
        upload=SimpleUploadedFile("b.txt", SENTINEL.encode(), "text/plain"),
    )
    evidence = b_row.responses.get().evidence.get()
    focal_a = client_as(personas.focal_a)
    assert focal_a.get(reverse("advisories:response", args=[b_row.pk])).status_code == 404
    assert (
        focal_a.post(
            reverse("advisories:response", args=[b_row.pk]), {"action": "acknowledge"}
        ).status_code
        == 404
    )
    assert focal_a.get(reverse("advisories:evidence", args=[evidence.pk])).status_code == 404
    own = focal_a.get(reverse("advisories:response", args=[a_row.pk]))
    assert own.status_code == 200 and SENTINEL not in own.text
    with pytest.raises(PermissionDenied):
        services.acknowledge(actor=personas.focal_a, recipient=b_row)
    token = token_create(actor=personas.focal_a, name="t", scope="write", days=1)[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.post(f"/api/v1/advisories/responses/{b_row.pk}/acknowledge").status_code == 404
    listed = api.get("/api/v1/advisories/responses").json()
    assert [r["id"] for r in listed["items"]] == [a_row.pk]
    assert SENTINEL not in str(listed)
    # a manager sees states, and only in aggregate for other organisations' details
    page = client_as(personas.focal_b).get(reverse("advisories:organisation", args=["DIVA"]))
    assert page.status_code == 404


def test_cannot_comply_needs_the_head(amber, personas, orgs):
    recipient = Recipient.objects.get(advisory=amber, organisation=orgs["div_a"])
    services.acknowledge(actor=personas.focal_a, recipient=recipient)
    with pytest.raises(ValidationError):
        services.report_submit(
            actor=personas.focal_a, recipient=recipient, outcome="cannot_comply"
        )
    services.report_submit(
        actor=personas.focal_a,
        recipient=recipient,
        outcome="cannot_comply",
        justification="The appliance is end of life; replacement is funded for March.",
    )
    recipient.refresh_from_db()
    assert recipient.state == Recipient.State.AWAITING_HEAD
    with pytest.raises(PermissionDenied):
        services.cannot_comply_approve(actor=personas.focal_a, recipient=recipient)
    services.cannot_comply_approve(actor=personas.head_a, recipient=recipient)
    recipient.refresh_from_db()
    assert (
        recipient.state == Recipient.State.CANNOT_COMPLY
        and recipient.head_approved_by == personas.head_a
    )


def test_extension_and_messages(amber, issuer, personas, orgs):
    recipient = Recipient.objects.get(advisory=amber, organisation=orgs["div_a"])
    until = recipient.act_due + timedelta(days=7)
    services.extension_request(
        actor=personas.focal_a,
        recipient=recipient,
        until=until,
        reason="Vendor patch due next week",
    )
    with pytest.raises(PermissionDenied):
        services.extension_decide(actor=personas.focal_a, recipient=recipient, grant=True)
    services.extension_decide(actor=issuer["publisher"], recipient=recipient, grant=True)
    recipient.refresh_from_db()
    assert recipient.act_due == until
    services.message_post(
        actor=personas.focal_a, recipient=recipient, body="Patch scheduled for Tuesday."
    )
    services.message_post(
        actor=issuer["reviewer"], recipient=recipient, body="Thank you; send the change record."
    )
    assert [m.from_issuer for m in recipient.messages.all()] == [False, True]
    with pytest.raises(PermissionDenied):
        services.message_post(actor=personas.focal_b, recipient=recipient, body="hello")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_acknowledgement_is_one(issuer, orgs, personas):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    a = publish(
        issuer,
        draft(
            issuer,
            tlp="GREEN",
            audience=Advisory.Audience.ORGANISATIONS,
            organisations=[orgs["div_a"]],
            include_children=False,
        ),
    )
    recipient = Recipient.objects.get(advisory=a)

    def ack(_):
        try:
            return services.acknowledge(
                actor=personas.focal_a, recipient=recipient
            ).acknowledged_at
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        stamps = set(pool.map(ack, range(8)))
    assert len(stamps) == 1
    assert AuditEvent.objects.filter(action="advisory.acknowledged").count() == 1


# --- delivery and escalation -----------------------------------------------------------------


def test_delivery_is_recorded_and_never_repeated(
    issuer, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = publish(issuer, draft(issuer, tlp="GREEN"))
    sent = len(mail.outbox)
    assert sent > 0
    assert Delivery.objects.filter(channel="email", status="sent").count() == sent
    assert Delivery.objects.filter(channel="app").count() == sent  # an in-app notice beside each
    tasks.deliver.call(advisory_id=a.pk)  # a restarted worker
    tasks.deliver_queued.call()
    assert len(mail.outbox) == sent
    # a row claimed by a worker that died mid-send is not sent again either
    d = Delivery.objects.filter(channel="email").first()
    Delivery.objects.filter(pk=d.pk).update(status="sending")
    tasks.deliver.call(advisory_id=a.pk)
    assert len(mail.outbox) == sent


def test_reminders_then_head_then_issuer_each_once(issuer, personas, orgs):
    import time_machine

    a = publish(
        issuer,
        draft(
            issuer,
            tlp="GREEN",
            audience=Advisory.Audience.ORGANISATIONS,
            organisations=[orgs["div_a"]],
            include_children=False,
        ),
    )
    recipient = Recipient.objects.get(advisory=a)
    mail.outbox.clear()
    with time_machine.travel((recipient.ack_due - timedelta(hours=2)).timestamp()):
        tasks.send_deadline_notices.call()
        tasks.send_deadline_notices.call()
    assert {m.to[0] for m in mail.outbox} == {
        personas.focal_a.email,
        personas.head_a.email,
    }  # both answer for DIVA
    assert all(m.subject.startswith("[TLP:GREEN] Reminder:") for m in mail.outbox)
    mail.outbox.clear()
    with time_machine.travel((recipient.ack_due + timedelta(hours=1)).timestamp()):
        tasks.send_deadline_notices.call()
    assert [m.to[0] for m in mail.outbox] == [personas.head_a.email]
    mail.outbox.clear()
    with time_machine.travel((recipient.ack_due + timedelta(days=4)).timestamp()):
        tasks.send_deadline_notices.call()
        assert recipient.overdue() == "acknowledgement"
    assert {m.to[0] for m in mail.outbox} == {
        issuer["author"].email,
        issuer["reviewer"].email,
        issuer["publisher"].email,
    }
    assert Escalation.objects.filter(recipient=recipient).count() == 3


# --- parsing ---------------------------------------------------------------------------------


def test_indicators_are_validated_by_type_and_defanged():
    parsed = fields.parse_indicators(
        "ipv4 192.0.2.10 C2\nipv6 2001:db8::1\ndomain Bad-Site.example\nurl hxxps://bad[.]example/login\n"
        "email Admin@Mofa-Secure.example\nsha256 "
        + "a"
        * 64
        + "\nphone +92 300 0000123\napp com.example.fakeupdate\n"
        "ipv4 300.1.1.1\nmd5 1234\nfoo bar",
        "GREEN",
    )
    assert [i["value"] for i in parsed.items][:5] == [
        "192.0.2.10",
        "2001:db8::1",
        "bad-site.example",
        "https://bad.example/login",
        "admin@mofa-secure.example",
    ]
    assert len(parsed.errors) == 3 and parsed.errors[0].startswith("Line 9:")
    assert fields.defang("url", "https://bad.example/x") == "hxxps://bad[.]example/x"
    assert fields.defang("email", "a@b.example") == "a[@]b[.]example"


def test_cvss_scores_are_computed_not_typed():
    parsed = fields.parse_vulnerabilities(
        "CVE-2026-90001 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H kev\n"
        "CVE-2026-90002 CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\n"
        "CVE-2026-90003 CVSS:3.1/AV:X\nnot-a-cve"
    )
    first, second = parsed.items[:2]
    assert (str(first["score_v31"]), first["severity"], first["kev"]) == ("9.8", "critical", True)
    assert (str(second["score_v40"]), second["severity"]) == ("9.3", "critical")
    assert len(parsed.errors) == 2


def test_uploads_are_allow_listed_by_content(issuer):
    a = draft(issuer)
    for name, data in (
        ("x.pdf", b"MZ\x90 program renamed"),
        ("x.docx", b"PK\x03\x04"),
        ("x.txt", b"\x00\x01binary"),
        ("x.html", b"<script>"),
    ):
        with pytest.raises(ValidationError):
            services.attachment_add(
                actor=issuer["author"], advisory=a, upload=SimpleUploadedFile(name, data)
            )
    ok = services.attachment_add(
        actor=issuer["author"],
        advisory=a,
        upload=SimpleUploadedFile("iocs.csv", b"type,value\nipv4,192.0.2.1\n"),
    )
    assert ok.mime == "text/csv"


def test_red_goes_to_named_people_only(issuer, personas, orgs):
    with pytest.raises(ValidationError):
        draft(issuer, tlp="RED")  # not to all organisations
    named = make_person("Nasir Named", orgs["min_b"])
    make_totp(named)
    a = publish(
        issuer, draft(issuer, tlp="RED", audience=Advisory.Audience.PEOPLE, people=[named])
    )
    assert list(a.recipients.values_list("person", flat=True)) == [named.pk]
    recipient = a.recipients.get()
    assert policy.answers_for(named, recipient) and not policy.answers_for(
        personas.focal_b, recipient
    )


def test_a_label_lowered_in_a_draft_revision_changes_nothing_until_published(
    issuer, orgs, personas, client_as
):
    a = publish(
        issuer,
        draft(
            issuer,
            tlp="AMBER",
            audience=Advisory.Audience.ORGANISATIONS,
            organisations=[orgs["div_a"]],
        ),
    )
    services.advisory_start_revision(
        actor=issuer["author"], advisory=a, note="Cleared for release"
    )
    a.refresh_from_db()
    a.tlp = "CLEAR"
    services.advisory_save(
        actor=issuer["author"],
        advisory=a,
        parts=services.Parts(
            measures=[{"number": 1, "text": "x", "mandatory": True, "evidence_required": False}],
            indicators=[],
            vulnerabilities=[],
            products=[],
            references=[],
        ),
        organisations=[orgs["div_a"]],
    )
    assert Client().get(reverse("advisories:detail", args=[a.pk])).status_code == 302
    assert (
        client_as(personas.learner_b).get(reverse("advisories:detail", args=[a.pk])).status_code
        == 404
    )
    assert not policy.visible_advisories(None).filter(pk=a.pk).exists()


def test_issuer_teams_keep_sharing_groups(issuer, orgs, personas, client_as):
    from hifazat.advisories.models import SharingGroup

    url = reverse("advisories:sharing_groups")
    assert client_as(personas.focal_a).get(url).status_code == 404
    assert client_as(personas.pm).get(url).status_code == 404
    author = client_as(issuer["author"])
    response = author.post(
        url,
        {
            "name": "Energy sector",
            "organisations": [orgs["min_a"].pk, orgs["min_b"].pk],
            "include_children": "on",
        },
    )
    assert response.status_code == 302
    group = SharingGroup.objects.get(name="Energy sector")
    assert set(group.organisations.values_list("code", flat=True)) == {"MINA", "MINB"}
    assert AuditEvent.objects.filter(action="sharing_group.created").exists()
    audience = services.audience_organisations(
        Advisory(audience=Advisory.Audience.GROUP, sharing_group=group)
    )
    assert {o.code for o in audience} == {"MINA", "DIVA", "DEPA", "MINB", "DIVB"}
    with pytest.raises(ValidationError, match="sharing group"):
        draft(issuer, tlp="AMBER", audience=Advisory.Audience.GROUP)
