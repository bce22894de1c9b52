"""What the readiness dashboards measure, and how. The page shows the same definitions.

``compute(as_of)`` reads the live tables with a handful of grouped queries and returns each
organisation's *own* counts (its people, its sends, its advisory recipient rows); ``roll_up``
adds them over every subtree and the nation. All stored figures are counts and histograms, so
they add up; ``Figures`` turns them into rates, medians and the readiness score when read.

Definitions (as of the snapshot's moment):

* staff — people active then (joined by then, not deactivated by then); IT administrators —
  those of the IT-administrator track;
* basic coverage — staff holding a valid certificate of the basic course ÷ staff; advanced
  coverage — IT administrators holding a valid advanced certificate ÷ IT administrators;
* certificates valid — issued, not expired, not revoked; expiring — of those, the ones whose
  validity ends within 60 days and whose holder has no later valid certificate of the course;
* learning gain — for everyone with a submitted pre-test and final test in a course, the
  normalised gain g = (best final − first pre) ÷ (100 − first pre), averaged (people who
  scored 100 on the pre-test are left out of g); the raw gain is final − pre in points;
* lab completion — IT administrators who have finished at least one lab ÷ IT administrators;
  lab median score — the median of finished labs' scores as a whole per cent of the lab's points;
* phishing — campaigns launched in the 12 months before (a pseudonymous campaign counts for an
  organisation only where it reached at least five people, so that no rate singles anyone
  out); click rate = human clicks ÷ messages
  delivered, report rate = reporters ÷ messages delivered, median time to report = from
  delivery to each reporter's first report (to the minute); "last campaign" is the latest
  campaign that reached the organisation;
* advisories — published advisories (not withdrawn) addressed to the organisation:
  acknowledgement rate = acknowledged ÷ received; implementation rate = implemented or not
  applicable ÷ those due (act-by date passed, or already answered); mean time to acknowledge =
  from first publication to acknowledgement; overdue = acknowledgement or action deadline passed
  unmet. Advisories to named people (TLP:RED) are not counted here;
* needs action — enrolments in progress past their due date (unless the person already holds
  a valid certificate of the course); repeat clickers: people who failed
  two or more campaigns of the year (named only where both were not pseudonymous).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hifazat.advisories.models import Advisory, Recipient, Revision
from hifazat.assessments.models import Attempt
from hifazat.labs.models import Lab, LabAttempt
from hifazat.learning.models import Certificate, Course, Enrolment
from hifazat.orgs.models import Organisation, Person
from hifazat.phishing import results
from hifazat.phishing.models import Campaign, Send

BASIC, ADVANCED = "basic", "advanced"  # the two programme courses, by slug
EXPIRY_WINDOW = timedelta(days=60)
PHISHING_WINDOW = timedelta(days=365)
IMPLEMENTED = ("implemented", "not_applicable")

COUNTS = (
    "staff",
    "it_admins",
    "basic",
    "advanced",
    "certs_valid",
    "certs_expiring",
    "gain_n",
    "gain_raw",
    "gain_g_n",
    "gain_g",
    "lab_people",
    "lab_cases",
    "adv_received",
    "adv_ack",
    "ack_seconds",
    "adv_due",
    "adv_implemented",
    "adv_overdue",
    "overdue_enrolments",
    "repeat_named",
    "repeat_all",
)


REPEAT_TOP = 100  # repeat clickers kept by name per organisation (the page's first rows)


def empty() -> dict:
    return {**dict.fromkeys(COUNTS, 0), "lab_scores": {}, "phish": {}, "repeat_top": []}


def _top(rows: list) -> list:
    """The first REPEAT_TOP of [campaigns, person id] pairs: most campaigns first, then by id."""
    return sorted(rows, key=lambda r: (-r[0], r[1]))[:REPEAT_TOP]


def _add_hist(into: dict, other: dict) -> None:
    for key, n in other.items():
        into[key] = into.get(key, 0) + n


def add(into: dict, other: dict) -> None:
    """Add one organisation's figures into another's (a subtree's, the nation's)."""
    for name in COUNTS:
        into[name] += other.get(name, 0)
    _add_hist(into["lab_scores"], other.get("lab_scores", {}))
    if other.get("repeat_top"):
        into["repeat_top"] = _top(into["repeat_top"] + other["repeat_top"])
    for cid, row in other.get("phish", {}).items():
        mine = into["phish"].setdefault(cid, {"d": 0, "h": 0, "s": 0, "f": 0, "r": 0, "m": {}})
        for k in "dhsfr":
            mine[k] += row[k]
        _add_hist(mine["m"], row["m"])


# --- reading the live tables --------------------------------------------------------------


def _active(as_of: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}date_joined__lte": as_of}) & (
        Q(**{f"{prefix}is_active": True, f"{prefix}deactivated_at__isnull": True})
        | Q(**{f"{prefix}deactivated_at__gt": as_of})
    )


def _people(own, as_of):
    rows = (
        Person.objects.filter(_active(as_of))
        .values("organisation_id")
        .annotate(staff=Count("id"), it_admins=Count("id", filter=Q(track=Person.Track.IT_ADMIN)))
        .order_by()
    )
    for r in rows:
        own[r["organisation_id"]]["staff"] += r["staff"]
        own[r["organisation_id"]]["it_admins"] += r["it_admins"]


def _certificates(own, as_of):
    courses = dict(Course.objects.filter(slug__in=[BASIC, ADVANCED]).values_list("slug", "pk"))
    rows = (
        Certificate.objects.filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__gt=as_of),
            _active(as_of, "person__"),
            issued_at__lte=as_of,
            expires_at__gt=as_of,
        )
        .values("person__organisation_id")
        .annotate(
            valid=Count("id"),
            basic=Count("person_id", distinct=True, filter=Q(course_id=courses.get(BASIC))),
            advanced=Count(
                "person_id",
                distinct=True,
                filter=Q(course_id=courses.get(ADVANCED), person__track=Person.Track.IT_ADMIN),
            ),
        )
        .order_by()
    )
    for r in rows:
        mine = own[r["person__organisation_id"]]
        mine["certs_valid"] += r["valid"]
        mine["basic"] += r["basic"]
        mine["advanced"] += r["advanced"]


GAIN_SQL = """
SELECT p.organisation_id,
       COUNT(*),
       SUM(a.best - a.pre),
       COUNT(CASE WHEN a.pre < 100 THEN 1 END),
       SUM(CASE WHEN a.pre < 100 THEN (a.best - a.pre) * 1.0 / (100.0 - a.pre) END)
