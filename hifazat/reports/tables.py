"""The dashboards' tables: one definition each, used by the page, the CSV and XLSX exports,
the PDF report and the API, so that they always agree."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hifazat.advisories.models import Recipient
from hifazat.orgs.models import Organisation, Person
from hifazat.phishing import results
from hifazat.phishing.models import Campaign
from hifazat.reports import measures, snapshots

ACTION_LIMIT = 100  # rows of an action list shown on the page; exports have them all


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | pct | delta (share points) | gain | duration | date | score


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # the first cell's link per row
    chart: str = ""  # "bar" | "line" | "" (none)
    series: tuple[int, ...] = ()  # the columns the chart draws
    total: int | None = None  # rows in all, when the page shows only some
    note: str = ""
    sortable: bool = False
    chart_labels: list[str] = field(default_factory=list)  # short labels for the chart

    @property
    def header(self) -> list[str]:
        return [c.label for c in self.columns]

    def cells(self):
        """(link, chart label, cells) per row; cells are (column, value) pairs."""
        for i, row in enumerate(self.rows):
            link = self.links[i] if i < len(self.links) else None
            label = self.chart_labels[i] if i < len(self.chart_labels) else ""
            yield link, label, list(zip(self.columns, row, strict=True))

    def export_rows(self):
        """Plain values for CSV and XLSX: shares as percentages, durations in hours, none
        as an empty cell."""
        for row in self.rows:
            yield [export_value(c.kind, v) for c, v in zip(self.columns, row, strict=True)]


def export_value(kind: str, value):
    if value is None:
        return ""
    if kind in ("pct", "score"):
        return round(100 * value, 1)
    if kind == "gain":
        return round(value, 3)
    if kind == "delta":
        return round(100 * value, 1)
    if kind == "duration":
        return round(value / 3600, 2)
    if kind == "date":
        return value.isoformat()[:10] if hasattr(value, "isoformat") else value
    return value


COMPARISON = [
    ("staff", gettext_lazy("Staff"), "int"),
    ("basic_coverage", gettext_lazy("Basic coverage"), "pct"),
    ("it_admins", gettext_lazy("IT administrators"), "int"),
    ("advanced_coverage", gettext_lazy("Advanced coverage"), "pct"),
    ("certs_valid", gettext_lazy("Certificates valid"), "int"),
    ("certs_expiring", gettext_lazy("Expiring in 60 days"), "int"),
    ("gain", gettext_lazy("Learning gain (g)"), "gain"),
    ("lab_completion", gettext_lazy("Lab completion"), "pct"),
    ("lab_median", gettext_lazy("Lab median score"), "pct"),
    ("last_click_rate", gettext_lazy("Click rate, last campaign"), "pct"),
    ("last_report_rate", gettext_lazy("Report rate, last campaign"), "pct"),
    ("last_median_report_seconds", gettext_lazy("Median time to report"), "duration"),
    ("year_click_rate", gettext_lazy("Click rate, 12 months"), "pct"),
    ("ack_rate", gettext_lazy("Advisories acknowledged"), "pct"),
    ("implementation_rate", gettext_lazy("Advisories implemented"), "pct"),
    ("mean_ack_seconds", gettext_lazy("Mean time to acknowledge"), "duration"),
    ("adv_overdue", gettext_lazy("Overdue advisories"), "int"),
    ("readiness", gettext_lazy("Readiness score"), "score"),
]
SORT_KEYS = {key for key, _label, _kind in COMPARISON} | {"name"}


def _value(figures: measures.Figures, key: str, weights):
    return figures.readiness(weights) if key == "readiness" else getattr(figures, key)


def comparison(
    key: str,
    title: str,
    organisations: list[Organisation],
    view: snapshots.View,
    weights: dict,
    sort: str = "name",
    descending: bool = False,
    link=None,
) -> Table:
    """One row per organisation (each over its subtree), sorted by ``sort``; organisations
    without data sort last whichever the direction."""
    found = view.many(organisations)
    columns = [Column("name", _("Organisation"))] + [
        Column(k, str(label), kind) for k, label, kind in COMPARISON
    ]
    entries = []
    for org in organisations:
        figures = found.get(org.pk) or measures.Figures(measures.empty(), view.campaigns)
        values = [org.name] + [_value(figures, k, weights) for k, _l, _k in COMPARISON]
        entries.append((org, values))
    if sort not in SORT_KEYS:
        sort = "name"
    index = [c.key for c in columns].index(sort)
    present = [e for e in entries if e[1][index] is not None]
    missing = [e for e in entries if e[1][index] is None]
    present.sort(
        key=lambda e: e[1][index].lower() if isinstance(e[1][index], str) else e[1][index],
        reverse=descending,
    )
    entries = present + missing
    return Table(
        key=key,
        title=title,
        columns=columns,
        rows=[values for _o, values in entries],
        links=[link(org) if link else None for org, _v in entries],
        sortable=True,
    )


def coverage_trend(organisation: Organisation | None, weights: dict, months: int = 12) -> Table:
    table = Table(
        key="coverage",
        title=_("Training coverage by month"),
        columns=[
            Column("month", _("Month")),
            Column("basic_coverage", _("Basic coverage"), "pct"),
            Column("advanced_coverage", _("Advanced coverage"), "pct"),
            Column("lab_completion", _("Lab completion"), "pct"),
            Column("certs_valid", _("Certificates valid"), "int"),
            Column("readiness", _("Readiness score"), "score"),
        ],
        chart="line",
        series=(1, 2, 3, 5),
    )
    for period, f in snapshots.history(organisation, months):
        table.rows.append(
            [
                period.strftime("%Y-%m"),
                f.basic_coverage,
                f.advanced_coverage,
                f.lab_completion,
                f.certs_valid,
                f.readiness(weights),
            ]
        )
    return table


QUARTER_MEASURES = [
    ("readiness", gettext_lazy("Readiness score")),
    ("basic_coverage", gettext_lazy("Basic coverage")),
    ("advanced_coverage", gettext_lazy("Advanced coverage")),
    ("lab_completion", gettext_lazy("Lab completion")),
    ("year_click_rate", gettext_lazy("Click rate, 12 months")),
    ("year_report_rate", gettext_lazy("Report rate, 12 months")),
    ("ack_rate", gettext_lazy("Advisories acknowledged")),
    ("implementation_rate", gettext_lazy("Advisories implemented")),
]


def quarter_start(day):
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def quarter_comparison(organisation: Organisation | None, weights: dict) -> Table:
    """This quarter so far against the end of the last quarter (its last month's snapshot)."""
    table = Table(
        key="quarters",
        title=_("This quarter against the last"),
        columns=[
            Column("measure", _("Measure")),
            Column("before", _("End of last quarter"), "pct"),
            Column("now", _("Now"), "pct"),
            Column("change", _("Change (points)"), "delta"),
        ],
    )
    history = snapshots.history(organisation, 6)
    if not history:
        return table
    period, now = history[-1]
    earlier = [(p, f) for p, f in history if p < quarter_start(period)]
    before = earlier[-1][1] if earlier else None
    for key, label in QUARTER_MEASURES:
        value = _value(now, key, weights)
        old = _value(before, key, weights) if before else None
        change = None if value is None or old is None else value - old
        table.rows.append([str(label), old, value, change])
    if earlier:
        table.note = _("The last quarter ended with the snapshot of %(month)s.") % {
            "month": earlier[-1][0].strftime("%Y-%m")
        }
    return table


def advisory_trend(organisation: Organisation | None, months: int = 12) -> Table:
    table = Table(
        key="advisories",
        title=_("Advisory compliance by month"),
        columns=[
            Column("month", _("Month")),
            Column("adv_received", _("Advisories received"), "int"),
            Column("ack_rate", _("Acknowledged"), "pct"),
            Column("implementation_rate", _("Implemented"), "pct"),
            Column("mean_ack_seconds", _("Mean time to acknowledge"), "duration"),
            Column("adv_overdue", _("Overdue"), "int"),
        ],
        chart="line",
        series=(2, 3),
    )
    for period, f in snapshots.history(organisation, months):
        table.rows.append(
            [
                period.strftime("%Y-%m"),
                f.adv_received,
                f.ack_rate,
                f.implementation_rate,
                f.mean_ack_seconds,
                f.adv_overdue,
            ]
        )
    return table


def phishing_trend(figures: measures.Figures) -> Table:
    """The campaigns of the last 12 months that reached here, oldest first."""
    rows = figures.campaign_rows()
    names = dict(
        Campaign.objects.filter(pk__in=[cid for cid, _r in rows]).values_list("pk", "name")
    )
    table = Table(
        key="phishing",
        title=_("Phishing campaigns of the last 12 months"),
        columns=[
            Column("campaign", _("Campaign")),
            Column("launched", _("Launched"), "date"),
            Column("delivered", _("Delivered"), "int"),
            Column("click_rate", _("Click rate"), "pct"),
            Column("report_rate", _("Report rate"), "pct"),
            Column("median_report", _("Median time to report"), "duration"),
        ],
        chart="line",
        series=(3, 4),
    )
    for cid, r in rows:
        median = measures.median_of(r["m"])
        launched = figures.launched.get(str(cid))
        table.chart_labels.append(
            parse_datetime(launched).strftime("%Y-%m-%d") if launched else ""
        )
        table.rows.append(
            [
                names.get(cid, f"#{cid}"),
                parse_datetime(launched).date() if launched else None,
                r["d"],
                r["h"] / r["d"],
                r["r"] / r["d"],
                None if median is None else median * 60,
            ]
        )
    return table


# --- what needs action now (live, for one subtree) ----------------------------------------


def _first(rows, limit: int | None, keep, chunk: int = 500) -> list:
    """The first ``limit`` rows (all when None) that ``keep`` keeps, read in chunks: a plain
    indexed range read, then one query per chunk to filter it (an anti-join per row is slow
    on SQLite at scale)."""
    out, offset = [], 0
    while limit is None or len(out) < limit:
        batch = list(rows[offset : offset + chunk])
        if not batch:
            break
        out += keep(batch)
        offset += chunk
    return out[:limit] if limit else out


def overdue_training(
    organisation: Organisation, limit: int | None = ACTION_LIMIT, figures=None
) -> Table:
    now = timezone.now()
    qs = measures.overdue_enrolments(now, exclude_certified=False).filter(
        person__org_path__startswith=organisation.path, person__is_active=True
    )

    def keep(batch):  # leave out people already certified for the course
        held = set(
            measures.valid_certificates(now)
            .filter(person_id__in={e.person_id for e in batch})
            .values_list("person_id", "course_id")
        )
        return [e for e in batch if (e.person_id, e.course_id) not in held]

    table = Table(
        key="overdue_training",
        title=_("People overdue on assigned training"),
        columns=[
            Column("employee_number", _("Employee number")),
            Column("name", _("Name")),
            Column("organisation", _("Organisation")),
            Column("course", _("Course")),
            Column("due", _("Due"), "date"),
        ],
    )
    rows = qs.select_related("person__organisation", "course").order_by("due_date", "pk")
    for e in _first(rows, limit, keep):
        table.rows.append(
            [
                e.person.employee_number or "",
                e.person.full_name,
                e.person.organisation.name,
                e.course.title,
                e.due_date,
            ]
        )
    return table


def expiring_certificates(
    organisation: Organisation, limit: int | None = ACTION_LIMIT, figures=None
) -> Table:
    now = timezone.now()
    qs = measures.expiring_certificates(now, exclude_renewed=False).filter(
        person__org_path__startswith=organisation.path, person__is_active=True
    )

    def keep(batch):  # leave out certificates already renewed
        latest = {}
        for person_id, course_id, expires in (
            measures.valid_certificates(now)
            .filter(person_id__in={c.person_id for c in batch})
            .values_list("person_id", "course_id", "expires_at")
        ):
            key = (person_id, course_id)
            latest[key] = max(latest.get(key, expires), expires)
        return [c for c in batch if latest.get((c.person_id, c.course_id)) == c.expires_at]

    table = Table(
        key="expiring",
        title=_("Certificates expiring in the next 60 days"),
        columns=[
            Column("employee_number", _("Employee number")),
            Column("name", _("Name")),
            Column("organisation", _("Organisation")),
            Column("course", _("Course")),
            Column("expires", _("Expires"), "date"),
        ],
    )
    rows = qs.select_related("person__organisation", "course").order_by("expires_at", "pk")
    for c in _first(rows, limit, keep):
        table.rows.append(
            [
                c.person.employee_number or "",
                c.person.full_name,
                c.person.organisation.name,
                c.course.title,
                timezone.localtime(c.expires_at).date(),
            ]
        )
    return table


def overdue_advisories(
    organisation: Organisation, limit: int | None = ACTION_LIMIT, figures=None
) -> Table:
    now = timezone.now()
    qs = (
        Recipient.objects.filter(
            organisation__path__startswith=organisation.path,
            advisory__state__in=["published", "superseded"],
        )
        .filter(
            Q(state__in=Recipient.BEFORE_ACK, ack_due__lt=now)
            | (~Q(state__in=Recipient.FINAL) & Q(act_due__lt=now))
        )
        .select_related("advisory", "organisation")
        .order_by("act_due", "pk")
    )
    table = Table(
        key="overdue_advisories",
        title=_("Overdue advisories"),
        columns=[
            Column("advisory", _("Advisory")),
            Column("organisation", _("Organisation")),
            Column("missed", _("Deadline missed")),
            Column("due", _("Due"), "date"),
            Column("state", _("State")),
        ],
    )
    for r in qs[:limit] if limit else qs:
        kind = r.overdue(now)
        due = r.ack_due if kind == "acknowledgement" else r.act_due
        table.rows.append(
            [
                f"{r.advisory.tracking_id} — {r.advisory.title}",
                r.organisation.name,
                _("acknowledgement") if kind == "acknowledgement" else _("action"),
                timezone.localtime(due).date(),
                r.get_state_display(),
            ]
        )
        table.links.append(reverse("advisories:detail", args=[r.advisory_id]))
    return table


def repeat_clickers(
    organisation: Organisation, limit: int | None = ACTION_LIMIT, figures=None
) -> Table:
    """People who failed two or more campaigns in the last year. Names come only from
    campaigns that are not pseudonymous; failures in pseudonymous ones add to a count."""
    named = results.repeat_offenders(scope=Q(person__org_path__startswith=organisation.path))
    table = Table(
        key="repeat_clickers",
        title=_("Repeat phishing clickers (12 months)"),
        columns=[
            Column("employee_number", _("Employee number")),
            Column("name", _("Name")),
            Column("organisation", _("Organisation")),
            Column("campaigns", _("Campaigns failed"), "int"),
        ],
    )
    if figures is not None and figures.repeat_all > figures.repeat_named:
        table.note = _(
            "%(n)d more people failed two or more campaigns when pseudonymous campaigns are "
            "counted; their names are not shown."
        ) % {"n": figures.repeat_all - figures.repeat_named}
    if limit and figures is not None:  # the page: the snapshot's first rows
        picked = [
            {"campaigns": n, "person_id": pk} for n, pk in figures.data.get("repeat_top", [])
        ][:limit]
    else:  # an export: everyone, now
        picked = list(named)
    people = Person.objects.select_related("organisation").in_bulk(
        [r["person_id"] for r in picked]
    )
    for r in picked:
        p = people.get(r["person_id"])
        if p is not None:
            table.rows.append(
                [p.employee_number or "", p.full_name, p.organisation.name, r["campaigns"]]
            )
    return table


# the snapshot's count for each action list (the lists themselves are read live)
ACTION_COUNTS = {
    "overdue_training": "overdue_enrolments",
    "expiring": "certs_expiring",
    "overdue_advisories": "adv_overdue",
    "repeat_clickers": "repeat_named",
}


def action_table(key: str, organisation: Organisation, limit: int | None, figures=None) -> Table:
    """An action list: on the page its first ``limit`` rows and the snapshot's count; in an
    export (no limit) every row."""
    table = ACTION_TABLES[key](organisation, limit, figures)
    table.total = getattr(figures, ACTION_COUNTS[key]) if figures is not None else len(table.rows)
    return table


ACTION_TABLES = {
    "overdue_training": overdue_training,
    "expiring": expiring_certificates,
    "overdue_advisories": overdue_advisories,
    "repeat_clickers": repeat_clickers,
}


def readiness_formula(weights: dict) -> str:
    parts = " + ".join(
        f"{weights[c.key]} × {c.label}" for c in measures.COMPONENTS if weights.get(c.key)
    )
    return _(
        "Readiness = (%(parts)s) ÷ (the sum of the weights of the measures that have data)"
    ) % {"parts": parts}
