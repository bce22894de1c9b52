"""What a campaign measured: counts and rates by campaign, variant and organisation.

Every figure comes from the send rows' first-outcome times (one grouped query, no join with
the events) plus, for campaigns whose identifiable results were reduced (``retention``), the
tallies kept in their place — so a campaign's totals are the same before and after.

Definitions (shown on the results page too):

* attempted — messages the worker tried to hand over (sent, failed or in doubt);
* delivered — accepted by the mail server;
* opened — the tracking pixel loaded: unreliable (images are often blocked, or loaded by a
  scanner), so it is shown but used in no rate;
* human click — the landing page's script ran in a browser; link fetches without it are
  scanner hits, shown apart and counted in no rate;
* failed — a human click or a form submission (the person fell for it);
* click, submit and report rates are per message delivered;
* resilience ratio — people who reported ÷ people who failed (above 1: more reporters than
  victims);
* median time to report — from delivery to each reporter's first report;
* repeat offender — someone who failed in this campaign and in another one in the twelve
  months before it (pseudonymous campaigns are never used to single anyone out).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone

from hifazat.phishing.models import Campaign, Send, Tally

COUNTS = (
    "recipients",
    "attempted",
    "delivered",
    "opened",
    "clicked",
    "human",
    "scanner",
    "submitted",
    "failed",
    "reported",
)
GROUPS = {"campaign": "campaign_id", "variant": "variant_id", "organisation": "organisation_id"}
FAILED = Q(human_at__isnull=False) | Q(submitted_at__isnull=False)
REPEAT_WINDOW = timedelta(days=365)
# In a pseudonymous campaign an organisation with fewer recipients than this is shown only
# within "other organisations", so that a small office's figures cannot single anyone out.
PSEUDONYMOUS_MIN_GROUP = 5


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Row:
    key: tuple = ()
    name: str = ""
    label: str = ""  # a short label for charts (a variant's letter)
    recipients: int = 0
    attempted: int = 0
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    human: int = 0
    scanner: int = 0
    submitted: int = 0
    failed: int = 0
    reported: int = 0
    report_seconds: list[float] = field(default_factory=list)

    def add(self, other: Row) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.report_seconds.extend(other.report_seconds)

    @property
    def click_rate(self) -> float | None:
        return _rate(self.human, self.delivered)

    @property
    def submit_rate(self) -> float | None:
        return _rate(self.submitted, self.delivered)

    @property
    def failure_rate(self) -> float | None:
        return _rate(self.failed, self.delivered)

    @property
    def report_rate(self) -> float | None:
        return _rate(self.reported, self.delivered)

    @property
    def open_rate(self) -> float | None:
        return _rate(self.opened, self.delivered)

    @property
    def resilience(self) -> float | None:
        return _rate(self.reported, self.failed)

    @property
    def median_report_seconds(self) -> float | None:
        return statistics.median(self.report_seconds) if self.report_seconds else None

    def as_dict(self) -> dict:
        return {
            **{name: getattr(self, name) for name in COUNTS},
            "click_rate": self.click_rate,
            "submit_rate": self.submit_rate,
            "report_rate": self.report_rate,
            "resilience_ratio": self.resilience,
            "median_seconds_to_report": self.median_report_seconds,
        }


def _grouped(qs: QuerySet, fields: list[str], aggregates: dict) -> list[dict]:
    """One row per group; with no fields, the whole set as one row (or none when empty)."""
    if fields:
        return list(qs.values(*fields).annotate(**aggregates).order_by())
    values = qs.aggregate(**aggregates)
    return [values] if values["recipients"] else []


def _live(sends: QuerySet[Send], fields: list[str]) -> dict[tuple, Row]:
    done = [Send.State.SENT, Send.State.FAILED, Send.State.IN_DOUBT]
    counts = {
        "recipients": Count("id"),
        "attempted": Count("id", filter=Q(state__in=done)),
        "delivered": Count("id", filter=Q(state=Send.State.SENT)),
        "opened": Count("opened_at"),
        "clicked": Count("clicked_at"),
        "human": Count("human_at"),
        "scanner": Count(
            "id",
            filter=Q(clicked_at__isnull=False, human_at__isnull=True, submitted_at__isnull=True),
        ),
        "submitted": Count("submitted_at"),
        "failed": Count("id", filter=FAILED),
        "reported": Count("reported_at"),
    }
    rows = {}
    for values in _grouped(sends, fields, counts):
        key = tuple(values[f] for f in fields)
        rows[key] = Row(key=key, **{name: values[name] for name in COUNTS})
    delay = ExpressionWrapper(F("reported_at") - F("sent_at"), output_field=DurationField())
    for *key, seconds in (
        sends.filter(reported_at__isnull=False, sent_at__isnull=False)
        .annotate(delay=delay)
        .values_list(*fields, "delay")
        .order_by()
    ):
        rows[tuple(key)].report_seconds.append(max(seconds.total_seconds(), 0.0))
    return rows


def _kept(tallies: QuerySet[Tally], fields: list[str]) -> dict[tuple, Row]:
    rows: dict[tuple, Row] = {}
    sums = {name: Sum(name) for name in COUNTS}
    for values in _grouped(tallies, fields, sums):
        if not values["recipients"]:
            continue
        key = tuple(values[f] for f in fields)
        rows[key] = Row(key=key, **{name: values[name] or 0 for name in COUNTS})
    for *key, seconds in tallies.values_list(*fields, "report_seconds").order_by():
        rows[tuple(key)].report_seconds.extend(seconds)
    return rows


def tally(campaigns, by: tuple[str, ...] = (), scope: Q | None = None) -> dict[tuple, Row]:
    """Rows keyed by the ids named in ``by`` (any of campaign, variant, organisation), over
    ``campaigns`` (a campaign, or a queryset/list of them). ``scope`` narrows to a subtree:
    a Q on ``organisation`` that both send rows and tallies understand."""
    if isinstance(campaigns, Campaign):
        campaigns = [campaigns]
    fields = [GROUPS[name] for name in by]
    sends = Send.objects.filter(campaign__in=campaigns)
    tallies = Tally.objects.filter(campaign__in=campaigns)
    if scope is not None:
        sends, tallies = sends.filter(scope), tallies.filter(scope)
    rows = _live(sends, fields)
    for key, row in _kept(tallies, fields).items():
        rows.setdefault(key, Row(key=key)).add(row)
    return rows


def total(campaigns, scope: Q | None = None) -> Row:
    return tally(campaigns, (), scope).get((), Row())


def merge_small(rows: list[Row], other_key) -> list[Row]:
    """Pseudonymous campaigns: fold groups smaller than PSEUDONYMOUS_MIN_GROUP into one."""
    kept = [r for r in rows if r.recipients >= PSEUDONYMOUS_MIN_GROUP]
    small = [r for r in rows if r.recipients < PSEUDONYMOUS_MIN_GROUP]
    if not small:
        return kept
    other = Row(key=(other_key,))
    for row in small:
        other.add(row)
    return [*kept, other]


def breakdown(campaign: Campaign, scope: Q | None = None):
    """(total, {variant id: row}, [rows by organisation]) from one grouped query. In a
    pseudonymous campaign, organisations below PSEUDONYMOUS_MIN_GROUP are folded into one row
    keyed (None,)."""
    total, by_variant, by_org = Row(), {}, {}
    for (variant_id, org_id), cell in tally(campaign, ("variant", "organisation"), scope).items():
        total.add(cell)
        by_variant.setdefault(variant_id, Row(key=(variant_id,))).add(cell)
        by_org.setdefault(org_id, Row(key=(org_id,))).add(cell)
    orgs = list(by_org.values())
    if campaign.pseudonymous:
        orgs = merge_small(orgs, None)
    return total, by_variant, orgs


def failures(scope: Q | None = None) -> QuerySet[Send]:
    """Identifiable failures usable for repeat offenders and remedial training."""
    qs = Send.objects.filter(FAILED, person__isnull=False, campaign__pseudonymous=False)
    return qs.filter(scope) if scope is not None else qs


def repeat_offenders(campaign: Campaign | None = None, scope: Q | None = None) -> QuerySet:
    """People (ids, with how many campaigns they failed) who failed at least twice within
    REPEAT_WINDOW: of one campaign when given (the window ends at its launch), else of the
    last year. Never for a pseudonymous campaign."""
    if campaign is not None and campaign.pseudonymous:
        return Send.objects.none().values("person_id")
    qs = failures(scope)
    if campaign is not None:
        end = campaign.launched_at or campaign.created_at
        qs = qs.filter(
            person__in=failures(scope).filter(campaign=campaign).values("person_id"),
            campaign__launched_at__range=(end - REPEAT_WINDOW, end),
        )
    else:
        qs = qs.filter(campaign__launched_at__gte=timezone.now() - REPEAT_WINDOW)
    return (
        qs.values("person_id")
        .annotate(campaigns=Count("campaign_id", distinct=True))
        .filter(campaigns__gte=2)
        .order_by("-campaigns", "person_id")
    )