FROM (SELECT enrolment_id,
             MAX(CASE WHEN kind = 'final' THEN score END) AS best,
             MAX(CASE WHEN kind = 'pre' AND number = 1 THEN score END) AS pre
      FROM {attempt}
      WHERE submitted_at IS NOT NULL AND submitted_at <= %s
      GROUP BY enrolment_id) a
JOIN {enrolment} e ON e.id = a.enrolment_id
JOIN {person} p ON p.id = e.person_id
WHERE a.best IS NOT NULL AND a.pre IS NOT NULL
GROUP BY p.organisation_id
"""


def _gain(own, as_of):
    sql = GAIN_SQL.format(
        attempt=Attempt._meta.db_table,
        enrolment=Enrolment._meta.db_table,
        person=Person._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [as_of])
        for org_id, n, raw, g_n, g in cursor.fetchall():
            mine = own[org_id]
            mine["gain_n"] += n
            mine["gain_raw"] += float(raw or 0)
            mine["gain_g_n"] += g_n
            mine["gain_g"] += float(g or 0)


def valid_certificates(as_of) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=as_of),
        issued_at__lte=as_of,
        expires_at__gt=as_of,
    )


def expiring_certificates(as_of, exclude_renewed: bool = True) -> QuerySet[Certificate]:
    """Valid certificates that expire within EXPIRY_WINDOW and that their holder has not
    already renewed (no later valid certificate of the same course)."""
    qs = valid_certificates(as_of).filter(expires_at__lte=as_of + EXPIRY_WINDOW)
    if not exclude_renewed:
        return qs
    renewed = valid_certificates(as_of).filter(
        person_id=OuterRef("person_id"),
        course_id=OuterRef("course_id"),
        expires_at__gt=OuterRef("expires_at"),
    )
    return qs.filter(~Exists(renewed))


def overdue_enrolments(as_of, exclude_certified: bool = True) -> QuerySet[Enrolment]:
    """Enrolments in progress then whose due date had passed, unless the person already held
    a valid certificate of the course (nothing to chase)."""
    day = timezone.localtime(as_of).date()
    qs = Enrolment.objects.filter(
        Q(status=Enrolment.Status.ACTIVE) | Q(completed_at__gt=as_of),
        enrolled_at__lte=as_of,
        due_date__lt=day,
    ).exclude(status=Enrolment.Status.WITHDRAWN)
    if not exclude_certified:
        return qs
    certified = valid_certificates(as_of).filter(
        person_id=OuterRef("person_id"), course_id=OuterRef("course_id")
    )
    return qs.filter(~Exists(certified))


def _expiring(own, as_of):
    for r in (
        expiring_certificates(as_of)
        .filter(_active(as_of, "person__"))
        .values("person__organisation_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        own[r["person__organisation_id"]]["certs_expiring"] += r["n"]


def _overdue_enrolments(own, as_of):
    """Enrolments of active staff in progress then whose due date had passed."""
    rows = (
        overdue_enrolments(as_of)
        .filter(_active(as_of, "person__"))
        .values("person__organisation_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rows:
        own[r["person__organisation_id"]]["overdue_enrolments"] += r["n"]


def _repeat_clickers(own, as_of):
    """People who failed two or more campaigns launched in the year before (by their
    organisation): all campaigns, and those that are not pseudonymous (who may be named)."""
    rows = (
        Send.objects.filter(
            results.FAILED,
            person__isnull=False,
            campaign__launched_at__lte=as_of,
            campaign__launched_at__gt=as_of - results.REPEAT_WINDOW,
        )
        .values("person__organisation_id", "person_id")
        .annotate(
            all=Count("campaign_id", distinct=True),
            named=Count("campaign_id", distinct=True, filter=Q(campaign__pseudonymous=False)),
        )
        .filter(all__gte=2)
        .order_by()
        .values_list("person__organisation_id", "person_id", "all", "named")
    )
    for org_id, person_id, _all, named in rows:
        own[org_id]["repeat_all"] += 1
        if named >= 2:
            own[org_id]["repeat_named"] += 1
            own[org_id]["repeat_top"].append([named, person_id])
    for figures in own.values():
        figures["repeat_top"] = _top(figures["repeat_top"])


def lab_maxima() -> dict[int, int]:
    """Each lab's full marks (the sum of its questions' points)."""
    return {
        pk: sum(q.get("points", 0) for q in definition.get("questions", []))
        for pk, definition in Lab.objects.values_list("pk", "definition")
    }


def _labs(own, as_of):
    finished = LabAttempt.objects.filter(finished_at__isnull=False, finished_at__lte=as_of)
    for r in (
        finished.filter(_active(as_of, "person__"), person__track=Person.Track.IT_ADMIN)
        .values("person__organisation_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    ):
        own[r["person__organisation_id"]]["lab_people"] += r["n"]
    maxima = lab_maxima()
    for org_id, lab_id, points, n in (
        finished.values_list("person__organisation_id", "lab_id", "points")
        .annotate(n=Count("id"))
        .order_by()
    ):
        full = maxima.get(lab_id) or 0
        if not full:
            continue
        pct = str(max(0, min(100, math.floor(100 * points / full))))
        mine = own[org_id]
        mine["lab_cases"] += n
        mine["lab_scores"][pct] = mine["lab_scores"].get(pct, 0) + n


def phishing_campaigns(as_of):
    return Campaign.objects.filter(
        launched_at__isnull=False, launched_at__lte=as_of, launched_at__gt=as_of - PHISHING_WINDOW
    )


def _phishing(own, as_of) -> dict[str, dict]:
    campaigns = phishing_campaigns(as_of)
    launched = {
        str(pk): {"at": at.isoformat(), "pseudonymous": pseudonymous}
        for pk, at, pseudonymous in campaigns.values_list("pk", "launched_at", "pseudonymous")
    }
    for (cid, org_id), row in results.tally(campaigns, ("campaign", "organisation")).items():
        minutes: dict[str, int] = {}
        for seconds in row.report_seconds:
            key = str(int(seconds // 60))
            minutes[key] = minutes.get(key, 0) + 1
        own[org_id]["phish"][str(cid)] = {
            "d": row.delivered,
            "h": row.human,
            "s": row.submitted,
            "f": row.failed,
            "r": row.reported,
            "m": minutes,
        }
    return launched


def _advisories(own, as_of):
    published = dict(
        Revision.objects.values("advisory_id")
        .annotate(first=Min("published_at"))
        .filter(first__lte=as_of)
        .values_list("advisory_id", "first")
    )
    rows = (
        Recipient.objects.filter(organisation__isnull=False, advisory_id__in=list(published))
        .exclude(advisory__state=Advisory.State.WITHDRAWN)
        .values_list(
            "organisation_id",
            "advisory_id",
            "state",
            "outcome",
            "acknowledged_at",
            "submitted_at",
            "ack_due",
            "act_due",
        )
    )
    final_states = set(Recipient.FINAL)
    for org_id, advisory_id, state, outcome, acked, submitted, ack_due, act_due in rows:
        mine = own[org_id]
        mine["adv_received"] += 1
        acknowledged = acked is not None and acked <= as_of
        final = state in final_states and submitted is not None and submitted <= as_of
        if acknowledged:
            mine["adv_ack"] += 1
            mine["ack_seconds"] += max(0.0, (acked - published[advisory_id]).total_seconds())
        if final or act_due <= as_of:
            mine["adv_due"] += 1
            if final and outcome in IMPLEMENTED:
                mine["adv_implemented"] += 1
        if (not acknowledged and ack_due < as_of) or (not final and act_due < as_of):
            mine["adv_overdue"] += 1


def compute(as_of: datetime) -> tuple[dict, dict[str, dict]]:
    """Each organisation's own figures (key None: sends that belong to no organisation) and
    the phishing campaigns counted (launch time, pseudonymous or not)."""
    own: dict = defaultdict(empty)
    _people(own, as_of)
    _certificates(own, as_of)
    _gain(own, as_of)
    _expiring(own, as_of)
    _overdue_enrolments(own, as_of)
    _labs(own, as_of)
    launched = _phishing(own, as_of)
    _repeat_clickers(own, as_of)
    _advisories(own, as_of)
    return dict(own), launched


def roll_up(own: dict) -> dict:
    """Every organisation's figures over its subtree, and the nation's (key None)."""
    paths = dict(Organisation.objects.values_list("pk", "path"))
    totals: dict = {pk: empty() for pk in paths}
    totals[None] = empty()
    for org_id, figures in own.items():
        add(totals[None], figures)
        if org_id is None or org_id not in paths:
            continue
        for ancestor in (int(part) for part in paths[org_id].strip("/").split("/") if part):
            if ancestor in totals:
                add(totals[ancestor], figures)
    return totals


# --- reading a snapshot -------------------------------------------------------------------


def _rate(part, whole) -> float | None:
    return part / whole if whole else None


def median_of(hist: dict[str, int]) -> float | None:
    """The median of values given as {value: how many} (the mean of the middle two)."""
    n = sum(hist.values())
    if not n:
        return None
    ordered = sorted((float(v), c) for v, c in hist.items())

    def nth(k):  # the k-th smallest, from 0
        seen = 0
        for value, count in ordered:
            seen += count
            if k < seen:
                return value
        return ordered[-1][0]

    if n % 2:
        return nth(n // 2)
    return (nth(n // 2 - 1) + nth(n // 2)) / 2


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    weight: int  # the default


COMPONENTS = (
    Component("basic_coverage", _("basic-course coverage"), 25),
    Component("advanced_coverage", _("advanced coverage of IT administrators"), 15),
    Component("lab_completion", _("lab completion"), 10),
    Component("phishing_resistance", _("100 % − phishing click rate (12 months)"), 15),
    Component("year_report_rate", _("phishing report rate (12 months)"), 10),
    Component("ack_rate", _("advisory acknowledgement rate"), 10),
    Component("implementation_rate", _("advisory implementation rate"), 15),
)
DEFAULT_WEIGHTS = {c.key: c.weight for c in COMPONENTS}


class Figures:
    """An organisation's (or the nation's) figures from a snapshot, with what follows from
    them. Every rate is a share from 0 to 1, or None when there is nothing to divide by
    (shown as "no data", never as 0 %)."""

    def __init__(self, data: dict, campaigns: dict[str, dict] | None = None):
        self.data = data
        self.campaigns = campaigns or {}
        self.launched = {cid: c["at"] for cid, c in self.campaigns.items()}
        for name in COUNTS:
            setattr(self, name, data.get(name, 0))

    # training
    @property
    def basic_coverage(self):
        return _rate(self.basic, self.staff)

    @property
    def advanced_coverage(self):
        return _rate(self.advanced, self.it_admins)

    @property
    def gain(self):
        return self.gain_g / self.gain_g_n if self.gain_g_n else None

    @property
    def raw_gain(self):
        return self.gain_raw / self.gain_n if self.gain_n else None

    # labs
    @property
    def lab_completion(self):
        return _rate(self.lab_people, self.it_admins)

    @property
    def lab_median(self):
        median = median_of(self.data.get("lab_scores", {}))
        return None if median is None else median / 100

    # phishing
    def _phish(self):
        """The campaigns that reached here. A pseudonymous campaign that reached fewer than
        PSEUDONYMOUS_MIN_GROUP people here is left out: its rates would single them out."""
        return {
            cid: row
            for cid, row in self.data.get("phish", {}).items()
            if row["d"]
            and not (
                self.campaigns.get(cid, {}).get("pseudonymous")
                and row["d"] < results.PSEUDONYMOUS_MIN_GROUP
            )
        }

    @property
    def last_campaign_id(self) -> int | None:
        rows = self._phish()
        if not rows:
            return None
        return int(max(rows, key=lambda cid: (self.launched.get(cid, ""), int(cid))))

    def _last(self):
        cid = self.last_campaign_id
        return None if cid is None else self.data["phish"][str(cid)]

    @property
    def last_click_rate(self):
        row = self._last()
        return row and _rate(row["h"], row["d"])

    @property
    def last_report_rate(self):
        row = self._last()
        return row and _rate(row["r"], row["d"])

    @property
    def last_median_report_seconds(self):
        row = self._last()
        median = row and median_of(row["m"])
        return None if median is None else median * 60

    def _year(self, key):
        rows = self._phish().values()
        return _rate(sum(r[key] for r in rows), sum(r["d"] for r in rows))

    @property
    def year_click_rate(self):
        return self._year("h")

    @property
    def year_report_rate(self):
        return self._year("r")

    @property
    def phishing_resistance(self):
        rate = self.year_click_rate
        return None if rate is None else 1 - rate

    @property
    def delivered(self):
        return sum(r["d"] for r in self._phish().values())

    def campaign_rows(self) -> list[tuple[int, dict]]:
        """(campaign id, counts) for each campaign that reached here, oldest first."""
        rows = self._phish()
        order = sorted(rows, key=lambda cid: (self.launched.get(cid, ""), int(cid)))
        return [(int(cid), rows[cid]) for cid in order]

    # advisories
    @property
    def ack_rate(self):
        return _rate(self.adv_ack, self.adv_received)

    @property
    def implementation_rate(self):
        return _rate(self.adv_implemented, self.adv_due)

    @property
    def mean_ack_seconds(self):
        return self.ack_seconds / self.adv_ack if self.adv_ack else None

    # the composite
    def readiness(self, weights: dict[str, int]) -> float | None:
        """Σ weight × component ÷ Σ weight, over the components that have data (0–1)."""
        total = weighted = 0.0
        for c in COMPONENTS:
            value, weight = getattr(self, c.key), weights.get(c.key, 0)
            if value is None or not weight:
                continue
            total += weight
            weighted += weight * value
        return weighted / total if total else None

    def as_dict(self, weights: dict[str, int]) -> dict:
        return {
            "staff": self.staff,
            "it_admins": self.it_admins,
            "basic_coverage": self.basic_coverage,
            "advanced_coverage": self.advanced_coverage,
            "certificates_valid": self.certs_valid,
            "certificates_expiring_60_days": self.certs_expiring,
            "learning_gain": self.gain,
            "raw_gain_points": self.raw_gain,
            "learning_gain_people": self.gain_n,
            "lab_completion": self.lab_completion,
            "lab_median_score": self.lab_median,
            "last_campaign_id": self.last_campaign_id,
            "last_campaign_click_rate": self.last_click_rate,
            "last_campaign_report_rate": self.last_report_rate,
            "last_campaign_median_seconds_to_report": self.last_median_report_seconds,
            "click_rate_12_months": self.year_click_rate,
            "report_rate_12_months": self.year_report_rate,
            "advisories_received": self.adv_received,
            "acknowledgement_rate": self.ack_rate,
            "implementation_rate": self.implementation_rate,
            "mean_seconds_to_acknowledge": self.mean_ack_seconds,
            "overdue_advisories": self.adv_overdue,
            "readiness": self.readiness(weights),
        }
