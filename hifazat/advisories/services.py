"""Every write about advisories. Each checks who may do it (the workflow's separation of duties
included — enforced here, so no page or API route can bypass it), writes the audit log in the
same transaction, and queues e-mail only after it commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.advisories import policy
from hifazat.advisories.fields import defang
from hifazat.advisories.models import (
    TLP_RANK,
    Advisory,
    Attachment,
    Delivery,
    Evidence,
    Indicator,
    Measure,
    MeasureResponse,
    Message,
    Product,
    Recipient,
    Reference,
    Revision,
    Tlp,
    Vulnerability,
)
from hifazat.audit.services import audit_record
from hifazat.lib.markdown import render
from hifazat.orgs import access
from hifazat.orgs.models import Organisation, Person, RoleAssignment
from hifazat.orgs.roles import Role

AUTHOR, REVIEWER, PUBLISHER = Role.ADVISORY_AUTHOR, Role.ADVISORY_REVIEWER, Role.ADVISORY_PUBLISHER
MAX_UPLOAD = 10 * 1024 * 1024
# Allowed document types, recognised by their content (never by the name alone).
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
TEXT_TYPES = {".txt": "text/plain", ".csv": "text/csv", ".json": "application/json"}


def _audit(actor, action, obj, data=None, organisation_id=None):
    audit_record(
        actor=actor, action=action, obj=obj, data=data or {}, organisation_id=organisation_id
    )


def _require(actor, advisory: Advisory, *roles: str) -> None:
    if not policy.is_team(actor, advisory, *roles):
        raise PermissionDenied


# --- authoring -------------------------------------------------------------------------------


@dataclass
class Parts:
    measures: list[dict]
    indicators: list[dict]
    vulnerabilities: list[dict]
    products: list[dict]
    references: list[dict]


def next_number(issuer: Organisation, year: int) -> int:
    current = Advisory.objects.filter(issuer=issuer, year=year).aggregate(n=Max("number"))["n"]
    return (current or 0) + 1


def _check_audience(advisory: Advisory, organisations, people) -> None:
    if advisory.tlp == Tlp.RED and advisory.audience != Advisory.Audience.PEOPLE:
        raise ValidationError(_("A TLP:RED advisory goes to named people only."))
    if advisory.audience == Advisory.Audience.PEOPLE:
        if advisory.tlp != Tlp.RED:
            raise ValidationError(_("Named people are the audience of TLP:RED advisories only."))
        if not people:
            raise ValidationError(_("Name at least one person."))
    if advisory.audience == Advisory.Audience.GROUP and advisory.sharing_group_id is None:
        raise ValidationError(_("Choose the sharing group."))
    if advisory.audience == Advisory.Audience.ORGANISATIONS and not organisations:
        raise ValidationError(_("Choose at least one organisation."))
    if advisory.act_due < advisory.ack_due:
        raise ValidationError(_("The act-by deadline comes after the acknowledge-by deadline."))


@transaction.atomic
def advisory_save(
    *, actor, advisory: Advisory, parts: Parts, organisations=(), people=()
) -> Advisory:
    """Create or change the working copy (authors of the issuer; drafts only)."""
    creating = advisory.pk is None
    if creating:
        issuers = list(access.scoped_organisations(actor, AUTHOR))
        if advisory.issuer_id not in {o.pk for o in issuers}:
            raise PermissionDenied
        advisory.year = timezone.localdate().year
        advisory.number = next_number(advisory.issuer, advisory.year)
        advisory.tracking_id = f"{advisory.issuer.code}-ADV-{advisory.year}-{advisory.number:03d}"
        advisory.created_by = actor
    else:
        _require(actor, advisory, AUTHOR)
        current = Advisory.objects.select_for_update().get(pk=advisory.pk)
        if current.state != Advisory.State.DRAFT:
            raise ValidationError(_("Only a draft can be edited: start a revision first."))
        if current.live_id and TLP_RANK[advisory.tlp] < TLP_RANK[current.live.snapshot["tlp"]]:
            # lowering the label of something already shared is a decision the reviewer sees
            advisory.change_note = advisory.change_note or _("TLP lowered")
    _check_audience(advisory, organisations, people)
    advisory.save()
    advisory.organisations.set(
        organisations if advisory.audience == Advisory.Audience.ORGANISATIONS else []
    )
    advisory.people.set(people if advisory.audience == Advisory.Audience.PEOPLE else [])
    for model, rows in (
        (Measure, parts.measures),
        (Indicator, parts.indicators),
        (Vulnerability, parts.vulnerabilities),
        (Product, parts.products),
        (Reference, parts.references),
    ):
        model.objects.filter(advisory=advisory).delete()
        model.objects.bulk_create([model(advisory=advisory, **row) for row in rows])
    _audit(
        actor,
        "advisory.created" if creating else "advisory.changed",
        advisory,
        {"tracking_id": advisory.tracking_id, "tlp": advisory.tlp},
    )
    return advisory


def _transition(
    actor, advisory: Advisory, allowed_from: tuple, to: str, action: str, data=None
) -> Advisory:
    locked = Advisory.objects.select_for_update().get(pk=advisory.pk)
    if locked.state not in allowed_from:
        raise ValidationError(
            _("Not possible while the advisory is “%(state)s”.")
            % {"state": locked.get_state_display()}
        )
    locked.state = to
    return locked


@transaction.atomic
def advisory_submit(*, actor, advisory: Advisory) -> Advisory:
    _require(actor, advisory, AUTHOR)
    a = _transition(
        actor, advisory, (Advisory.State.DRAFT,), Advisory.State.IN_REVIEW, "submitted"
    )
    if not a.measures.exists():
        raise ValidationError(_("An advisory needs at least one recommended measure."))
    a.submitted_by = actor
    a.save(update_fields=["state", "submitted_by", "updated_at"])
    _audit(actor, "advisory.submitted", a)
    return a


@transaction.atomic
def advisory_review(*, actor, advisory: Advisory, approve: bool, note: str = "") -> Advisory:
    """A reviewer approves or returns the draft. The reviewer is never its author."""
    _require(actor, advisory, REVIEWER)
    a = _transition(
        actor,
        advisory,
        (Advisory.State.IN_REVIEW,),
        Advisory.State.APPROVED if approve else Advisory.State.DRAFT,
        "reviewed",
    )
    if actor.pk in (a.created_by_id, a.submitted_by_id):
        raise PermissionDenied(_("The author cannot approve their own advisory."))
    if not approve and not note.strip():
        raise ValidationError(_("Say what needs to change."))
    a.approved_by = actor if approve else None
    a.save(update_fields=["state", "approved_by", "updated_at"])
    _audit(actor, "advisory.approved" if approve else "advisory.returned", a, {"note": note})
    return a


def _snapshot(a: Advisory, number: int, published_at) -> dict:
    return {
        "tracking_id": a.tracking_id,
        "human_number": str(a.human_number),
        "reference_no": a.reference_no,
        "issuer": a.issuer.name,
        "issuer_code": a.issuer.code,
        "title": a.title,
        "kind": a.kind,
        "severity": a.severity,
        "tlp": a.tlp,
        "summary": a.summary,
        "summary_html": render(a.summary),
        "background_html": render(a.background),
        "ack_due": a.ack_due.isoformat(),
        "act_due": a.act_due.isoformat(),
        "revision": number,
        "published_at": published_at.isoformat(),
        "change_note": a.change_note,
        "measures": [
            {
                "number": m.number,
                "text": m.text,
                "mandatory": m.mandatory,
                "evidence_required": m.evidence_required,
            }
            for m in a.measures.all()
        ],
        "indicators": [
            {
                "type": i.type,
                "value": i.value,
                "defanged": defang(i.type, i.value),
                "description": i.description,
                "tlp": i.tlp,
            }
            for i in a.indicators.all()
        ],
        "vulnerabilities": [
            {
                "cve": v.cve,
                "cvss_v31": v.cvss_v31,
                "cvss_v40": v.cvss_v40,
                "score_v31": str(v.score_v31) if v.score_v31 is not None else None,
                "score_v40": str(v.score_v40) if v.score_v40 is not None else None,
                "severity": v.severity,
                "kev": v.kev,
            }
            for v in a.vulnerabilities.all()
        ],
        "products": [
            {"vendor": p.vendor, "name": p.name, "versions": p.versions} for p in a.products.all()
        ],
        "references": [{"url": r.url, "summary": r.summary} for r in a.references.all()],
        "attachments": [
            {
                "id": f.pk,
                "name": f.name,
                "mime": f.mime,
                "size": f.size,
                "sha256": f.sha256,
                "tlp": f.tlp,
            }
            for f in a.attachments.all()
        ],
    }


def audience_organisations(a: Advisory) -> list[Organisation]:
    today = timezone.localdate()
    current = Organisation.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    if a.audience == Advisory.Audience.ALL:
        return list(current)
    chosen = list(
        a.sharing_group.organisations.all()
        if a.audience == Advisory.Audience.GROUP
        else a.organisations.all()
    )
    children = (
        a.sharing_group.include_children
        if a.audience == Advisory.Audience.GROUP
        else a.include_children
    )
    if not children:
        return chosen
    q = Q()
    for org in chosen:
        q |= Q(path__startswith=org.path)
    return list(current.filter(q)) if chosen else []


def responders(org: Organisation) -> list[Person]:
    """Who answers for an organisation: its focal persons and heads; failing those, the
    nearest organisation above that has some (nobody is silently missed)."""
    ids = [int(p) for p in org.path.strip("/").split("/") if p]
    assignments = (
        RoleAssignment.objects.current()
        .filter(
            role__in=[Role.FOCAL_PERSON, Role.HEAD],
            organisation_id__in=ids,
            person__is_active=True,
        )
        .select_related("person", "organisation")
    )
    by_org: dict[int, list[Person]] = {}
    for a in assignments:
        by_org.setdefault(a.organisation_id, []).append(a.person)
    for org_id in reversed(ids):
        if by_org.get(org_id):
            return by_org[org_id]
    return []


@transaction.atomic
def advisory_publish(*, actor, advisory: Advisory) -> Advisory:
    """Publish (or publish a revision): an immutable snapshot, recipient rows, deliveries."""
    _require(actor, advisory, PUBLISHER)
    a = _transition(
        actor, advisory, (Advisory.State.APPROVED,), Advisory.State.PUBLISHED, "published"
    )
    people = {a.created_by_id, a.submitted_by_id, a.approved_by_id}
    if a.approved_by_id is None or a.approved_by_id in (a.created_by_id, a.submitted_by_id):
        raise PermissionDenied(_("An advisory is approved by someone other than its author."))
    if TLP_RANK[a.tlp] >= TLP_RANK[Tlp.AMBER] and actor.pk in people:
        raise PermissionDenied(
            _(
                "For TLP:AMBER and above, the author, the approver and the publisher are three different people."
            )
        )
    now = timezone.now()
    number = (a.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = Revision.objects.create(
        advisory=a,
        number=number,
        snapshot=_snapshot(a, number, now),
        change_note=a.change_note,
        published_at=now,
        author=a.created_by,
        approved_by=a.approved_by,
        published_by=actor,
    )
    a.live = revision
    a.published_tlp = a.tlp
    a.change_note = ""
    a.save(update_fields=["state", "live", "published_tlp", "change_note", "updated_at"])
    kind = "published" if number == 1 else "revised"
    recipients = _create_recipients(a)
    deliveries = []
    for recipient in recipients:
        targets = [recipient.person] if recipient.person_id else responders(recipient.organisation)
        # a stand-in from an organisation above is told only if the label lets them read it
        targets = [p for p in targets if policy.can_view(p, a)]
        for person in targets:
            for channel in (Delivery.Channel.APP, Delivery.Channel.EMAIL):
                deliveries.append(
                    Delivery(
                        recipient=recipient,
                        revision=number,
                        kind=kind,
                        channel=channel,
                        person=person,
                        address=person.email if channel == Delivery.Channel.EMAIL else "",
                        status=Delivery.Status.SENT
                        if channel == Delivery.Channel.APP
                        else Delivery.Status.QUEUED,
                        sent_at=now if channel == Delivery.Channel.APP else None,
                    )
                )
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    # by primary key: an UPDATE joined to a table filled in this same transaction can get a
    # very poor plan on PostgreSQL (no statistics yet)
    delivered = {d.recipient_id for d in deliveries}
    Recipient.objects.filter(pk__in=delivered, state=Recipient.State.PENDING).update(
        state=Recipient.State.DELIVERED
    )
    _audit(
        actor,
        "advisory.published",
        a,
        {"revision": number, "recipients": len(recipients), "deliveries": len(deliveries)},
    )
    from hifazat.advisories.tasks import deliver

    transaction.on_commit(lambda: deliver.enqueue(advisory_id=a.pk))
    return a


def _create_recipients(a: Advisory) -> list[Recipient]:
    """One row per organisation (per named person for TLP:RED); existing rows are kept."""
    if a.audience == Advisory.Audience.PEOPLE:
        rows = [
            Recipient(advisory=a, person=p, ack_due=a.ack_due, act_due=a.act_due)
            for p in a.people.all()
        ]
    else:
        rows = [
            Recipient(advisory=a, organisation=o, ack_due=a.ack_due, act_due=a.act_due)
            for o in audience_organisations(a)
        ]
    Recipient.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Recipient.objects.filter(advisory=a).select_related("organisation", "person"))


@transaction.atomic
def advisory_start_revision(*, actor, advisory: Advisory, note: str) -> Advisory:
    _require(actor, advisory, AUTHOR)
    if not note.strip():
        raise ValidationError(_("Say what the revision changes."))
    a = _transition(actor, advisory, (Advisory.State.PUBLISHED,), Advisory.State.DRAFT, "revision")
    a.change_note = note[:300]
    a.approved_by = None
    a.save(update_fields=["state", "change_note", "approved_by", "updated_at"])
    _audit(actor, "advisory.revision_started", a, {"note": note})
    return a


@transaction.atomic
def advisory_withdraw(
    *, actor, advisory: Advisory, reason: str, superseded_by: Advisory | None = None
) -> Advisory:
    _require(actor, advisory, PUBLISHER)
    if not reason.strip():
        raise ValidationError(_("Give the reason: recipients see it."))
    locked = Advisory.objects.select_for_update().get(pk=advisory.pk)
    if locked.live_id is None or locked.state in (
        Advisory.State.WITHDRAWN,
        Advisory.State.SUPERSEDED,
    ):
        raise ValidationError(_("Only a published advisory can be withdrawn or superseded."))
    if superseded_by is not None and (
        superseded_by.live_id is None or superseded_by.pk == locked.pk
    ):
        raise ValidationError(_("It can be superseded only by another published advisory."))
    locked.state = Advisory.State.SUPERSEDED if superseded_by else Advisory.State.WITHDRAWN
    locked.superseded_by = superseded_by
    locked.withdrawn_reason = reason[:300]
    locked.save(update_fields=["state", "superseded_by", "withdrawn_reason", "updated_at"])
    _audit(
        actor,
        "advisory.superseded" if superseded_by else "advisory.withdrawn",
        locked,
        {"reason": reason},
    )
    return locked


def check_upload(upload) -> tuple[bytes, str]:
    """(content, mime) for an allowed document; ValidationError naming the problem otherwise.
    Executables, archives and Office documents (which can carry macros) are refused."""
    if upload.size > MAX_UPLOAD:
        raise ValidationError(_("The file is larger than 10 MB."))
    data = upload.read()
    if not data:
        raise ValidationError(_("The file is empty."))
    for mime, magics in SIGNATURES.items():
        if data.startswith(magics):
            return data, mime
    suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if suffix in TEXT_TYPES:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("A text file must be UTF-8 text."))
        if b"\x00" not in data:
            return data, TEXT_TYPES[suffix]
    raise ValidationError(
        _(
            "Only PDF, PNG, JPEG, text, CSV and JSON files are accepted (no programs, archives or Office documents)."
        )
    )


def _stored(item, upload):
    """Check an upload and save it as ``item``'s file (named by its SHA-256), with its facts."""
    from django.core.files.base import ContentFile

    data, mime = check_upload(upload)
    item.name, item.mime, item.size = upload.name[:200], mime, len(data)
    item.sha256 = hashlib.sha256(data).hexdigest()
    item.file.save(item.sha256, ContentFile(data), save=False)
    item.save()
    return item


