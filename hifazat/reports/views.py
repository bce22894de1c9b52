"""The readiness dashboards: national (every ministry and division side by side) and per
organisation (its subtree, its sub-organisations compared, what needs action now), with CSV,
XLSX and PDF exports and the readiness weights.

Who sees what:

* national dashboard — programme managers, auditors, platform admins and advisory issuers
  (authors, reviewers, publishers); figures only, no names;
* an organisation's dashboard — its focal persons and heads (their subtree), and programme
  managers, auditors and platform admins (any organisation). It names people (overdue
  training, expiring certificates, repeat clickers), so every view and export is audited.
  Anything else: 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hifazat.audit.services import audit_record
from hifazat.lib.spreadsheets import csv_stream, xlsx_bytes
from hifazat.orgs import access
from hifazat.orgs.access import any_role, policy
from hifazat.orgs.models import Organisation
from hifazat.orgs.roles import Role
from hifazat.reports import measures, snapshots, tables

NATIONAL_ROLES = (
    Role.PROGRAMME_MANAGER,
    Role.AUDITOR,
    Role.PLATFORM_ADMIN,
    Role.ADVISORY_AUTHOR,
    Role.ADVISORY_REVIEWER,
    Role.ADVISORY_PUBLISHER,
)
ANY_ORGANISATION = (Role.PROGRAMME_MANAGER, Role.AUDITOR, Role.PLATFORM_ADMIN)
ORG_ROLES = (Role.FOCAL_PERSON, Role.HEAD)
VIEWERS = any_role(*NATIONAL_ROLES, *ORG_ROLES)
NATIONAL = any_role(*NATIONAL_ROLES)
WEIGHT_SETTERS = any_role(Role.PROGRAMME_MANAGER)
FORMATS = ("csv", "xlsx")


def reachable(user) -> QuerySet[Organisation]:
    """Organisations whose dashboard the person may open."""
    if access.has_role(user, *ANY_ORGANISATION):
        return Organisation.objects.all()
    orgs = access.scoped_organisations(user, *ORG_ROLES)
    if not orgs:
        return Organisation.objects.none()
    q = Q()
    for org in orgs:
        q |= org.subtree_q()
    return Organisation.objects.filter(q)


def get_reachable(user, pk: int) -> Organisation:
    org = reachable(user).filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


def current_orgs(qs: QuerySet[Organisation]) -> list[Organisation]:
    today = timezone.localdate()
    return list(qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)).order_by("name"))


def national_rows() -> list[Organisation]:
    return current_orgs(
        Organisation.objects.filter(
            kind__in=[Organisation.Kind.MINISTRY, Organisation.Kind.DIVISION]
        )
    )


def _sort(request) -> tuple[str, bool]:
    sort = request.GET.get("sort", "readiness")
    if sort not in tables.SORT_KEYS:
        sort = "readiness"
    return sort, request.GET.get("dir", "desc" if sort != "name" else "asc") == "desc"


def _org_link(user):
    allowed = set(reachable(user).values_list("pk", flat=True))
    return lambda org: (
        reverse("reports:organisation", args=[org.pk]) if org.pk in allowed else None
    )


def national_tables(user, view, weights, sort="readiness", descending=True) -> list[tables.Table]:
    figures = view.figures(None)
    return [
        tables.comparison(
            "organisations",
            _("Ministries and divisions"),
            national_rows(),
            view,
            weights,
            sort,
            descending,
            link=_org_link(user) if user is not None else None,
        ),
        tables.quarter_comparison(None, weights),
        tables.coverage_trend(None, weights),
        tables.phishing_trend(figures),
        tables.advisory_trend(None),
    ]


def organisation_tables(
    user,
    org,
    view,
    weights,
    sort="readiness",
    descending=True,
    limit=tables.ACTION_LIMIT,
    with_actions=True,
) -> tuple[list[tables.Table], list[tables.Table]]:
    """(comparison and trend tables, action tables) of one organisation's dashboard."""
    figures = view.figures(org)
    children = current_orgs(org.children.all())
    main = []
    if children:
        main.append(
            tables.comparison(
                "suborganisations",
                _("Sub-organisations"),
                children,
                view,
                weights,
                sort,
                descending,
                link=_org_link(user) if user is not None else None,
            )
        )
    main += [
        tables.quarter_comparison(org, weights),
        tables.coverage_trend(org, weights),
        tables.phishing_trend(figures),
        tables.advisory_trend(org),
    ]
    actions = [
        tables.action_table(key, org, limit, figures)
        for key in (tables.ACTION_TABLES if with_actions else ())
    ]
    return main, actions


