"""API for phishing simulation: the campaigns a token's person can see and their live sending
status (counts only: no recipient is named)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count
from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from hifazat.api.pagination import Page
from hifazat.api.schemas import ErrorOut
from hifazat.phishing import selectors
from hifazat.phishing.models import Campaign, Send

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