@transaction.atomic
def attachment_add(*, actor, advisory: Advisory, upload, tlp: str = "") -> Attachment:
    _require(actor, advisory, AUTHOR)
    if advisory.state != Advisory.State.DRAFT:
        raise ValidationError(_("Attachments are added to a draft."))
    if tlp and tlp not in TLP_RANK:
        raise ValidationError(_("Unknown TLP label."))
    if tlp and TLP_RANK[tlp] < TLP_RANK[advisory.tlp]:
        raise ValidationError(_("An attachment cannot be less restricted than its advisory."))
    attachment = _stored(
        Attachment(advisory=advisory, tlp=tlp if tlp != advisory.tlp else "", uploaded_by=actor),
        upload,
    )
    _audit(
        actor,
        "advisory.attachment_added",
        advisory,
        {"name": attachment.name, "sha256": attachment.sha256},
    )
    return attachment


# --- recipients ------------------------------------------------------------------------------


def _require_responder(actor, recipient: Recipient) -> None:
    if not policy.answers_for(actor, recipient):
        raise PermissionDenied
    if recipient.advisory.state == Advisory.State.WITHDRAWN:
        raise ValidationError(_("This advisory has been withdrawn."))


def _org_id(recipient):
    return recipient.organisation_id or (
        recipient.person.organisation_id if recipient.person_id else None
    )


