"""API for the readiness dashboards: the nation's and each organisation's measures, from the
same snapshot as the pages (shares are 0–1, times in seconds; null means no data)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from ninja import Router, Schema, Status

from hifazat.api.schemas import ErrorOut
from hifazat.orgs import access
from hifazat.reports import snapshots, tables, views

router = Router(tags=["reports"])
COMMON = {400: dict, 401: ErrorOut, 422: dict}


class MeasuresOut(Schema):
    staff: int
    it_admins: int
    basic_coverage: float | None
    advanced_coverage: float | None
    certificates_valid: int
    certificates_expiring_60_days: int
    learning_gain: float | None
    raw_gain_points: float | None
    learning_gain_people: int
    lab_completion: float | None
    lab_median_score: float | None
    last_campaign_id: int | None
    last_campaign_click_rate: float | None
    last_campaign_report_rate: float | None
    last_campaign_median_seconds_to_report: float | None
    click_rate_12_months: float | None
    report_rate_12_months: float | None
    advisories_received: int
    acknowledgement_rate: float | None
    implementation_rate: float | None
    mean_seconds_to_acknowledge: float | None
    overdue_advisories: int
    readiness: float | None


class OrganisationMeasuresOut(Schema):
    id: int
    code: str
    name: str
    measures: MeasuresOut


class ReportOut(Schema):
    as_of: datetime
    taken_at: datetime
    weights: dict[str, int]
    formula: str
    measures: MeasuresOut
    organisation: OrganisationMeasuresOut | None
    organisations: list[OrganisationMeasuresOut]


def _org_rows(view, orgs, weights) -> list[dict]:
    found = view.many(orgs)
    return [
        {
            "id": o.pk,
            "code": o.code,
            "name": o.name,
            "measures": found[o.pk].as_dict(weights) if o.pk in found else None,
        }
        for o in orgs
        if o.pk in found
    ]


def _report(view, weights, figures, org, orgs) -> dict:
    return {
        "as_of": view.snapshot.as_of,
        "taken_at": view.snapshot.taken_at,
        "weights": weights,
        "formula": tables.readiness_formula(weights),
        "measures": figures.as_dict(weights),
        "organisation": (
            {
                "id": org.pk,
                "code": org.code,
                "name": org.name,
                "measures": figures.as_dict(weights),
            }
            if org
            else None
        ),
        "organisations": _org_rows(view, orgs, weights),
    }


@router.get("/national", response={200: ReportOut, 404: ErrorOut, **COMMON})
def national(request):
    """The nation's measures and every ministry's and division's (programme managers,
    auditors, platform admins and advisory issuers)."""
    if not access.has_role(request.user, *views.NATIONAL_ROLES):
        return Status(404, {"detail": "Not found."})
    view, weights = snapshots.read(), snapshots.weights()
    return _report(view, weights, view.figures(None), None, views.national_rows())


@router.get("/organisations/{org_id}", response={200: ReportOut, 404: ErrorOut, **COMMON})
def organisation(request, org_id: int):
    """One organisation's measures (over its subtree) and its sub-organisations'."""
    try:
        org = views.get_reachable(request.user, org_id)
    except Http404:
        return Status(404, {"detail": "Not found."})
    view, weights = snapshots.read(), snapshots.weights()
    children = views.current_orgs(org.children.all())
    return _report(view, weights, view.figures(org), org, children)
