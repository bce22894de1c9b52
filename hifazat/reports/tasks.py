"""The worker's part: keep the current snapshot fresh, and send each organisation's monthly
report once.

A monthly report is claimed (a ``MonthlyMailing`` row, unique per organisation and month)
before it is sent, so a restarted worker — or a second one — never sends it twice. The report
for a month goes out in the first run after the month has ended, with that month's closing
figures (its snapshot; a month without one — before the platform ran — gets no report)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from hifazat.orgs.models import Organisation, RoleAssignment
from hifazat.orgs.roles import Role
from hifazat.reports import snapshots
from hifazat.reports.models import MonthlyMailing, Snapshot

logger = logging.getLogger("hifazat.reports")


@task()
def refresh_snapshot() -> float:
    """Refresh this month's snapshot unless another worker just did; returns its age (s)."""
    period = snapshots.month_start(timezone.localdate())
    latest = Snapshot.objects.filter(period=period).first()
    fresh_enough = snapshots.refresh_seconds() / 2
    if latest and (timezone.now() - latest.taken_at).total_seconds() < fresh_enough:
        return (timezone.now() - latest.taken_at).total_seconds()
    snapshot = snapshots.refresh()
    return snapshot.seconds


def report_recipients(org: Organisation) -> list[str]:
    """The e-mail addresses of the organisation's current focal persons and head."""
    return sorted(
        set(
            RoleAssignment.objects.current()
            .filter(
                organisation=org,
                role__in=[Role.FOCAL_PERSON, Role.HEAD],
                person__is_active=True,
            )
            .values_list("person__email", flat=True)
        )
    )


def due_mailings(period):
    """Organisations with a focal person or head whose report for ``period`` is unclaimed —
    none when there is no snapshot for that month (the platform was not running then)."""
    if not Snapshot.objects.filter(period=period).exists():
        return Organisation.objects.none()
    with_people = RoleAssignment.objects.current().filter(
        role__in=[Role.FOCAL_PERSON, Role.HEAD], organisation__isnull=False
    )
    claimed = MonthlyMailing.objects.filter(period=period).values("organisation_id")
    return (
        Organisation.objects.filter(pk__in=with_people.values("organisation_id"))
        .exclude(pk__in=claimed)
        .order_by("path")
    )


@task()
def send_monthly_reports() -> int:
    from hifazat.reports.pdf import organisation_report

    period = snapshots.previous_month(snapshots.month_start(timezone.localdate()))
    month = Snapshot.objects.filter(period=period).first()
    sent = 0
    with get_connection() as connection:
        for org in due_mailings(period):
            try:
                with transaction.atomic():
                    mailing = MonthlyMailing.objects.create(organisation=org, period=period)
            except IntegrityError:
                continue  # another worker claimed it
            to = report_recipients(org)
            context = {
                "organisation": org,
                "period": period,
                "url": settings.SITE_URL + reverse("reports:organisation", args=[org.pk]),
            }
            subject = render_to_string("reports/email/monthly_subject.txt", context).strip()
            body = render_to_string("reports/email/monthly_message.txt", context)
            try:
                message = EmailMessage(subject, body, None, to, connection=connection)
                message.attach(
                    f"hifazat-readiness-{org.code}-{period:%Y-%m}.pdf",
                    organisation_report(org, month),
                    "application/pdf",
                )
                message.send()
            except Exception as exc:  # noqa: BLE001 — recorded; the claim stays (no resend)
                logger.exception("monthly report for %s failed", org.code)
                MonthlyMailing.objects.filter(pk=mailing.pk).update(error=str(exc)[:300])
                continue
            MonthlyMailing.objects.filter(pk=mailing.pk).update(
                sent_at=timezone.now(), recipients=len(to)
            )
            sent += 1
    return sent
