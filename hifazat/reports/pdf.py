"""The readiness report as a PDF (WeasyPrint): a cover, the summary, charts, tables and the
readiness formula — fit to send to a secretary. Charts are drawn here as SVG (a PDF cannot
run the page's scripts), from the same tables as the page's."""

from __future__ import annotations

import base64
from html import escape

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.orgs.models import Organisation
from hifazat.reports import snapshots, tables, views

COLOURS = ("#b02a37", "#0d6efd", "#198754", "#fd7e14", "#6f42c1")


def svg_chart(table: tables.Table, width: int = 640, height: int = 220) -> str:
    """A line or bar chart of the table's chart columns (shares drawn as 0–100 %), as a
    data: URI for an <img>."""
    if not table.chart or not table.rows:
        return ""
    left, right, top, bottom = 44, 12, 12, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    labels = [str(row[0]) for row in table.rows]
    series = [
        (table.columns[i].label, [row[i] for row in table.rows])
        for i in table.series
        if table.columns[i].kind in ("pct", "score")
    ]
    n = len(labels)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans" font-size="8">'
    ]
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{pct} %</text>'
        )
    step = plot_w / max(n, 1)
    for i, label in enumerate(labels):
        if n > 12 and i % max(1, n // 12):
            continue
        x = left + step * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 12}" text-anchor="end" '
            f'transform="rotate(-35 {x:.1f} {top + plot_h + 12})">{escape(label[:28])}</text>'
        )
    for s, (_label, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        if table.chart == "bar":
            bar = step * 0.8 / max(len(series), 1)
            for i, v in enumerate(values):
                if v is None:
                    continue
                h = plot_h * max(0.0, min(1.0, v))
                x = left + step * i + step * 0.1 + bar * s
                parts.append(
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{colour}"/>'
                )
        else:
            points = [
                f"{left + step * (i + 0.5):.1f},{top + plot_h * (1 - max(0.0, min(1.0, v))):.1f}"
                for i, v in enumerate(values)
                if v is not None
            ]
            if points:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                    f'points="{" ".join(points)}"/>'
                )
                for p in points:
                    x, y = p.split(",")
                    parts.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{colour}"/>')
    for s, (label, _values) in enumerate(series):
        x = left + s * 150
        parts.append(
            f'<rect x="{x}" y="{height - 10}" width="8" height="8" '
            f'fill="{COLOURS[s % len(COLOURS)]}"/>'
            f'<text x="{x + 11}" y="{height - 3}">{escape(str(label))}</text>'
        )
    parts.append("</svg>")
    data = base64.b64encode("".join(parts).encode()).decode()
    return f"data:image/svg+xml;base64,{data}"


def _render(context: dict) -> bytes:
    from weasyprint import HTML

    from hifazat.learning.certificates import FONT_DIR

    for table in context["tables"]:
        table.svg = svg_chart(table)
    html = render_to_string(
        "reports/report_pdf.html",
        {**context, "generated": timezone.localtime(), "font_dir": FONT_DIR.as_uri()},
    )
    return HTML(string=html).write_pdf()


def _base(view, figures, weights) -> dict:
    context = views._context(view, figures, weights)
    context["summary"] = summary(figures, weights)
    return context


def summary(figures, weights) -> list[tuple[str, str]]:
    """The headline figures, as (label, formatted value)."""
    from hifazat.reports.templatetags.reports import cell

    return [
        (_("Readiness score (out of 100)"), cell(figures.readiness(weights), "score")),
        (_("Staff"), cell(figures.staff, "int")),
        (_("Basic coverage"), cell(figures.basic_coverage, "pct")),
        (_("Advanced coverage of IT administrators"), cell(figures.advanced_coverage, "pct")),
        (_("Certificates valid"), cell(figures.certs_valid, "int")),
        (_("Certificates expiring in 60 days"), cell(figures.certs_expiring, "int")),
        (_("Learning gain (g)"), cell(figures.gain, "gain")),
        (_("Lab completion"), cell(figures.lab_completion, "pct")),
        (_("Lab median score"), cell(figures.lab_median, "pct")),
        (_("Phishing click rate, last campaign"), cell(figures.last_click_rate, "pct")),
        (_("Phishing report rate, last campaign"), cell(figures.last_report_rate, "pct")),
        (_("Median time to report"), cell(figures.last_median_report_seconds, "duration")),
        (_("Phishing click rate, 12 months"), cell(figures.year_click_rate, "pct")),
        (_("Advisories acknowledged"), cell(figures.ack_rate, "pct")),
        (_("Advisories implemented"), cell(figures.implementation_rate, "pct")),
        (_("Mean time to acknowledge"), cell(figures.mean_ack_seconds, "duration")),
        (_("Overdue advisories"), cell(figures.adv_overdue, "int")),
    ]


def national_report(user=None) -> bytes:
    view = snapshots.read()
    weights = snapshots.weights()
    figures = view.figures(None)
    context = _base(view, figures, weights)
    context.update(
        {
            "title": _("National cyber-security readiness"),
            "subtitle": _("Every ministry and division"),
            "tables": views.national_tables(None, view, weights),
        }
    )
    return _render(context)


def organisation_report(org: Organisation, snapshot=None) -> bytes:
    """The organisation's report from ``snapshot`` (a month's closing figures) or the current
    one; the "needs action" lists are as they stand now."""
    view = snapshots.read(snapshot)
    weights = snapshots.weights()
    figures = view.figures(org)
    main, actions = views.organisation_tables(None, org, view, weights)
    context = _base(view, figures, weights)
    context.update(
        {
            "title": _("Cyber-security readiness: %(name)s") % {"name": org.name},
            "subtitle": _("This organisation and all organisations under it"),
            "tables": main + actions,
        }
    )
    return _render(context)