@transaction.atomic
def recipient_viewed(*, actor, recipient: Recipient) -> None:
    if not policy.answers_for(actor, recipient) or recipient.first_viewed_at:
        return
    updated = Recipient.objects.filter(pk=recipient.pk, first_viewed_at__isnull=True).update(
        first_viewed_at=timezone.now(), first_viewed_by=actor
    )
    Recipient.objects.filter(
        pk=recipient.pk, state__in=[Recipient.State.PENDING, Recipient.State.DELIVERED]
    ).update(state=Recipient.State.VIEWED)
    if updated:
        _audit(
            actor,
            "advisory.viewed_first",
            recipient.advisory,
            {"recipient": recipient.pk},
            _org_id(recipient),
        )


@transaction.atomic
def acknowledge(*, actor, recipient: Recipient) -> Recipient:
    """Acknowledge receipt: once per recipient, timestamped by the server."""
    _require_responder(actor, recipient)
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if locked.acknowledged_at:
        return locked
    locked.acknowledged_at, locked.acknowledged_by = timezone.now(), actor
    if locked.state in Recipient.BEFORE_ACK:
        locked.state = Recipient.State.ACKNOWLEDGED
    locked.save(update_fields=["acknowledged_at", "acknowledged_by", "state"])
    _audit(
        actor, "advisory.acknowledged", locked.advisory, {"recipient": locked.pk}, _org_id(locked)
    )
    return locked


