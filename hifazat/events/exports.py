"""Rosters, attendance sheets and nomination lists as CSV, XLSX and PDF. Each export is
audited; the rows are only what the person asking may see."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.audit.services import audit_record
from hifazat.events import selectors, services
from hifazat.events.models import Attendance, Event, Nomination
from hifazat.lib.spreadsheets import csv_stream, xlsx_bytes

KINDS = ("roster", "attendance", "nominations")


def table(user, event: Event, what: str) -> tuple[str, list[str], list[list]]:
    """(title, header, rows) for one export."""
    base = [_("Employee number"), _("Name"), _("Designation"), _("Organisation"), _("E-mail")]
    if what == "nominations":
        nominations = (
            selectors.nominations_visible_to(user, event)
            .select_related("person__organisation", "nominated_by")
            .order_by("person__organisation__name", "person__full_name")
        )
        header = base + [_("Status"), _("Nominated by"), _("Nominated on"), _("Reason")]
        rows = [
            _person_cells(n)
            + [
                n.get_status_display(),
                n.nominated_by.full_name,
                timezone.localtime(n.created_at).strftime("%Y-%m-%d"),
                n.reason,
            ]
            for n in nominations
        ]
        return _("Nominations"), header, rows
    seated = (
        Nomination.objects.filter(event=event, status__in=Nomination.SEATED)
        .select_related("person__organisation")
        .prefetch_related("attendance")
        .order_by("person__full_name")
    )
    if what == "roster":
        header = base + [_("Status")]
        return _("Roster"), header, [_person_cells(n) + [n.get_status_display()] for n in seated]
    days = list(event.days.all())
    labels = dict(Attendance.Status.choices)
    header = base + [d.date.isoformat() for d in days] + [_("Attendance %")]
    rows = []
    for n in seated:
        marks = {a.day_id: a.status for a in n.attendance.all()}
        rows.append(
            _person_cells(n)
            + [labels.get(marks.get(d.pk), "") for d in days]
            + [round(100 * services.attendance_ratio(n, len(days)))]
        )
    return _("Attendance"), header, rows


def _person_cells(n: Nomination) -> list:
    p = n.person
    return [p.employee_number, p.full_name, p.designation, p.organisation.name, p.email]


def respond(request, event: Event, what: str, fmt: str):
    title, header, rows = table(request.user, event, what)
    audit_record(
        actor=request.user,
        action="event.exported",
        obj=event,
        data={"what": what, "format": fmt, "rows": len(rows)},
    )
    name = f"hifazat-event-{event.pk}-{what}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_stream(header, rows), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            xlsx_bytes(title[:31], header, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        from weasyprint import HTML

        from hifazat.learning.certificates import FONT_DIR

        html = render_to_string(
            "events/export_pdf.html",
            {
                "event": event,
                "days": list(event.days.all()),
                "title": title,
                "header": header,
                "rows": rows,
                "generated": timezone.localtime(),
                "by": request.user,
                "font_dir": FONT_DIR.as_uri(),
            },
            request=request,
        )
        response = HttpResponse(
            HTML(string=html).write_pdf(),
            content_type="application/pdf",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
