"""Retention: a campaign's identifiable results are reduced to aggregates once it finished
more than PHISHING_RETENTION_DAYS ago.

The send rows (who got which message, who clicked, who reported) and their events are replaced
by one ``Tally`` per variant and organisation holding the same counts and each reporter's delay
without who it was, so every figure on the results pages, in exports and in the API is the same
before and after. The campaign's exclusion list (people) is cleared too.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hifazat.audit.services import audit_record
from hifazat.phishing import results
from hifazat.phishing.models import Campaign, Event, Send, Tally

FINISHED = (Campaign.State.COMPLETED, Campaign.State.STOPPED)


def due(now=None):
    days = settings.PHISHING_RETENTION_DAYS
    if days <= 0:
        return Campaign.objects.none()
    now = now or timezone.now()
    return Campaign.objects.filter(
        state__in=FINISHED,
        finished_at__lt=now - timedelta(days=days),
        reduced_at__isnull=True,
    )


@transaction.atomic
def reduce_campaign(campaign: Campaign, now=None) -> int:
    """Replace the campaign's send rows by tallies. Returns how many rows were removed."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.reduced_at is not None:
        return 0
    rows = results.tally(campaign, ("variant", "organisation"))
    sends = Send.objects.filter(campaign=campaign)
    existing = {(t.variant_id, t.organisation_id): t for t in campaign.tallies.all()}
    for (variant_id, organisation_id), row in rows.items():
        tally = existing.get((variant_id, organisation_id)) or Tally(
            campaign=campaign, variant_id=variant_id, organisation_id=organisation_id
        )
        for name in results.COUNTS:
            setattr(tally, name, getattr(row, name))
        tally.report_seconds = [round(s) for s in row.report_seconds]
        tally.save()
    Event.objects.filter(campaign_id=campaign.pk).delete()
    removed = sends.count()
    sends.delete()
    campaign.excluded_people.clear()
    campaign.reduced_at = now or timezone.now()
    campaign.save(update_fields=["reduced_at"])
    audit_record(
        actor=None,
        action="phishing.results_reduced",
        obj=campaign,
        data={"sends": removed, "tallies": len(rows)},
    )
    return removed


def reduce_due(now=None) -> int:
    return sum(reduce_campaign(c, now) for c in due(now))