def _measures(recipient: Recipient) -> dict[int, dict]:
    return {m["number"]: m for m in recipient.advisory.live.snapshot["measures"]}


@transaction.atomic
def measure_respond(
    *,
    actor,
    recipient: Recipient,
    number: int,
    status: str,
    note: str = "",
    justification: str = "",
) -> MeasureResponse:
    _require_responder(actor, recipient)
    locked = (
        Recipient.objects.select_for_update(of=("self",))
        .select_related("advisory__live")
        .get(pk=recipient.pk)
    )
    if not locked.acknowledged_at:
        raise ValidationError(_("Acknowledge the advisory first."))
    if locked.state in Recipient.FINAL or locked.state == Recipient.State.AWAITING_HEAD:
        raise ValidationError(
            _("The report has been submitted; the issuer can return it for changes.")
        )
    if number not in _measures(locked):
        raise ValidationError(_("No such measure."))
    if status not in MeasureResponse.Status.values:
        raise ValidationError(_("Unknown status."))
    if (
        status in (MeasureResponse.Status.NOT_APPLICABLE, MeasureResponse.Status.CANNOT)
        and not justification.strip()
    ):
        raise ValidationError(_("Explain why the measure does not apply or cannot be done."))
    response, _created = MeasureResponse.objects.update_or_create(
        recipient=locked,
        measure_number=number,
        defaults={
            "status": status,
            "note": note[:2000],
            "justification": justification[:2000],
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    if locked.state in (Recipient.State.ACKNOWLEDGED, Recipient.State.RETURNED):
        locked.state = Recipient.State.IN_PROGRESS
        locked.save(update_fields=["state"])
    _audit(
        actor,
        "advisory.measure_answered",
        locked.advisory,
        {"recipient": locked.pk, "measure": number, "status": status},
        _org_id(locked),
    )
    return response


@transaction.atomic
def evidence_add(*, actor, recipient: Recipient, number: int, upload) -> Evidence:
    _require_responder(actor, recipient)
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if locked.state in Recipient.FINAL or locked.state == Recipient.State.AWAITING_HEAD:
        raise ValidationError(
            _("The report has been submitted; the issuer can return it for changes.")
        )
    response = MeasureResponse.objects.filter(recipient=recipient, measure_number=number).first()
    if response is None:
        raise ValidationError(_("Answer the measure before attaching evidence."))
    evidence = _stored(Evidence(response=response, uploaded_by=actor), upload)
    _audit(
        actor,
        "advisory.evidence_added",
        recipient.advisory,
        {"recipient": recipient.pk, "measure": number, "sha256": evidence.sha256},
        _org_id(recipient),
    )
    return evidence


OUTCOMES = (
    Recipient.State.IMPLEMENTED,
    Recipient.State.PARTIAL,
    Recipient.State.NOT_APPLICABLE,
    Recipient.State.CANNOT_COMPLY,
)


@transaction.atomic
def report_submit(
    *, actor, recipient: Recipient, outcome: str, justification: str = ""
) -> Recipient:
    """Submit what the organisation did. 'Implemented' needs every mandatory measure done (or
    justified as not applicable) with evidence where asked; 'cannot comply' goes to the head."""
    _require_responder(actor, recipient)
    locked = (
        Recipient.objects.select_for_update(of=("self",))
        .select_related("advisory__live")
        .get(pk=recipient.pk)
    )
    if outcome not in OUTCOMES:
        raise ValidationError(_("Unknown outcome."))
    if not locked.acknowledged_at:
        raise ValidationError(_("Acknowledge the advisory first."))
    if locked.state in Recipient.FINAL or locked.state == Recipient.State.AWAITING_HEAD:
        raise ValidationError(_("Already submitted."))
    responses = {r.measure_number: r for r in locked.responses.prefetch_related("evidence")}
    if outcome == Recipient.State.IMPLEMENTED:
        missing = []
        for number, measure in _measures(locked).items():
            r = responses.get(number)
            if not measure["mandatory"]:
                continue
            if r is None or r.status not in (
                MeasureResponse.Status.DONE,
                MeasureResponse.Status.NOT_APPLICABLE,
            ):
                missing.append(_("measure %(n)d is not done") % {"n": number})
            elif (
                measure["evidence_required"]
                and r.status == MeasureResponse.Status.DONE
                and not r.evidence.exists()
            ):
                missing.append(_("measure %(n)d needs evidence") % {"n": number})
        if missing:
            raise ValidationError(
                _("The report cannot say “implemented” while %(what)s.")
                % {"what": "; ".join(missing)}
            )
    elif not justification.strip():
        raise ValidationError(_("Explain the outcome: the issuer and your head read it."))
    locked.justification = justification[:4000]
    locked.outcome = outcome
    locked.submitted_at, locked.submitted_by = timezone.now(), actor
    locked.state = (
        Recipient.State.AWAITING_HEAD if outcome == Recipient.State.CANNOT_COMPLY else outcome
    )
    locked.save()
    _audit(
        actor,
        "advisory.report_submitted",
        locked.advisory,
        {"recipient": locked.pk, "outcome": outcome},
        _org_id(locked),
    )
    return locked


def is_head_of(actor, recipient: Recipient) -> bool:
    org = recipient.organisation or (
        recipient.person.organisation if recipient.person_id else None
    )
    return org is not None and any(
        a.role == Role.HEAD and a.organisation_id and org.path.startswith(a.organisation.path)
        for a in access.current_assignments(actor)
    )


@transaction.atomic
def cannot_comply_approve(*, actor, recipient: Recipient) -> Recipient:
    if not is_head_of(actor, recipient):
        raise PermissionDenied
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if locked.state != Recipient.State.AWAITING_HEAD:
        raise ValidationError(_("Nothing is waiting for the head's approval."))
    locked.state, locked.head_approved_by = Recipient.State.CANNOT_COMPLY, actor
    locked.save(update_fields=["state", "head_approved_by"])
    _audit(
        actor,
        "advisory.cannot_comply_approved",
        locked.advisory,
        {"recipient": locked.pk},
        _org_id(locked),
    )
    return locked


@transaction.atomic
def report_verify(*, actor, recipient: Recipient, accept: bool, message: str = "") -> Recipient:
    """The issuer verifies a submitted report, or returns it asking for more."""
    _require(actor, recipient.advisory, *policy.TEAM_ROLES)
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if locked.state not in Recipient.SUBMITTED:
        raise ValidationError(_("There is no submitted report to verify."))
    if not accept and not message.strip():
        raise ValidationError(_("Say what more is needed."))
    if accept:
        locked.state, locked.verified_at, locked.verified_by = (
            Recipient.State.VERIFIED,
            timezone.now(),
            actor,
        )
    else:
        locked.state = Recipient.State.RETURNED
    locked.save(update_fields=["state", "verified_at", "verified_by"])
    if message.strip():
        Message.objects.create(
            recipient=locked, author=actor, from_issuer=True, body=message[:4000]
        )
    _audit(
        actor,
        "advisory.report_verified" if accept else "advisory.report_returned",
        locked.advisory,
        {"recipient": locked.pk},
        _org_id(locked),
    )
    return locked


@transaction.atomic
def message_post(*, actor, recipient: Recipient, body: str) -> Message:
    from_issuer = policy.is_team(actor, recipient.advisory)
    if not from_issuer and not policy.answers_for(actor, recipient):
        raise PermissionDenied
    if not body.strip():
        raise ValidationError(_("Write a message."))
    message = Message.objects.create(
        recipient=recipient, author=actor, from_issuer=from_issuer, body=body.strip()[:4000]
    )
    _audit(
        actor,
        "advisory.message",
        recipient.advisory,
        {"recipient": recipient.pk},
        _org_id(recipient),
    )
    return message


@transaction.atomic
def extension_request(*, actor, recipient: Recipient, until, reason: str) -> Recipient:
    _require_responder(actor, recipient)
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if until <= locked.act_due:
        raise ValidationError(_("Ask for a date after the current deadline."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the extension."))
    locked.extension_until, locked.extension_reason, locked.extension_state = (
        until,
        reason[:300],
        "requested",
    )
    locked.save(update_fields=["extension_until", "extension_reason", "extension_state"])
    _audit(
        actor,
        "advisory.extension_requested",
        locked.advisory,
        {"recipient": locked.pk, "until": until.isoformat()},
        _org_id(locked),
    )
    return locked


@transaction.atomic
def extension_decide(*, actor, recipient: Recipient, grant: bool) -> Recipient:
    _require(actor, recipient.advisory, *policy.TEAM_ROLES)
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if locked.extension_state != "requested":
        raise ValidationError(_("No extension is waiting for a decision."))
    locked.extension_state = "granted" if grant else "refused"
    if grant:
        locked.act_due = locked.extension_until
    locked.save(update_fields=["extension_state", "act_due"])
    _audit(
        actor,
        "advisory.extension_" + locked.extension_state,
        locked.advisory,
        {"recipient": locked.pk},
        _org_id(locked),
    )
    return locked


@transaction.atomic
def sharing_group_save(*, actor, group, organisations) -> object:
    """A named audience (issuer teams keep them; a published advisory's recipients are fixed
    when it is published, so changing a group changes only later publications)."""
    if not policy.issuer_ids(actor):
        raise PermissionDenied
    if not organisations:
        raise ValidationError(_("Choose at least one organisation."))
    creating = group.pk is None
    group.save()
    group.organisations.set(organisations)
    _audit(
        actor,
        "sharing_group.created" if creating else "sharing_group.changed",
        group,
        {"name": group.name, "organisations": sorted(o.code for o in organisations)},
    )
    return group
