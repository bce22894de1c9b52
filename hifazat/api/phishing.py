"""API for phishing simulation: the campaigns a token's person can see, their live sending
status and results (aggregates), and the events of non-pseudonymous campaigns."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count
from django.http import Http404
from django.utils.dateparse import parse_datetime
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from hifazat.api.pagination import Page
from hifazat.api.schemas import ErrorOut
from hifazat.audit.services import audit_record
from hifazat.orgs.models import Organisation
from hifazat.phishing import results, selectors
from hifazat.phishing.models import Campaign, Event, Send

router = Router(tags=["phishing"])
COMMON = {400: dict, 401: ErrorOut, 422: dict}


class CampaignOut(Schema):
    id: int
    name: str
    owner: str | None
    state: str
    recipients: int
    start_at: datetime
    send_by: datetime | None
    launched_at: datetime | None
    pseudonymous: bool


class VariantStatus(Schema):
    label: str
    template: str
    landing_page: str
    counts: dict[str, int]


class CampaignStatusOut(CampaignOut):
    approved_by: str | None
    authorisation_reference: str
    totals: dict[str, int]
    variants: list[VariantStatus]


def _out(c: Campaign) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "owner": c.organisation.code if c.organisation else None,
        "state": c.state,
        "recipients": c.recipient_count,
        "start_at": c.start_at,
        "send_by": c.send_by,
        "launched_at": c.launched_at,
        "pseudonymous": c.pseudonymous,
    }


@router.get("/campaigns", response={200: list[CampaignOut], **COMMON})
@paginate(Page)
def list_campaigns(request, state: str = ""):
    """Campaigns within the token person's reach (national operators, auditors: all)."""
    qs = (
        selectors.campaigns_visible_to(request.user).select_related("organisation").order_by("-pk")
    )
    if state:
        qs = qs.filter(state=state)
    return [_out(c) for c in qs]


@router.get(
    "/campaigns/{int:campaign_id}", response={200: CampaignStatusOut, 404: ErrorOut, **COMMON}
)
def get_campaign(request, campaign_id: int):
    """A campaign and its sending status: messages per state, per variant."""
    try:
        c = selectors.get_visible(
            selectors.campaigns_visible_to(request.user).select_related(
                "organisation", "approved_by"
            ),
            campaign_id,
        )
    except Http404:
        return Status(404, {"detail": "Not found."})
    states = [s for s, _label in Send.State.choices]
    per: dict[int, dict[str, int]] = {}
    for row in (
        Send.objects.filter(campaign=c)
        .values("variant_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per.setdefault(row["variant_id"], dict.fromkeys(states, 0))[row["state"]] = row["n"]
    totals = dict.fromkeys(states, 0)
    for counts in per.values():
        for k, v in counts.items():
            totals[k] += v
    return {
        **_out(c),
        "approved_by": c.approved_by.full_name if c.approved_by else None,
        "authorisation_reference": c.authorisation_reference,
        "totals": totals,
        "variants": [
            {
                "label": v.label,
                "template": v.template.name,
                "landing_page": v.landing.name,
                "counts": per.get(v.pk, dict.fromkeys(states, 0)),
            }
            for v in c.variants.select_related("template", "landing")
        ],
    }


class ResultOut(Schema):
    group: str | None
    recipients: int
    attempted: int
    delivered: int
    opened: int
    clicked: int
    human: int
    scanner: int
    submitted: int
    failed: int
    reported: int
    click_rate: float | None
    submit_rate: float | None
    report_rate: float | None
    resilience_ratio: float | None
    median_seconds_to_report: float | None


class CampaignResultsOut(Schema):
    campaign: CampaignOut
    whole_campaign: bool
    totals: ResultOut
    variants: list[ResultOut]
    organisations: list[ResultOut]


class EventOut(Schema):
    id: int
    kind: str
    at: datetime
    email: str
    person_id: int | None
    organisation: str | None
    variant: str
    fields: list[str]

    @staticmethod
    def resolve_email(e) -> str:
        return e.send.email

    @staticmethod
    def resolve_person_id(e) -> int | None:
        return e.send.person_id

    @staticmethod
    def resolve_organisation(e) -> str | None:
        return e.send.organisation.code if e.send.organisation else None

    @staticmethod
    def resolve_variant(e) -> str:
        return e.send.variant.label


def _result_campaign(request, campaign_id: int) -> Campaign:
    return selectors.get_visible(
        selectors.result_campaigns(request.user).select_related("organisation"), campaign_id
    )


@router.get(
    "/campaigns/{int:campaign_id}/results",
    response={200: CampaignResultsOut, 404: ErrorOut, **COMMON},
)
def campaign_results(request, campaign_id: int):
    """Results by variant and organisation (aggregates only). Focal persons get their
    subtree's part of a campaign; in a pseudonymous campaign organisations with fewer than
    five recipients are grouped together."""
    try:
        c = _result_campaign(request, campaign_id)
    except Http404:
        return Status(404, {"detail": "Not found."})
    scope = selectors.result_scope(request.user, c)
    labels = dict(c.variants.values_list("pk", "label"))
    total, variants, orgs = results.breakdown(c, scope)
    codes = dict(
        Organisation.objects.filter(pk__in=[r.key[0] for r in orgs]).values_list("pk", "code")
    )
    for row in orgs:
        row.name = "other" if c.pseudonymous and row.key == (None,) else codes.get(row.key[0])
    return {
        "campaign": _out(c),
        "whole_campaign": scope is None,
        "totals": {"group": None, **total.as_dict()},
        "variants": [
            {"group": labels.get(pk), **row.as_dict()} for pk, row in sorted(variants.items())
        ],
        "organisations": [{"group": row.name, **row.as_dict()} for row in orgs],
    }


@router.get(
    "/campaigns/{int:campaign_id}/events",
    response={200: list[EventOut], 403: ErrorOut, 404: ErrorOut, **COMMON},
)
@paginate(Page)
def campaign_events(request, campaign_id: int, kind: str = "", since: str = ""):
    """Every open, link fetch, human click, submission and report, oldest first, with the
    recipient's address (never what was typed). Not for pseudonymous campaigns, whose results
    are aggregate-only (403). Each call is audited."""
    try:
        c = _result_campaign(request, campaign_id)
    except Http404:
        raise HttpError(404, "Not found.") from None
    if c.pseudonymous:
        raise HttpError(403, "Pseudonymous campaign: results are aggregate-only.")
    if c.reduced_at:
        raise HttpError(403, "Identifiable results were reduced under the retention policy.")
    scope = selectors.result_scope(request.user, c)
    events = Event.objects.filter(campaign_id=c.pk).select_related(
        "send__organisation", "send__variant"
    )
    if scope is not None:
        sends = Send.objects.filter(scope, campaign=c)
        events = events.filter(send__in=sends)
    if kind:
        events = events.filter(kind=kind)
    if since:
        when = parse_datetime(since)
        if when is None:
            raise HttpError(422, "since: not an ISO 8601 date and time.")
        events = events.filter(at__gte=when)
    audit_record(
        actor=request.user,
        action="phishing.events_read",
        obj=c,
        data={"kind": kind, "since": since},
    )
    return events.order_by("at", "pk")
