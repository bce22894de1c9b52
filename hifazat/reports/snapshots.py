"""Taking and reading snapshots, and the readiness weights.

The worker refreshes the current month's snapshot every ``REPORTS_REFRESH_SECONDS``; a page
that finds it older than ``MAX_AGE`` (the worker stopped, say) refreshes it before answering,
so no page ever shows figures older than 15 minutes."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from hifazat.audit.services import audit_record
from hifazat.orgs.models import Organisation
from hifazat.reports import measures
from hifazat.reports.models import OrgFigures, ReadinessWeights, Snapshot

MAX_AGE = timedelta(minutes=15)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(period: date) -> datetime:
    """The last moment of the month (local time) whose first day is ``period``."""
    last = calendar.monthrange(period.year, period.month)[1]
    end = datetime(period.year, period.month, last, 23, 59, 59, 999999)
    return timezone.make_aware(end)


def previous_month(period: date) -> date:
    return month_start(period - timedelta(days=1))


def refresh(as_of: datetime | None = None) -> Snapshot:
    """Compute the figures as of ``as_of`` (now) and store them as that month's snapshot,
    replacing what the month had."""
    as_of = as_of or timezone.now()
    started = time.perf_counter()
    own, campaigns = measures.compute(as_of)
    totals = measures.roll_up(own)
    totals[None]["campaigns"] = campaigns
    period = month_start(timezone.localtime(as_of).date())
    with transaction.atomic():
        snapshot, _ = Snapshot.objects.select_for_update().get_or_create(
            period=period, defaults={"as_of": as_of}
        )
        OrgFigures.objects.filter(snapshot=snapshot).delete()
        OrgFigures.objects.bulk_create(
            [
                OrgFigures(snapshot=snapshot, organisation_id=pk, data=d)
                for pk, d in totals.items()
            ],
            batch_size=500,
        )
        snapshot.as_of = as_of
        snapshot.taken_at = timezone.now()
        snapshot.seconds = time.perf_counter() - started
        snapshot.save()
    return snapshot


def current(max_age: timedelta = MAX_AGE) -> Snapshot:
    """This month's snapshot, refreshed first if it is older than ``max_age``."""
    period = month_start(timezone.localdate())

    def fresh(snapshot):
        return snapshot is not None and timezone.now() - snapshot.taken_at <= max_age

    snapshot = Snapshot.objects.filter(period=period).first()
    if fresh(snapshot):
        return snapshot
    # Stale (the worker has stopped?): one request computes while the others wait on the
    # row lock and then find it fresh, instead of each computing its own (PostgreSQL).
    with transaction.atomic():
        snapshot = Snapshot.objects.select_for_update().filter(period=period).first()
        if fresh(snapshot):
            return snapshot
        return refresh()


def backfill(months: int, force: bool = False) -> list[Snapshot]:
    """Month-end snapshots for the ``months`` months before this one (missing ones only,
    unless ``force``)."""
    made = []
    period = month_start(timezone.localdate())
    for _ in range(months):
        period = previous_month(period)
        if not force and Snapshot.objects.filter(period=period).exists():
            continue
        made.append(refresh(month_end(period)))
    return made


@dataclass
class View:
    """What a dashboard reads: the snapshot, the organisations' figures, the campaign times."""

    snapshot: Snapshot
    campaigns: dict[str, dict]  # phishing campaign id -> {"at": launched, "pseudonymous": …}

    @property
    def age(self) -> timedelta:
        return timezone.now() - self.snapshot.taken_at

    def figures(self, organisation: Organisation | None) -> measures.Figures:
        row = OrgFigures.objects.filter(snapshot=self.snapshot, organisation=organisation).first()
        return measures.Figures(row.data if row else measures.empty(), self.campaigns)

    def many(self, organisations) -> dict[int, measures.Figures]:
        ids = [o.pk for o in organisations]
        return {
            pk: measures.Figures(data, self.campaigns)
            for pk, data in OrgFigures.objects.filter(
                snapshot=self.snapshot, organisation_id__in=ids
            ).values_list("organisation_id", "data")
        }


def read(snapshot: Snapshot | None = None) -> View:
    snapshot = snapshot or current()
    national = (
        OrgFigures.objects.filter(snapshot=snapshot, organisation__isnull=True)
        .values_list("data", flat=True)
        .first()
    ) or {}
    return View(snapshot, national.get("campaigns", {}))


def history(organisation: Organisation | None, months: int = 12):
    """(period, Figures) for the last ``months`` monthly snapshots, oldest first."""
    rows = list(
        OrgFigures.objects.filter(organisation=organisation)
        .select_related("snapshot")
        .order_by("-snapshot__period")[:months]
    )
    if organisation is None:
        campaigns = {r.snapshot_id: r.data.get("campaigns", {}) for r in rows}
    else:  # each snapshot's campaigns are kept with its national figures
        campaigns = {
            snapshot_id: (data or {}).get("campaigns", {})
            for snapshot_id, data in OrgFigures.objects.filter(
                organisation__isnull=True, snapshot_id__in=[r.snapshot_id for r in rows]
            ).values_list("snapshot_id", "data")
        }
    return [
        (r.snapshot.period, measures.Figures(r.data, campaigns.get(r.snapshot_id)))
        for r in reversed(rows)
    ]


def weights() -> dict[str, int]:
    row = ReadinessWeights.objects.first()
    stored = row.weights if row else {}
    return {c.key: int(stored.get(c.key, c.weight)) for c in measures.COMPONENTS}


def set_weights(user, new: dict[str, int], note: str = "") -> ReadinessWeights:
    """Record new weights (programme managers only): audited, history kept."""
    from hifazat.orgs.access import has_role
    from hifazat.orgs.roles import Role

    if not has_role(user, Role.PROGRAMME_MANAGER):
        raise PermissionDenied
    before = weights()
    row = ReadinessWeights.objects.create(weights=new, changed_by=user, note=note)
    audit_record(
        actor=user,
        action="reports.weights_changed",
        obj=row,
        data={"before": before, "after": new, "note": note},
    )
    return row


def refresh_seconds() -> int:
    return getattr(settings, "REPORTS_REFRESH_SECONDS", 300)
