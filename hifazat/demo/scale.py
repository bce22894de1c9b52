"""Scale data for the readiness dashboards: ``hifazat demo load --enrolments N
--phishing-events N --advisories N``, and the ``dashboard`` benchmark (``bench/dashboard.py``).

On top of the organisations, the curriculum and the demo people already loaded (the generated
ones, employee numbers ``FG-…``; the demo accounts are left alone) it adds in bulk what the
dashboards read. Rows are written with ``executemany`` in batches of 10,000, one transaction per
batch (parents before children, so the deferred foreign keys hold at each commit), with explicit
primary keys where other rows point at them; the same code runs on SQLite and PostgreSQL.

* staff who left — 2 % of the people deactivated at some moment of the last year;
* enrolments (``enrolments``, about that many) — the basic course for everyone, the advanced
  course for IT administrators, the remedial course for about 8 %, and earlier or repeated
  enrolments in the basic and advanced courses to make up the number. The latest enrolment of a
  person in a course is completed (50 %), in progress (40 %) or withdrawn; earlier ones are
  completed (60 %) or withdrawn. About 55 % are completed, each with a certificate issued when
  it was completed, over the last 14 months (valid 365 days: some expired, some expiring within
  60 days, 0.3 % revoked). Most enrolments in progress were assigned with a due date 45 days
  (remedial: 14 days) after enrolling, and most of those dates have passed (overdue);
* test attempts — for 60 % of completed enrolments a pre-test (30–80) and one or two final tests
  (a failed one, 60 to below the pass mark, for a quarter; then a pass, pass mark to 100); a
  pre-test for half the enrolments in progress and 30 % of the withdrawn ones. Scores come from
  correct answers out of the version's question count, as the real grading makes them;
* lab cases — for 40 % of the IT administrators, one to eight of the labs each (the labs are
  loaded first when there are none), 80 % finished with 30–100 % of the lab's points (taken
  with the enrolments);
* phishing (``phishing_events``, about that many events) — 12 completed campaigns, one a month
  over the last 12 months (8 national, 4 to one of the largest ministries, one pseudonymous),
  with send rows whose first-outcome columns match the events: 1.5 % bounced; human clicks
  falling from 25 % to 5 % of messages delivered over the year, a person's susceptibility drawn
  once so that the same people click again (repeat clickers), about 45 % of those who click
  submitting the form; reports rising from 10 % to 40 %; a few scanner-only link fetches; the
  tracking pixel for about half the messages, sometimes twice;
* advisories (``advisories``) — published over the last 12 months (4 % withdrawn since, 3 %
  superseded), each with its one revision and addressed to 60 organisations (recipient rows),
  whose answers are in every state: pending, viewed, acknowledged (some late), in progress,
  implemented, partial, not applicable, cannot comply, verified — and overdue where a deadline
  passed unmet.

Last, ``ANALYZE`` (the planner's statistics). Everything comes from one seeded generator and the
people in key order, so two loads of the same database contents give the same rows. It is not
idempotent: a first run records an audit event (``demo.scale_loaded``), and a second run on the
same database refuses (``AlreadyLoaded``).
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from array import array
from datetime import UTC, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from hifazat.advisories.models import Advisory, Recipient, Revision
from hifazat.assessments.models import Attempt, Question
from hifazat.audit.models import AuditEvent
from hifazat.audit.services import audit_record
from hifazat.labs.models import Lab, LabAttempt
from hifazat.learning.models import Certificate, Course, Enrolment
from hifazat.orgs.models import Organisation, Person
from hifazat.phishing.models import (
    Campaign,
    EmailTemplate,
    Event,
    LandingPage,
    Send,
    SendingProfile,
    Variant,
)

SEED = 20260509
BATCH = 10_000
MARKER = "demo.scale_loaded"
DAY = 86400

LEAVER_SHARE = 0.02
REMEDIAL_SHARE = 0.08
CERTIFICATE_DAYS = 365  # round(30.44 × 12), as learning.services.certificate_issue
HISTORY_DAYS = 425  # completions over the last 14 months
LATEST = (("completed", 0.50), ("active", 0.40), ("withdrawn", 0.10))
LATEST_REMEDIAL = (("completed", 0.60), ("active", 0.35), ("withdrawn", 0.05))
EARLIER_COMPLETED = 0.60
REVOKED_SHARE = 0.003
ATTEMPTS_COMPLETED, ATTEMPTS_ACTIVE, ATTEMPTS_WITHDRAWN = 0.60, 0.50, 0.30
FAILED_FINAL_SHARE = 0.25
LAB_SHARE, LAB_FINISHED = 0.40, 0.80
LAB_COUNT_WEIGHTS = (30, 25, 18, 12, 7, 4, 2, 2)  # one lab, two labs, … eight labs

CAMPAIGNS = 12
MINISTRY_ROUNDS = {2: 0, 5: 1, 8: 2, 10: 0}  # campaign index -> which of the largest ministries
PSEUDONYMOUS_ROUND = 5
BOUNCE, SCANNER, SUBMIT_SHARE = 0.015, 0.03, 0.45
OPEN_ENGAGED, OPEN_OTHERS, OPEN_AGAIN = 0.85, 0.42, 0.15
IT_ADMIN_SUSCEPTIBILITY = 0.5
CLICKER_REPORTS = 0.3

RECIPIENTS_PER_ADVISORY = 60
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AlreadyLoaded(RuntimeError):
    pass


def already_loaded() -> AuditEvent | None:
    return AuditEvent.objects.filter(action=MARKER).order_by("seq").first()


# --- writing ------------------------------------------------------------------------------


class _Table:
    def __init__(self, model, columns: list[str]):
        q = connection.ops.quote_name
        names = ", ".join(q(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        self.sql = f"INSERT INTO {q(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
        self.rows: list[tuple] = []
        self.count = 0


class _Writer:
    """Buffered INSERTs into some tables, written together (in the order given: parents
    first) in one transaction whenever a buffer holds a batch."""

    def __init__(self, *tables: _Table):
        self.tables = tables

    def maybe_flush(self) -> None:
        if any(len(t.rows) >= BATCH for t in self.tables):
            self.flush()

    def flush(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for t in self.tables:
                if t.rows:
                    cursor.executemany(t.sql, t.rows)
                    t.count += len(t.rows)
                    t.rows = []


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(*models) -> None:
    """After explicit keys: move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _pick(rng: random.Random, table) -> str:
    x = rng.random()
    for value, share in table:
        if x < share:
            return value
        x -= share
    return table[-1][0]


