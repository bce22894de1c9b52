"""Results pages: a campaign's figures by variant and organisation, the trend over campaigns,
repeat offenders, the recipients table and exports, and the reported-mail mailbox.

Aggregates are computed in the database (``results``); tables are paginated on the server.
Anything that names people (the recipients table, repeat offenders, exports of them) is
audited on every view, and does not exist for a pseudonymous campaign (404)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hifazat.advisories.fields import defang
from hifazat.audit.services import audit_record
from hifazat.lib.spreadsheets import csv_stream, xlsx_bytes
from hifazat.orgs.access import any_role, policy
from hifazat.orgs.models import Organisation, Person
from hifazat.orgs.roles import Role
from hifazat.phishing import results, selectors
from hifazat.phishing.models import Campaign, ReportedMessage, Send

VIEWERS = any_role(*selectors.RESULT_ROLES)
MAILBOX_READERS = any_role(Role.CAMPAIGN_OPERATOR, Role.PLATFORM_ADMIN, Role.AUDITOR)
PAGE_SIZE = 50
ORG_SORTS = {
    "name": lambda r: r.name.lower(),
    "delivered": lambda r: -r.delivered,
    "click": lambda r: -(r.click_rate or 0),
    "report": lambda r: -(r.report_rate or 0),
    "resilience": lambda r: -(r.resilience or 0),
}
OUTCOMES = {
    "failed": results.FAILED,
    "human": Q(human_at__isnull=False),
    "submitted": Q(submitted_at__isnull=False),
    "reported": Q(reported_at__isnull=False),
    "scanner": Q(clicked_at__isnull=False, human_at__isnull=True, submitted_at__isnull=True),
    "no_action": Q(
        state=Send.State.SENT,
        human_at__isnull=True,
        submitted_at__isnull=True,
        reported_at__isnull=True,
    ),
}


def _campaign(request, pk) -> tuple[Campaign, object]:
    campaign = selectors.get_visible(
        selectors.result_campaigns(request.user).select_related("organisation"), pk
    )
    return campaign, selectors.result_scope(request.user, campaign)


def _breakdown(campaign, scope) -> tuple[results.Row, list[results.Row], list[results.Row]]:
    """Totals, rows by variant and rows by organisation, named for the page."""
    total, by_variant, orgs = results.breakdown(campaign, scope)
    variants = []
    for v in campaign.variants.select_related("template").order_by("label"):
        row = by_variant.get(v.pk, results.Row(key=(v.pk,)))
        row.name, row.label = f"{v.label}: {v.template.name}", v.label
        variants.append(row)
    names = dict(
        Organisation.objects.filter(pk__in=[r.key[0] for r in orgs]).values_list("pk", "name")
    )
    other = _("Other organisations (fewer than %(n)d people each)") % {
        "n": results.PSEUDONYMOUS_MIN_GROUP
    }
    for row in orgs:
        if campaign.pseudonymous and row.key == (None,):
            row.name = other
        else:
            row.name = names.get(row.key[0]) or _("(no organisation)")
    return total, variants, orgs


@policy(VIEWERS)
@require_GET
def overview(request):
    """The trend over the campaigns a person can see (their subtree's part of each)."""
    scope = selectors.subtree_scope(request.user)
    campaigns = selectors.result_campaigns(request.user).order_by("-launched_at")
    page = Paginator(campaigns, 24).get_page(request.GET.get("page"))
    rows = results.tally(campaigns, ("campaign",), scope)  # every campaign: the total too
    overall = results.Row()
    for row in rows.values():
        overall.add(row)
    trend = []
    for c in page.object_list:
        row = rows.get((c.pk,), results.Row(key=(c.pk,)))
        row.campaign = c
        trend.append(row)
    offenders = results.repeat_offenders(scope=scope).count()
    return render(
        request,
        "phishing/results_overview.html",
        {
            "page": page,
            "trend": trend,
            "chart": list(reversed(trend)),
            "overall": overall,
            "offenders": offenders,
            "national": scope is None,
            "operator": selectors.is_operator(request.user),
            "mailbox": selectors.reported_messages_visible_to(request.user).exists(),
        },
    )


@policy(VIEWERS)
@require_GET
def campaign_results(request, pk):
    campaign, scope = _campaign(request, pk)
    totals, variants, orgs = _breakdown(campaign, scope)
    sort = request.GET.get("sort", "click")
    orgs.sort(key=ORG_SORTS.get(sort, ORG_SORTS["click"]))
    org_page = Paginator(orgs, PAGE_SIZE).get_page(request.GET.get("page"))
    offenders = 0 if campaign.pseudonymous else results.repeat_offenders(campaign, scope).count()
    return render(
        request,
        "phishing/results_campaign.html",
        {
            "campaign": campaign,
            "scope": scope,
            "totals": totals,
            "variants": variants,
            "page": org_page,
            "query": urlencode({"sort": sort}),
            "sort": sort,
            "sorts": [
                ("click", _("Click rate")),
                ("report", _("Report rate")),
                ("resilience", _("Resilience ratio")),
                ("delivered", _("Messages delivered")),
                ("name", _("Name")),
            ],
            "offenders": offenders,
        },
    )


def _recipients(campaign, scope, outcome: str):
    if campaign.pseudonymous or campaign.reduced_at:
        raise Http404
    sends = Send.objects.filter(campaign=campaign)
    if scope is not None:
        sends = sends.filter(scope)
    if outcome == "repeat":
        sends = sends.filter(
            person__in=results.repeat_offenders(campaign, scope).values("person_id")
        )
    elif outcome in OUTCOMES:
        sends = sends.filter(OUTCOMES[outcome])
    return sends.order_by("organisation__name", "email", "pk")


def _with_details(ids) -> list[Send]:
    """The page's rows with their person, organisation and variant: sorting and counting
    happen on narrow rows (ids), and only these few are loaded whole."""
    found = Send.objects.select_related("person", "organisation", "variant").in_bulk(list(ids))
    return [found[pk] for pk in ids if pk in found]


def _audit_view(user, campaign, what: str, rows: int, fmt: str = "page") -> None:
    audit_record(
        actor=user,
        action="phishing.results_viewed" if fmt == "page" else "phishing.results_exported",
        obj=campaign,
        data={"what": what, "format": fmt, "rows": rows},
    )


@policy(VIEWERS)
@require_GET
def recipients(request, pk):
    """Who did what: identifiable, so every view is audited."""
    campaign, scope = _campaign(request, pk)
    outcome = request.GET.get("outcome", "failed")
    page = Paginator(
        _recipients(campaign, scope, outcome).values_list("pk", flat=True), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    page.object_list = _with_details(list(page.object_list))
    _audit_view(request.user, campaign, f"recipients:{outcome}", len(page.object_list))
    return render(
        request,
        "phishing/results_recipients.html",
        {
            "campaign": campaign,
            "page": page,
            "outcome": outcome,
            "outcomes": _outcome_labels(),
            "query": urlencode({"outcome": outcome}),
        },
    )


def _outcome_labels() -> list[tuple[str, str]]:
    return [
        ("failed", _("Fell for it (human click or submission)")),
        ("human", _("Human click")),
        ("submitted", _("Submitted the form")),
        ("reported", _("Reported")),
        ("scanner", _("Scanner hit only")),
        ("no_action", _("Delivered, no action")),
        ("repeat", _("Repeat offenders")),
        ("all", _("Everyone")),
    ]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _pct(value) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _aggregate_table(rows: list[results.Row]) -> tuple[list[str], list[list]]:
    header = [
        _("Group"),
        _("Recipients"),
        _("Delivered"),
        _("Opened (unreliable)"),
        _("Human clicks"),
        _("Scanner hits"),
        _("Submissions"),
        _("Reports"),
        _("Click rate %"),
        _("Submit rate %"),
        _("Report rate %"),
        _("Resilience ratio"),
        _("Median minutes to report"),
    ]
    body = [
        [
            r.name,
            r.recipients,
            r.delivered,
            r.opened,
            r.human,
            r.scanner,
            r.submitted,
            r.reported,
            _pct(r.click_rate),
            _pct(r.submit_rate),
            _pct(r.report_rate),
            "" if r.resilience is None else round(r.resilience, 2),
            "" if r.median_report_seconds is None else round(r.median_report_seconds / 60, 1),
        ]
        for r in rows
    ]
    return header, body


@policy(VIEWERS)
@require_GET
def export(request, pk, table, fmt):
    """Variants and organisations (aggregates) or recipients (identifiable) as CSV or XLSX;
    every export is audited."""
    campaign, scope = _campaign(request, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if table in ("variants", "organisations"):
        _total, variants, orgs = _breakdown(campaign, scope)
        header, rows = _aggregate_table(variants if table == "variants" else orgs)
    elif table == "recipients":
        header = [
            _("E-mail"),
            _("Name"),
            _("Organisation"),
            _("Variant"),
            _("State"),
            _("Delivered"),
            _("Opened (unreliable)"),
            _("Link fetched"),
            _("Human click"),
            _("Submitted"),
            _("Reported"),
        ]
        rows = [
            [
                s.email,
                s.person.full_name if s.person else "",
                s.organisation.name if s.organisation else "",
                s.variant.label,
                s.get_state_display(),
                _when(s.sent_at),
                _when(s.opened_at),
                _when(s.clicked_at),
                _when(s.human_at),
                _when(s.submitted_at),
                _when(s.reported_at),
            ]
            for s in _recipients(campaign, scope, request.GET.get("outcome", "all"))
            .select_related("person", "organisation", "variant")
            .iterator(chunk_size=2000)
        ]
    else:
        raise Http404
    _audit_view(request.user, campaign, table, len(rows), fmt)
    name = f"hifazat-phishing-{campaign.pk}-{table}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_stream(header, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            xlsx_bytes(table[:31], header, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@policy(VIEWERS)
@require_GET
def repeat_offenders(request):
    """People who fell for two or more simulations in the last year, within reach (audited)."""
    scope = selectors.subtree_scope(request.user)
    page = Paginator(results.repeat_offenders(scope=scope), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    people = Person.objects.select_related("organisation").in_bulk(
        [row["person_id"] for row in page.object_list]
    )
    rows = [(people.get(row["person_id"]), row["campaigns"]) for row in page.object_list]
    audit_record(
        actor=request.user,
        action="phishing.repeat_offenders_viewed",
        object_type="phishing.campaign",
        data={"rows": len(rows), "page": page.number},
    )
    return render(request, "phishing/repeat_offenders.html", {"page": page, "rows": rows})


@policy(MAILBOX_READERS)
@require_GET
def reported(request):
    """Real (non-simulation) messages from the reported-mail mailbox, for the security team."""
    kind = request.GET.get("kind", "real")
    messages = selectors.reported_messages_visible_to(request.user).select_related("organisation")
    page = Paginator(messages.filter(kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    for m in page.object_list:
        m.safe_urls = [defang("url", u) for u in m.urls]
        m.safe_sender = defang("email", m.sender) if "@" in m.sender else m.sender
    counts = dict(messages.values_list("kind").annotate(n=Count("id")).order_by())
    return render(
        request,
        "phishing/reported.html",
        {
            "page": page,
            "kind": kind,
            "kinds": [
                (value, f"{label} ({counts.get(value, 0)})")
                for value, label in ReportedMessage.Kind.choices
            ],
            "query": urlencode({"kind": kind}),
        },
    )
