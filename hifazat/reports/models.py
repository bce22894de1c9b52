"""Readiness snapshots: each organisation's figures (over its whole subtree) as of a moment.

One snapshot per calendar month: the worker refreshes the current month's every few minutes,
so when a month ends its snapshot is the month's last word and stays, and "last quarter against
this quarter" is a query over them. The figures are counts and small histograms that add up
over a subtree; rates, medians and the readiness score are worked out from them when read
(``measures.Figures``), so changing the score's weights needs no new snapshot."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Snapshot(models.Model):
    period = models.DateField(unique=True)  # the first day of the month it stands for
    as_of = models.DateTimeField()  # the moment the figures describe
    taken_at = models.DateTimeField(default=timezone.now)  # when they were computed
    seconds = models.FloatField(default=0)  # how long computing them took

    class Meta:
        ordering = ["-period"]

    def __str__(self):
        return f"{self.period:%Y-%m} ({self.taken_at:%Y-%m-%d %H:%M})"


class OrgFigures(models.Model):
    """One organisation's figures in a snapshot (``organisation`` None: the whole nation)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="figures")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, null=True, related_name="+"
    )
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "organisation"], name="reports_figures_once"
            ),
            models.UniqueConstraint(
                fields=["snapshot"],
                condition=models.Q(organisation__isnull=True),
                name="reports_national_once",
            ),
        ]

    def __str__(self):
        return f"{self.snapshot_id}/{self.organisation_id}"


class ReadinessWeights(models.Model):
    """The readiness score's weights as a programme manager set them; the newest row counts,
    the older ones are the history."""

    weights = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("reason for the change"), max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.changed_at:%Y-%m-%d}: {self.weights}"


class MonthlyMailing(models.Model):
    """The monthly report to one organisation's focal persons and head: claimed once (unique
    per organisation and month) before it is sent, so two workers never send it twice."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    period = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "period"], name="reports_mailing_once")
        ]

    def __str__(self):
        return f"{self.organisation_id} {self.period:%Y-%m}"