def _within(scores: list[tuple], lo, hi) -> list[tuple]:
    """The (correct, score) pairs with a score from lo to hi; none: the nearest one."""
    found = [(c, s) for c, s in scores if lo <= s <= hi]
    return found or [min(scores, key=lambda cs: abs(cs[1] - lo))]


def _lognormal(rng: random.Random, median_seconds: float, sigma: float, cap: float) -> float:
    return min(rng.lognormvariate(math.log(median_seconds), sigma), cap)


class _Loader:
    def __init__(self, stdout, seed: int):
        self.stdout = stdout
        self.rng = random.Random(seed)
        now = timezone.now()
        # SQLite stores naive UTC text (as Django writes it); PostgreSQL takes aware values
        self.now = now.replace(tzinfo=None) if connection.vendor == "sqlite" else now
        self.people = list(
            Person.objects.filter(employee_number__startswith="FG-")
            .order_by("pk")
            .values_list("pk", "track", "organisation_id", "full_name", "email")
        )
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)
            if hasattr(self.stdout, "flush"):
                self.stdout.flush()

    def ago(self, seconds: float):
        return self.now - timedelta(seconds=seconds)

    @staticmethod
    def aware(moment):
        """For the ORM: SQLite's naive UTC moments made aware again."""
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    # --- staff who left -------------------------------------------------------------------

    def leavers(self) -> None:
        rng = self.rng
        rows = [
            (False, self.ago(rng.uniform(0, 365 * DAY)), pk)
            for pk, *_ in self.people
            if rng.random() < LEAVER_SHARE
        ]
        table = connection.ops.quote_name(Person._meta.db_table)
        for start in range(0, len(rows), BATCH):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET is_active = %s, deactivated_at = %s WHERE id = %s",  # noqa: S608
                    rows[start : start + BATCH],
                )
        self.counts["people_left"] = len(rows)
        self.say(f"Scale: {len(rows):,} of {len(self.people):,} people deactivated (left)")

    # --- enrolments, certificates, tests --------------------------------------------------

    def _courses(self) -> dict[str, dict]:
        if not Course.objects.filter(slug__in=["basic", "advanced", "remedial"]).exists():
            call_command("curriculum", "load", verbosity=0)
        rng = self.rng
        courses = {}
        for course in Course.objects.filter(
            slug__in=["basic", "advanced", "remedial"], current_version__isnull=False
        ).select_related("current_version"):
            v = course.current_version
            modules = list(v.modules.order_by("order").values_list("pk", flat=True))
            by_module: dict[int, list[str]] = {}
            for module_id, qid in (
                Question.objects.filter(version=v, language="en")
                .order_by("module__order", "qid")
                .values_list("module_id", "qid")
            ):
                by_module.setdefault(module_id, []).append(qid)
            per = v.questions_per_module
            total = per * len(modules) or 20
            # a few draws of the test's questions, as the real draw makes them (per module)
            draws = []
            for _ in range(8):
                qids = []
                for m in modules:
                    pool = by_module.get(m, [])
                    qids += rng.sample(pool, min(per, len(pool)))
                draws.append(json.dumps(qids or [f"q{i}" for i in range(total)]))
            total = len(json.loads(draws[0]))
            scores = [
                (c, (Decimal(c * 100) / total).quantize(Decimal("0.01"))) for c in range(total + 1)
            ]

            pass_mark = Decimal(v.pass_mark)
            courses[course.slug] = {
                "id": course.pk,
                "version": v.pk,
                "total": total,
                "minutes": v.time_limit_minutes,
                "draws": draws,
                "pre": _within(scores, 30, 80),
                "fail": [cs for cs in scores if 60 <= cs[1] < pass_mark],
                "pass": _within(scores, pass_mark, 100),
                "pass_mark": pass_mark,
            }
        return courses

    def enrolments(self, target: int) -> None:
        rng, now = self.rng, self.now
        courses = self._courses()
        if "basic" not in courses:
            self.say("Scale: enrolments skipped (no basic course: run `hifazat curriculum load`)")
            return
        active_already = set(
            Enrolment.objects.filter(status=Enrolment.Status.ACTIVE).values_list(
                "person_id", "course_id"
            )
        )
        people = self.people
        it_share = sum(1 for p in people if p[1] == Person.Track.IT_ADMIN) / max(1, len(people))
        base = 1 + it_share * ("advanced" in courses) + REMEDIAL_SHARE * ("remedial" in courses)
        per_person = target / max(1, len(people))
        keep = min(1.0, per_person / base)  # fewer enrolments than people ask for: some only
        extra = max(0.0, per_person - base)
        extra_whole, extra_part = int(extra), extra - int(extra)

        enrolment_t = _Table(
            Enrolment,
            ["id", "person_id", "course_id", "version_id", "source", "due_date", "status",
             "enrolled_at", "completed_at"],
        )  # fmt: skip
        certificate_t = _Table(
            Certificate,
            ["person_id", "course_id", "version_id", "enrolment_id", "code", "full_name",
             "issued_at", "expires_at", "revoked_at", "revoked_reason"],
        )  # fmt: skip
        attempt_t = _Table(
            Attempt,
            ["enrolment_id", "kind", "number", "qids", "option_orders", "started_at",
             "deadline", "seq", "submitted_at", "correct", "total", "score", "passed"],
        )  # fmt: skip
        writer = _Writer(enrolment_t, certificate_t, attempt_t)
        next_id = _next_id(Enrolment)
        code_offset = rng.getrandbits(50)

        def attempt(enrolment_id, course, kind, number, submitted, picked):
            correct, score = picked
            started = submitted - timedelta(seconds=rng.uniform(120, course["minutes"] * 60))
            attempt_t.rows.append(
                (enrolment_id, kind, number, rng.choice(course["draws"]), "{}", started,
                 started + timedelta(minutes=course["minutes"]), 0, submitted, correct,
                 course["total"], score, kind == "final" and score >= course["pass_mark"])
            )  # fmt: skip

        started = time.perf_counter()
        step = max(1, len(people) // 10)
        for n, (pk, track, _org, full_name, _email) in enumerate(people, start=1):
            chains = {"basic": 1}
            if track == Person.Track.IT_ADMIN and "advanced" in courses:
                chains["advanced"] = 1
            if "remedial" in courses and rng.random() < REMEDIAL_SHARE:
                chains["remedial"] = 1
            if keep < 1.0:
                chains = {k: 1 for k in chains if rng.random() < keep}
            for _ in range(extra_whole + (rng.random() < extra_part)):
                key = "advanced" if "advanced" in chains and rng.random() < 0.5 else "basic"
                chains[key] = chains.get(key, 0) + 1
            for slug, k in chains.items():
                course = courses[slug]
                ages = sorted((rng.uniform(1, HISTORY_DAYS) * DAY for _ in range(k)), reverse=True)
                previous = None
                for i, age in enumerate(ages):
                    latest = i == k - 1
                    if latest:
                        status = _pick(rng, LATEST_REMEDIAL if slug == "remedial" else LATEST)
                        if status == "active" and (pk, course["id"]) in active_already:
                            status = "withdrawn"
                    else:
                        status = "completed" if rng.random() < EARLIER_COMPLETED else "withdrawn"
                    source, due_days = "self", None
                    if slug == "remedial":
                        source, due_days = "remedial", 14
                    else:
                        x = rng.random()
                        if x < 0.6:
                            source, due_days = "assigned", 45
                        elif x < 0.7:
                            source, due_days = "nominated", 30
                    completed = None
                    if status == "active":
                        window = 60 if slug == "remedial" else 180
                        enrolled = self.ago(rng.uniform(0, window * DAY))
                        if previous is not None and enrolled <= previous:
                            enrolled = previous + timedelta(hours=rng.uniform(1, 48))
                            enrolled = min(enrolled, now - timedelta(minutes=5))
                    elif status == "completed":
                        completed = self.ago(age)
                        enrolled = completed - timedelta(seconds=rng.uniform(2 * DAY, 40 * DAY))
                    else:
                        enrolled = self.ago(age)
                    due = (enrolled + timedelta(days=due_days)).date() if due_days else None
                    eid = next_id
                    next_id += 1
                    enrolment_t.rows.append(
                        (eid, pk, course["id"], course["version"], source, due, status,
                         enrolled, completed)
                    )  # fmt: skip
                    previous = completed or enrolled
                    if status == "completed":
                        revoked = None
                        if rng.random() < REVOKED_SHARE:
                            revoked = completed + timedelta(seconds=rng.uniform(DAY, 60 * DAY))
                            revoked = revoked if revoked < now else None
                        certificate_t.rows.append(
                            (pk, course["id"], course["version"], eid,
                             self._code(eid + code_offset), full_name, completed,
                             completed + timedelta(days=CERTIFICATE_DAYS), revoked,
                             "Issued in error" if revoked else "")
                        )  # fmt: skip
                        if rng.random() < ATTEMPTS_COMPLETED:
                            pre_at = enrolled + timedelta(seconds=rng.uniform(600, 7200))
                            attempt(eid, course, "pre", 1, pre_at, rng.choice(course["pre"]))
                            number = 1
                            if course["fail"] and rng.random() < FAILED_FINAL_SHARE:
                                failed_at = completed - timedelta(
                                    seconds=rng.uniform(0.5, 1.5) * DAY
                                )
                                attempt(
                                    eid, course, "final", 1, failed_at, rng.choice(course["fail"])
                                )
                                number = 2
                            passed_at = completed - timedelta(seconds=rng.uniform(1, 30))
                            attempt(
                                eid, course, "final", number, passed_at, rng.choice(course["pass"])
                            )
                    elif rng.random() < (
                        ATTEMPTS_ACTIVE if status == "active" else ATTEMPTS_WITHDRAWN
                    ):
                        pre_at = min(enrolled + timedelta(seconds=rng.uniform(600, 7200)), now)
                        attempt(eid, course, "pre", 1, pre_at, rng.choice(course["pre"]))
            writer.maybe_flush()
            if n % step == 0:
                self.say(
                    f"  enrolments: {n * 100 // len(people)} % of people, "
                    f"{enrolment_t.count + len(enrolment_t.rows):,} enrolments "
                    f"({time.perf_counter() - started:.0f} s)"
                )
        writer.flush()
        _reset_sequences(Enrolment, Certificate, Attempt)
        self.counts.update(
            enrolments=enrolment_t.count,
            certificates=certificate_t.count,
            attempts=attempt_t.count,
        )
        self.say(
            f"Scale: {enrolment_t.count:,} enrolments, {certificate_t.count:,} certificates, "
            f"{attempt_t.count:,} test attempts"
        )

    @staticmethod
    def _code(n: int) -> str:
        """A distinct certificate code for each n (an odd multiplier is a bijection mod 32¹⁰)."""
        x = (n * 0x9E3779B97F4A7C15) % (32**10)
        chars = []
        for _ in range(10):
            x, d = divmod(x, 32)
            chars.append(CODE_ALPHABET[d])
        raw = "".join(chars)
        return f"HZ-{raw[:5]}-{raw[5:]}"

    # --- labs -----------------------------------------------------------------------------

    def labs(self) -> None:
        rng = self.rng
        if not Lab.objects.exists():
            call_command("labs", "load", verbosity=0)
        labs = [
            (lab.pk, lab.max_points, len(lab.questions), lab.digest)
            for lab in Lab.objects.filter(active=True).order_by("slug")
        ]
        if not labs:
            self.say("Scale: lab cases skipped (no labs)")
            return
        taken = set(LabAttempt.objects.values_list("lab_id", "person_id"))
        table = _Table(
            LabAttempt,
            ["lab_id", "person_id", "seed", "answers", "digest", "started_at", "points",
             "solved", "last_solved_at", "finished_at"],
        )  # fmt: skip
        writer = _Writer(table)
        counts = range(1, min(8, len(labs)) + 1)
        weights = LAB_COUNT_WEIGHTS[: len(counts)]
        for pk, track, *_ in self.people:
            if track != Person.Track.IT_ADMIN or rng.random() >= LAB_SHARE:
                continue
            k = rng.choices(counts, weights)[0]
            for lab_id, full, questions, digest in rng.sample(labs, k):
                if (lab_id, pk) in taken:
                    continue
                started = self.ago(rng.uniform(1, 330) * DAY)
                if rng.random() < LAB_FINISHED:
                    share = rng.uniform(0.3, 1.0)
                    finished = started + timedelta(seconds=rng.uniform(1200, 5 * 3600))
                    last = finished
                else:
                    share, finished = rng.uniform(0, 0.6), None
                    last = started + timedelta(seconds=rng.uniform(600, 3600)) if share else None
                points = round(share * full)
                table.rows.append(
                    (lab_id, pk, rng.getrandbits(31), "{}", digest, started, points,
                     round(share * questions), last, finished)
                )  # fmt: skip
            writer.maybe_flush()
        writer.flush()
        self.counts["lab_cases"] = table.count
        self.say(f"Scale: {table.count:,} lab cases over {len(labs)} labs")

    # --- phishing -------------------------------------------------------------------------

    def phishing(self, target_events: int) -> None:
        rng, aware = self.rng, self.aware
        people = self.people
        if not people:
            return
        ministries = self._largest_ministries(3)
        owner_people = {
            m.pk: [i for i, p in enumerate(people) if p[2] in subtree] for m, subtree in ministries
        }
        templates = [
            EmailTemplate.objects.create(
                name=f"Scale: {name}",
                sender_name=sender,
                sender_address="helpdesk@eoffice-portal.example",
                subject=subject,
                text="Dear {{ first_name }},\n\nPlease sign in: {{ link }}\n",
                difficulty=difficulty,
            )
            for name, sender, subject, difficulty in (
                (
                    "e-Office password expiry",
                    "e-Office Helpdesk",
                    "Your password expires today",
                    2,
                ),
                ("Salary slip (AGPR)", "AGPR Payroll", "Your revised salary slip", 3),
                ("Mailbox quota", "IT Support", "Your mailbox is almost full", 4),
            )
        ]
        pages = [
            LandingPage.objects.create(
                name=f"Scale: teachable moment {label}",
                title="This was a simulation",
                body="Look at the sender's address before you click.",
                has_form=True,
            )
            for label in "AB"
        ]
        profile = SendingProfile.objects.create(
            name="Scale relay", host="127.0.0.1", port=25, security="none"
        )

        plan = []
        for i in range(CAMPAIGNS):
            progress = i / (CAMPAIGNS - 1)
            human = 0.25 - 0.20 * progress
            report = 0.10 + 0.30 * progress
            owner = None
            if i in MINISTRY_ROUNDS and ministries:
                owner = ministries[MINISTRY_ROUNDS[i] % len(ministries)][0]
            # expected events per send row, to size the campaigns for the events asked for
            engaged = human + report - human * report * CLICKER_REPORTS
            per_send = (1 - BOUNCE) * (
                human * (2 + SUBMIT_SHARE)
                + (1 - human) * SCANNER
                + report
                + (OPEN_ENGAGED * engaged + OPEN_OTHERS * (1 - engaged)) * (1 + OPEN_AGAIN)
            )
            plan.append((i, human, report, owner, 0.5 if owner else 1.0, per_send))
        # ministry rounds reach at most the ministry's people; national rounds make up the rest
        unit = target_events / sum(w * per_send for *_, w, per_send in plan)
        sizes = {
            i: min(len(owner_people[owner.pk]), round(w * unit))
            for i, _h, _r, owner, w, _p in plan
            if owner
        }
        rest = target_events - sum(sizes[i] * per_send for i, *_, per_send in plan if i in sizes)
        national = sum(per_send for i, *_, per_send in plan if i not in sizes)
        for i, *_ in plan:
            if i not in sizes:
                sizes[i] = min(len(people), max(0, round(rest / national)))
        susceptibility = array(
            "d",
            (
                rng.lognormvariate(0, 0.9)
                * (IT_ADMIN_SUSCEPTIBILITY if p[1] == Person.Track.IT_ADMIN else 1)
                for p in people
            ),
        )
        mean_s = sum(susceptibility) / len(susceptibility)

        send_t = _Table(
            Send,
            ["id", "campaign_id", "variant_id", "person_id", "email", "organisation_id", "token",
             "not_before", "state", "worker", "attempts", "message_id", "sent_at", "smtp_code",
             "error", "opened_at", "clicked_at", "human_at", "submitted_at", "reported_at"],
        )  # fmt: skip
        event_t = _Table(Event, ["send_id", "campaign_id", "kind", "at", "fields"])
        writer = _Writer(send_t, event_t)
        next_id = _next_id(Send)
        started = time.perf_counter()
        for i, human, report, owner, _w, _per_send in plan:
            days_ago = 350 - 30 * i
            launched = self.ago(days_ago * DAY + rng.uniform(0, 6 * 3600))
            pool = owner_people[owner.pk] if owner else range(len(people))
            size = sizes[i]
            audience = sorted(rng.sample(pool, size))
            name = (f"{owner.code} round" if owner else "National round") + f" {i + 1} (scale)"
            campaign = Campaign.objects.create(
                organisation=owner,
                name=name,
                state=Campaign.State.COMPLETED,
                profile=profile,
                start_at=aware(launched),
                send_by=aware(launched + timedelta(days=2)),
                business_days=[0, 1, 2, 3, 4],
                authorised_by="Secretary, Cabinet Division",
                authorisation_reference=f"SCALE/{i + 1}",
                pseudonymous=i == PSEUDONYMOUS_ROUND,
                submitted_at=aware(launched - timedelta(days=3)),
                approved_at=aware(launched - timedelta(days=2)),
                launched_at=aware(launched),
                finished_at=aware(launched + timedelta(days=2, minutes=rng.randint(1, 50))),
                recipient_count=size,
            )
            if owner:
                campaign.audience_orgs.set([owner])
            variants = [
                Variant.objects.create(
                    campaign=campaign, label=label, template=templates[(i + j) % 3],
                    landing=pages[j],
                ).pk
                for j, label in enumerate("AB")
            ]  # fmt: skip
            click_median = 40 * 60
            report_median = (60 - 35 * i / (CAMPAIGNS - 1)) * 60
            p_report = report / (1 - human + human * CLICKER_REPORTS)
            for n, index in enumerate(audience, start=1):
                pk, _track, org_id, _name, email = people[index]
                sid = next_id
                next_id += 1
                not_before = launched + timedelta(seconds=rng.uniform(0, 2 * DAY))
                opened = clicked = human_at = submitted = reported = sent = None
                if rng.random() < BOUNCE:
                    state, code, error = "failed", 550, "550 5.1.1 mailbox unavailable"
                else:
                    state, code, error = "sent", 250, ""
                    sent = not_before + timedelta(seconds=rng.uniform(1, 45))
                    acted = None
                    if rng.random() < min(0.95, human * susceptibility[index] / mean_s):
                        clicked = sent + timedelta(
                            seconds=_lognormal(rng, click_median, 1.2, 4 * DAY)
                        )
                        human_at = clicked + timedelta(seconds=rng.uniform(1, 2))
                        event_t.rows.append((sid, campaign.pk, "click", clicked, "[]"))
                        event_t.rows.append((sid, campaign.pk, "human", human_at, "[]"))
                        if rng.random() < SUBMIT_SHARE:
                            submitted = human_at + timedelta(seconds=rng.uniform(40, 90))
                            fields = '["username", "password"]'
                            if rng.random() < 0.15:
                                fields = '["username"]'
                            event_t.rows.append((sid, campaign.pk, "submit", submitted, fields))
                        acted = clicked
                    elif rng.random() < SCANNER / (1 - human):
                        clicked = sent + timedelta(seconds=rng.uniform(2, 20))
                        event_t.rows.append((sid, campaign.pk, "click", clicked, "[]"))
                    if rng.random() < p_report * (CLICKER_REPORTS if human_at else 1):
                        if human_at:
                            delay = 2 + _lognormal(rng, 20 * 60, 0.8, 4 * DAY)
                            reported = human_at + timedelta(seconds=delay)
                        else:
                            delay = _lognormal(rng, report_median, 1.0, 4 * DAY)
                            reported = sent + timedelta(seconds=delay)
                        channel = '["mailbox"]' if rng.random() < 0.2 else '["link"]'
                        event_t.rows.append((sid, campaign.pk, "report", reported, channel))
                        acted = acted or reported
                    if acted and rng.random() < OPEN_ENGAGED:
                        before = min(rng.uniform(10, 240), (acted - sent).total_seconds() / 2)
                        opened = acted - timedelta(seconds=before)
                    elif not acted and rng.random() < OPEN_OTHERS:
                        opened = sent + timedelta(seconds=_lognormal(rng, 50 * 60, 1.3, 4 * DAY))
                    if opened:
                        event_t.rows.append((sid, campaign.pk, "open", opened, "[]"))
                        if rng.random() < OPEN_AGAIN:
                            again = opened + timedelta(seconds=rng.uniform(60, 2 * DAY))
                            event_t.rows.append((sid, campaign.pk, "open", again, "[]"))
                send_t.rows.append(
                    (sid, campaign.pk, variants[rng.random() < 0.5], pk, email, org_id,
                     f"{rng.getrandbits(128):032x}", not_before, state, "", 1,
                     f"<scale.{campaign.pk}.{n}@hifazat.example>", sent, code, error, opened,
                     clicked, human_at, submitted, reported)
                )  # fmt: skip
                writer.maybe_flush()
            writer.flush()
            self.say(
                f"  phishing: campaign {i + 1}/{CAMPAIGNS}, {size:,} messages, "
                f"{event_t.count:,} events so far ({time.perf_counter() - started:.0f} s)"
            )
        _reset_sequences(Send)
        self.counts.update(campaigns=CAMPAIGNS, sends=send_t.count, events=event_t.count)
        self.say(
            f"Scale: {CAMPAIGNS} phishing campaigns, {send_t.count:,} messages, "
            f"{event_t.count:,} events"
        )

    def _largest_ministries(self, n: int) -> list[tuple[Organisation, set[int]]]:
        """The n ministries with the most people in their subtrees, with the subtrees' ids."""
        orgs = list(Organisation.objects.all())
        own = dict(
            Person.objects.values("organisation_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("organisation_id", "n")
        )
        found = []
        for m in orgs:
            if m.kind != Organisation.Kind.MINISTRY:
                continue
            subtree = {o.pk for o in orgs if o.path.startswith(m.path)}
            found.append((sum(own.get(pk, 0) for pk in subtree), m.pk, m, subtree))
        found.sort(key=lambda f: (-f[0], f[1]))
        return [(m, subtree) for _n, _pk, m, subtree in found[:n]]

    # --- advisories -----------------------------------------------------------------------

    def advisories(self, count: int) -> None:
        rng, now, aware = self.rng, self.now, self.aware
        issuer = (
            Organisation.objects.filter(code="NTISB").first()
            or Organisation.objects.filter(kind=Organisation.Kind.MINISTRY).order_by("pk").first()
        )
        orgs = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
        staff = list(
            Person.objects.filter(organisation=issuer)
            .order_by("pk")
            .values_list("pk", flat=True)[:3]
        ) or [p[0] for p in self.people[:3]]
        if issuer is None or not orgs or not staff:
            self.say("Scale: advisories skipped (no organisations or people)")
            return
        author, reviewer, publisher = (staff * 3)[:3]
        # an organisation answers quickly or slowly, on the whole
        pace = {pk: rng.lognormvariate(0, 0.6) for pk in orgs}
        diligence = {pk: min(1.0, rng.uniform(0.6, 1.1)) for pk in orgs}
        numbers: dict[int, int] = {}
        taken_ids = set(Advisory.objects.values_list("tracking_id", flat=True))
        advisories, revisions, published = [], [], []
        kinds = [k for k, _ in Advisory.Kind.choices]
        for i in range(count):
            at = self.ago((365 * (count - i) / count) * DAY - rng.uniform(0, 0.5 * DAY))
            year = at.year
            if year not in numbers:
                numbers[year] = (
                    Advisory.objects.filter(issuer=issuer, year=year).aggregate(m=Max("number"))[
                        "m"
                    ]
                    or 0
                ) + 500
            numbers[year] += 1
            number = numbers[year]
            tracking_id = f"{issuer.code}-ADV-{year}-{number:03d}"
            if tracking_id in taken_ids:
                tracking_id += "-S"
            severity = rng.choices(
                ["critical", "high", "medium", "low", "info"], [10, 30, 35, 15, 10]
            )[0]
            ack_days = 1 if severity == "critical" else rng.choice([2, 3])
            act_days = {"critical": 7, "high": 14}.get(severity, rng.choice([21, 30]))
            x = rng.random()
            state = "withdrawn" if x < 0.04 else "superseded" if x < 0.07 else "published"
            tlp = rng.choice(["CLEAR", "GREEN", "AMBER"])
            title = f"Scale advisory {i + 1}: {rng.choice(kinds)} affecting government systems"
            advisories.append(
                Advisory(
                    uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    issuer=issuer,
                    year=year,
                    number=number,
                    tracking_id=tracking_id,
                    title=title,
                    kind=rng.choice(kinds),
                    severity=severity,
                    tlp=tlp,
                    published_tlp=tlp,
                    summary="Apply the measures below and acknowledge receipt.",
                    audience=Advisory.Audience.ORGANISATIONS,
                    include_children=False,
                    ack_due=aware(at + timedelta(days=ack_days)),
                    act_due=aware(at + timedelta(days=act_days)),
                    state=state,
                    withdrawn_reason="Issued in error" if state == "withdrawn" else "",
                    created_by_id=author,
                    submitted_by_id=author,
                    approved_by_id=reviewer,
                    created_at=aware(at - timedelta(hours=rng.uniform(2, 48))),
                )
            )
            published.append((at, at + timedelta(days=ack_days), at + timedelta(days=act_days)))
        with transaction.atomic():
            Advisory.objects.bulk_create(advisories, batch_size=500)
            if connection.vendor == "sqlite" or advisories[0].pk is None:
                by_id = dict(
                    Advisory.objects.filter(
                        tracking_id__in=[a.tracking_id for a in advisories]
                    ).values_list("tracking_id", "pk")
                )
                for a in advisories:
                    a.pk = a.id = by_id[a.tracking_id]
            for a, (at, _ack, _act) in zip(advisories, published, strict=True):
                revisions.append(
                    Revision(
                        advisory=a,
                        number=1,
                        snapshot={
                            "tracking_id": a.tracking_id,
                            "title": a.title,
                            "summary": a.summary,
                            "tlp": a.tlp,
                            "severity": a.severity,
                            "published_at": aware(at).isoformat(),
                            "measures": [],
                        },
                        published_at=aware(at),
                        author_id=author,
                        approved_by_id=reviewer,
                        published_by_id=publisher,
                    )
                )
            Revision.objects.bulk_create(revisions, batch_size=500)
            live = dict(
                Revision.objects.filter(advisory__in=[a.pk for a in advisories]).values_list(
                    "advisory_id", "pk"
                )
            )
            for a in advisories:
                a.live_id = live[a.pk]
            Advisory.objects.bulk_update(advisories, ["live"], batch_size=500)

        recipient_t = _Table(
            Recipient,
            ["advisory_id", "organisation_id", "state", "ack_due", "act_due", "first_viewed_at",
             "acknowledged_at", "submitted_at", "outcome", "justification", "verified_at",
             "extension_reason", "extension_state"],
        )  # fmt: skip
        through = Advisory.organisations.through
        audience_t = _Table(through, ["advisory_id", "organisation_id"])
        writer = _Writer(recipient_t, audience_t)
        outcomes = (
            ("implemented", 0.70), ("partial", 0.12), ("not_applicable", 0.10),
            ("cannot_comply", 0.08),
        )  # fmt: skip
        for a, (at, ack_due, act_due) in zip(advisories, published, strict=True):
            for org in sorted(rng.sample(orgs, min(RECIPIENTS_PER_ADVISORY, len(orgs)))):
                audience_t.rows.append((a.pk, org))
                p = pace[org]
                viewed = at + timedelta(seconds=_lognormal(rng, 4 * 3600 * p, 1.0, 60 * DAY))
                acked = submitted = verified = None
                outcome = ""
                if rng.random() < 0.92 * diligence[org]:
                    acked = viewed + timedelta(
                        seconds=_lognormal(rng, 16 * 3600 * p, 1.0, 90 * DAY)
                    )
                    if rng.random() < 0.8 * diligence[org]:
                        submitted = acked + timedelta(
                            seconds=_lognormal(rng, 8 * DAY * p, 0.7, 180 * DAY)
                        )
                        outcome = _pick(rng, outcomes)
                        if outcome != "cannot_comply" and rng.random() < 0.45:
                            verified = submitted + timedelta(seconds=rng.uniform(1, 10) * DAY)
                started_work = rng.random() < 0.6
                # what has happened by now
                if verified and verified <= now:
                    state = "verified"
                elif submitted and submitted <= now:
                    state, verified = outcome, None
                elif acked and acked <= now:
                    state = "in_progress" if started_work else "acknowledged"
                    submitted = verified = None
                    outcome = ""
                elif viewed <= now:
                    state, acked, submitted, verified, outcome = "viewed", None, None, None, ""
                else:
                    state = "delivered" if rng.random() < 0.9 else "pending"
                    viewed = acked = submitted = verified = None
                    outcome = ""
                recipient_t.rows.append(
                    (a.pk, org, state, ack_due, act_due, viewed, acked, submitted, outcome,
                     "Not possible on the legacy system." if outcome == "cannot_comply" else "",
                     verified, "", "")
                )  # fmt: skip
            writer.maybe_flush()
        writer.flush()
        self.counts.update(advisories=len(advisories), recipients=recipient_t.count)
        self.say(
            f"Scale: {len(advisories):,} advisories published, {recipient_t.count:,} recipient rows"
        )

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.say("Scale: statistics updated (ANALYZE)")


def load_scale(*, enrolments: int = 0, phishing_events: int = 0, advisories: int = 0, stdout=None):
    """Add the scale data set (see the module's docstring); returns {"timings": {step: s},
    "counts": {what: rows}}. Raises ``AlreadyLoaded`` when it was loaded before."""
    if not (enrolments or phishing_events or advisories):
        return {"timings": {}, "counts": {}}
    earlier = already_loaded()
    if earlier is not None:
        raise AlreadyLoaded(
            f"The scale data set was already loaded here ({earlier.at:%Y-%m-%d %H:%M}, "
            f"{earlier.data}); it is not idempotent: start from an empty database."
        )
    loader = _Loader(stdout, SEED)
    audit_record(
        actor=None,
        action=MARKER,
        object_type="demo",
        data={
            "people": len(loader.people),
            "enrolments": enrolments,
            "phishing_events": phishing_events,
            "advisories": advisories,
        },
    )
    steps = [("leavers", loader.leavers)]
    if enrolments:
        steps += [("enrolments", lambda: loader.enrolments(enrolments)), ("labs", loader.labs)]
    if phishing_events:
        steps.append(("phishing", lambda: loader.phishing(phishing_events)))
    if advisories:
        steps.append(("advisories", lambda: loader.advisories(advisories)))
    steps.append(("analyze", loader.analyze))
    for name, run in steps:
        started = time.perf_counter()
        run()
        loader.timings[name] = time.perf_counter() - started
        loader.say(f"  ({name}: {loader.timings[name]:.1f} s)")
    return {"timings": loader.timings, "counts": loader.counts}