def _context(view, figures, weights) -> dict:
    return {
        "snapshot": view.snapshot,
        "age_minutes": int(view.age.total_seconds() // 60),
        "f": figures,
        "weights": weights,
        "readiness": figures.readiness(weights),
        "formula": tables.readiness_formula(weights),
        "components": [
            (c, weights.get(c.key, 0), getattr(figures, c.key)) for c in measures.COMPONENTS
        ],
        "definitions": _definitions(),
    }


def _definitions() -> list[tuple[str, str]]:
    return [
        (_("Staff"), _("people active on the platform; IT administrators are those of the IT-administrator track.")),
        (_("Basic coverage"), _("staff holding a valid certificate of the basic course ÷ staff.")),
        (_("Advanced coverage"), _("IT administrators holding a valid advanced certificate ÷ IT administrators.")),
        (_("Learning gain (g)"), _("(best final test − first pre-test) ÷ (100 − pre-test), averaged over everyone who took both; 1 would mean everyone reached full marks.")),
        (_("Lab completion"), _("IT administrators who finished at least one lab ÷ IT administrators; the median score is of finished labs, in whole per cent of their points.")),
        (_("Phishing"), _("campaigns launched in the last 12 months: click rate = human clicks ÷ messages delivered; report rate = reporters ÷ messages delivered; time to report runs from delivery to the first report.")),
        (_("Advisories"), _("acknowledged ÷ received; implemented (or not applicable) ÷ those whose act-by date has passed or that were answered; time to acknowledge runs from first publication; overdue = a deadline passed unmet.")),
        (_("No data"), _("shown when there is nothing to count (no staff, no campaign, no advisory): never as 0 %.")),
    ]  # fmt: skip


@policy(VIEWERS)
@require_GET
def home(request):
    if access.has_role(request.user, *NATIONAL_ROLES):
        return redirect("reports:national")
    orgs = sorted(access.scoped_organisations(request.user, *ORG_ROLES), key=lambda o: o.path)
    if not orgs:
        raise Http404
    return redirect("reports:organisation", orgs[0].pk)


@policy(NATIONAL)
@require_GET
def national(request):
    view = snapshots.read()
    weights = snapshots.weights()
    sort, descending = _sort(request)
    figures = view.figures(None)
    context = _context(view, figures, weights)
    context.update(
        {
            "national": True,
            "title": _("National readiness"),
            "tables": national_tables(request.user, view, weights, sort, descending),
            "actions": [],
            "sort": sort,
            "descending": descending,
            "can_set_weights": access.has_role(request.user, Role.PROGRAMME_MANAGER),
            "export_base": reverse("reports:national_export", args=["organisations", "csv"])[
                : -len("organisations.csv")
            ],
            "pdf_url": reverse("reports:national_pdf"),
        }
    )
    return render(request, "reports/dashboard.html", context)


@policy(VIEWERS)
@require_GET
def organisation(request, pk):
    org = get_reachable(request.user, pk)
    view = snapshots.read()
    weights = snapshots.weights()
    sort, descending = _sort(request)
    figures = view.figures(org)
    main, actions = organisation_tables(request.user, org, view, weights, sort, descending)
    audit_record(actor=request.user, action="reports.viewed", obj=org, data={"what": "dashboard"})
    context = _context(view, figures, weights)
    context.update(
        {
            "national": False,
            "organisation": org,
            "title": org.name,
            "parent": org.parent
            if org.parent_id and reachable(request.user).filter(pk=org.parent_id).exists()
            else None,
            "tables": main,
            "actions": actions,
            "sort": sort,
            "descending": descending,
            "show_national": access.has_role(request.user, *NATIONAL_ROLES),
            "export_base": reverse(
                "reports:organisation_export", args=[org.pk, "coverage", "csv"]
            )[: -len("coverage.csv")],
            "pdf_url": reverse("reports:organisation_pdf", args=[org.pk]),
        }
    )
    return render(request, "reports/dashboard.html", context)


def _respond(request, table: tables.Table, fmt: str, obj, scope: str):
    audit_record(
        actor=request.user,
        action="reports.exported",
        obj=obj,
        data={"scope": scope, "table": table.key, "format": fmt, "rows": len(table.rows)},
    )
    name = f"hifazat-{scope}-{table.key}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_stream(table.header, table.export_rows()), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            xlsx_bytes(table.title[:31], table.header, table.export_rows()),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pick(found: list[tables.Table], key: str) -> tables.Table:
    for table in found:
        if table.key == key:
            return table
    raise Http404


@policy(NATIONAL)
@require_GET
def national_export(request, table, fmt):
    if fmt not in FORMATS:
        raise Http404
    view = snapshots.read()
    weights = snapshots.weights()
    sort, descending = _sort(request)
    found = _pick(national_tables(None, view, weights, sort, descending), table)
    return _respond(request, found, fmt, None, "national")


@policy(VIEWERS)
@require_GET
def organisation_export(request, pk, table, fmt):
    org = get_reachable(request.user, pk)
    if fmt not in FORMATS:
        raise Http404
    view = snapshots.read()
    weights = snapshots.weights()
    if table in tables.ACTION_TABLES:
        found = tables.action_table(table, org, None)
    else:
        sort, descending = _sort(request)
        main, _none = organisation_tables(
            None, org, view, weights, sort, descending, with_actions=False
        )
        found = _pick(main, table)
    return _respond(request, found, fmt, org, org.code)


@policy(NATIONAL)
@require_GET
def national_pdf(request):
    from hifazat.reports import pdf

    data = pdf.national_report(request.user)
    audit_record(
        actor=request.user, action="reports.exported", data={"scope": "national", "format": "pdf"}
    )
    return _pdf_response(data, "national")


@policy(VIEWERS)
@require_GET
def organisation_pdf(request, pk):
    from hifazat.reports import pdf

    org = get_reachable(request.user, pk)
    data = pdf.organisation_report(org)
    audit_record(
        actor=request.user,
        action="reports.exported",
        obj=org,
        data={"scope": org.code, "format": "pdf"},
    )
    return _pdf_response(data, org.code)


def _pdf_response(data: bytes, scope: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    name = f"hifazat-readiness-{scope}-{timezone.localdate().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class WeightsForm(forms.Form):
    note = forms.CharField(label=_("Reason for the change"), max_length=300, required=False)

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for c in measures.COMPONENTS:
            self.fields[c.key] = forms.IntegerField(
                label=c.label, min_value=0, max_value=100, initial=current.get(c.key, c.weight)
            )
        self.order_fields([c.key for c in measures.COMPONENTS] + ["note"])

    def clean(self):
        data = super().clean()
        if all(data.get(c.key) == 0 for c in measures.COMPONENTS):
            raise forms.ValidationError(_("At least one weight must be more than 0."))
        return data


@policy(WEIGHT_SETTERS)
@require_http_methods(["GET", "POST"])
def weights(request):
    current = snapshots.weights()
    form = WeightsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        new = {c.key: form.cleaned_data[c.key] for c in measures.COMPONENTS}
        snapshots.set_weights(request.user, new, form.cleaned_data["note"])
        messages.success(request, _("The readiness weights were changed."))
        return redirect("reports:national")
    from hifazat.reports.models import ReadinessWeights

    return render(
        request,
        "reports/weights.html",
        {
            "form": form,
            "history": ReadinessWeights.objects.select_related("changed_by")[:20],
            "formula": tables.readiness_formula(current),
            "components": measures.COMPONENTS,
        },
    )
