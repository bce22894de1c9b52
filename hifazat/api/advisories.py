"""API for advisories: what the token's person may read (the same TLP policy as the pages),
their organisation's recipient rows, acknowledging and answering measures (write tokens).
Timestamps are the server's: a client-sent ``acknowledged_at`` is ignored."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from hifazat.advisories import policy, services
from hifazat.api.auth import require_write
from hifazat.api.pagination import Page
from hifazat.api.schemas import ErrorOut

router = Router(tags=["advisories"])
COMMON = {400: dict, 401: ErrorOut, 422: dict}


class AdvisoryOut(Schema):
    id: int
    tracking_id: str
    title: str
    tlp: str
    kind: str
    severity: str
    state: str
    revision: int
    published_at: datetime


class AdvisoryDetailOut(AdvisoryOut):
    summary: str
    ack_due: datetime
    act_due: datetime
    measures: list[dict]
    indicators: list[dict]
    vulnerabilities: list[dict]
    products: list[dict]
    references: list[dict]


class RecipientOut(Schema):
    id: int
    advisory: int
    tracking_id: str
    organisation: str | None
    state: str
    ack_due: datetime
    act_due: datetime
    acknowledged_at: datetime | None
    overdue: str | None


class MeasureIn(Schema):
    status: str = Field(
        ..., description="not_started | in_progress | done | not_applicable | cannot"
    )
    note: str = Field("", max_length=2000)
    justification: str = Field("", max_length=2000)


class MeasureOut(Schema):
    measure: int
    status: str
    note: str
    justification: str


def _out(a) -> dict:
    s = a.live.snapshot
    return {
        "id": a.pk,
        "tracking_id": a.tracking_id,
        "title": s["title"],
        "tlp": s["tlp"],
        "kind": s["kind"],
        "severity": s["severity"],
        "state": a.state,
        "revision": s["revision"],
        "published_at": datetime.fromisoformat(s["published_at"]),
    }


def _recipient_out(r) -> dict:
    return {
        "id": r.pk,
        "advisory": r.advisory_id,
        "tracking_id": r.advisory.tracking_id,
        "organisation": r.organisation.code if r.organisation_id else None,
        "state": r.state,
        "ack_due": r.ack_due,
        "act_due": r.act_due,
        "acknowledged_at": r.acknowledged_at,
        "overdue": r.overdue(),
    }


@router.get("", response={200: list[AdvisoryOut], **COMMON})
@paginate(Page)
def list_advisories(request, q: str = ""):
    """Published advisories the person may read, newest first."""
    advisories = (
        policy.visible_advisories(request.user).filter(live__isnull=False).select_related("live")
    )
    if q:
        advisories = advisories.filter(live__snapshot__title__icontains=q[:100])
    return [_out(a) for a in advisories.order_by("-live__published_at", "pk")]


@router.get("/responses", response={200: list[RecipientOut], **COMMON})
@paginate(Page)
def my_responses(request):
    """The recipient rows the person answers for (their organisation's, or their own for RED)."""
    rows = (
        policy.recipients_for(request.user)
        .select_related("advisory", "organisation")
        .order_by("act_due", "pk")
    )
    return [_recipient_out(r) for r in rows]


@router.get("/{int:advisory_id}", response={200: AdvisoryDetailOut, 404: ErrorOut, **COMMON})
def get_advisory(request, advisory_id: int):
    try:
        a = policy.get_advisory_for_user(request.user, advisory_id)
    except Http404:
        return Status(404, {"detail": "Not found."})
    if a.live_id is None:
        return Status(404, {"detail": "Not found."})
    s = a.live.snapshot
    return {
        **_out(a),
        "summary": s["summary"],
        "ack_due": datetime.fromisoformat(s["ack_due"]),
        "act_due": datetime.fromisoformat(s["act_due"]),
        "measures": s["measures"],
        "indicators": [
            {k: i[k] for k in ("type", "value", "defanged", "description", "tlp")}
            for i in policy.allowed_parts(request.user, a, s["indicators"])
        ],
        "vulnerabilities": s["vulnerabilities"],
        "products": s["products"],
        "references": s["references"],
    }


def _recipient(request, recipient_id):
    rec = policy.get_recipient_for_user(request.user, recipient_id)
    if not policy.answers_for(request.user, rec):
        raise Http404
    return rec


@router.post(
    "/responses/{int:recipient_id}/acknowledge",
    response={200: RecipientOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON},
)
def acknowledge(request, recipient_id: int):
    """Acknowledge receipt (once; the server records the time). Any body is ignored."""
    require_write(request)
    try:
        rec = _recipient(request, recipient_id)
        rec = services.acknowledge(actor=request.user, recipient=rec)
    except (Http404, PermissionDenied):
        return Status(404, {"detail": "Not found."})
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    rec.refresh_from_db()
    return _recipient_out(rec)


@router.put(
    "/responses/{int:recipient_id}/measures/{int:number}",
    response={200: MeasureOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON},
)
def answer_measure(request, recipient_id: int, number: int, payload: MeasureIn):
    require_write(request)
    try:
        rec = _recipient(request, recipient_id)
        r = services.measure_respond(
            actor=request.user,
            recipient=rec,
            number=number,
            status=payload.status,
            note=payload.note,
            justification=payload.justification,
        )
    except (Http404, PermissionDenied):
        return Status(404, {"detail": "Not found."})
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    return {
        "measure": r.measure_number,
        "status": r.status,
        "note": r.note,
        "justification": r.justification,
    }


def _exportable(request, advisory_id: int):
    from hifazat.advisories.exchange.views import exportable

    advisory = policy.get_advisory_for_user(request.user, advisory_id)
    return advisory, exportable(request.user, advisory)


@router.get("/{int:advisory_id}/csaf", response={200: dict, 404: ErrorOut, **COMMON})
def csaf_document(request, advisory_id: int):
    """The advisory as a CSAF 2.0 document (the signed file and its signature are at
    /advisories/{id}/csaf.json and csaf.json.asc). Never for TLP:RED."""
    import json

    from hifazat.advisories.exchange.views import signed_csaf

    try:
        advisory, revision = _exportable(request, advisory_id)
    except Http404:
        return Status(404, {"detail": "Not found."})
    data, _sha, _sig = signed_csaf(revision)
    return json.loads(data)


@router.get("/{int:advisory_id}/stix", response={200: dict, 404: ErrorOut, **COMMON})
def stix_bundle(request, advisory_id: int):
    """The advisory as a STIX 2.1 bundle with TLP 2.0 markings. Never for TLP:RED."""
    from hifazat.advisories.exchange.stix import stix_bundle as build

    try:
        advisory, revision = _exportable(request, advisory_id)
    except Http404:
        return Status(404, {"detail": "Not found."})
    return build(revision, request.user)
