"""Demo training events (issue 6): partner bodies, venues, the programme's history since 2022
and the events open for nomination now, on whatever organisations and people the demo made.

Written through the event services (``event_save``, ``nominate``, ``nominations_decide``,
``attendance_mark``, ``event_complete``, ``feedback_submit`` …) so statuses, seats, quotas,
enrolments and certificates are what the application itself produces. Two things the services
cannot do for past dates are done with the ORM afterwards:

* the timestamps (decisions, marks, completions, certificates, feedback) are moved back to the
  event's own dates — the audit log keeps the true time of the load;
* the advanced rounds of 2024 and 2025 are nominated directly: ``nominate`` checks the basic
  certificate against today's date, and their participants' certificates were valid then.

Historic events record completion on attendance alone (their final test was taken in the room,
before the platform). Upcoming events are placed relative to today, so the demo stays open for
nomination whenever it is loaded.

Idempotent: nothing is done when the demo partners exist. No e-mail is queued or sent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from hifazat.audit.services import audit_record
from hifazat.demo.accounts import DEMO_ACCOUNTS
from hifazat.events import services
from hifazat.events.models import Attendance, Event, Feedback, Nomination, Partner, Venue
from hifazat.events.services import DaySpec
from hifazat.learning.models import Certificate, Course, Enrolment
from hifazat.orgs.models import Organisation, Person
from hifazat.orgs.roles import Role

SEED = 20221116  # the first NITB training for focal persons
POOL_SIZE = 6000  # people drawn from (the first of the generated population, by number)
DAY_STARTS, DAY_ENDS = time(9, 0), time(16, 0)
JOINING_LINK = "https://meet.hifazat.gov.example/{}"

PARTNERS = (
    ("moitt", "Ministry of IT & Telecom (MoITT)", "وزارتِ انفارمیشن ٹیکنالوجی و ٹیلی کمیونیکیشن"),
    ("pseb", "Pakistan Software Export Board (PSEB)", "پاکستان سافٹ ویئر ایکسپورٹ بورڈ"),
    ("ignite", "Ignite – National Technology Fund", "اگنائٹ – نیشنل ٹیکنالوجی فنڈ"),
    ("nitb", "National Information Technology Board (NITB)", "نیشنل انفارمیشن ٹیکنالوجی بورڈ"),
    (
        "ntisb",
        "National Telecom & Information Technology Security Board (NTISB)",
        "نیشنل ٹیلی کام اینڈ انفارمیشن ٹیکنالوجی سیکیورٹی بورڈ",
    ),
    ("pkcert", "National CERT (PKCERT)", "نیشنل سرٹ (پی کے سرٹ)"),
)
# (key, name, city, seats, partner code)
VENUES = (
    ("nitb", "NITB training hall", "Islamabad", 40, "nitb"),
    ("pseb", "PSEB training room", "Islamabad", 24, "pseb"),
    ("ignite", "Ignite training room", "Islamabad", 24, "ignite"),
    ("ntisb", "NTISB conference room", "Islamabad", 30, "ntisb"),
    ("lahore", "PSEB regional training room", "Lahore", 40, "pseb"),
    ("karachi", "MoITT regional training room", "Karachi", 36, "moitt"),
)
# Ministries with seats in the upcoming quota event, besides the demo focal persons' own.
QUOTA_MINISTRIES = ("CABSEC", "MOF", "MOFA", "MOD", "MPDSI", "MOC")

COMMENTS_EN = (
    "Very practical, especially the phishing examples.",
    "Useful session. Please share the slides afterwards.",
    "More time for questions would help.",
    "The trainer explained clearly and answered every question.",
    "Good arrangements; the hall was a little cold.",
    "I will brief my section on what we learnt.",
)
COMMENTS_UR = (
    "بہت مفید تربیت تھی، فشنگ کی مثالیں خاص طور پر اچھی لگیں۔",
    "ٹرینر نے بہت واضح انداز میں سمجھایا۔",
    "سوالات کے لیے مزید وقت ہونا چاہیے تھا۔",
    "ایسی تربیت ہر سال ہونی چاہیے۔",
)
COMMENTS_ADVANCED = (
    "The hands-on labs were the best part.",
    "The incident response exercise was close to what we face in the office.",
    "Internet in the lab was slow on the second day.",
    "لیب کی مشقیں بہت کارآمد تھیں۔",
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    return day


def _weekdays(first: date, n: int) -> list[date]:
    days, day = [], _weekday_on_or_after(first)
    while len(days) < n:
        days.append(day)
        day = _weekday_on_or_after(day + timedelta(days=1))
    return days


def _account(role=None, track=None) -> Person | None:
    """The demo account holding ``role`` (or, without a role, on ``track``)."""
    for acc in DEMO_ACCOUNTS:
        if (role and acc.role == role) or (not role and not acc.role and acc.track == track):
            person = Person.objects.filter(email=acc.email, is_active=True).first()
            if person is not None:
                return person
    return None


@dataclass
class Summary:
    events: int = 0
    past: int = 0
    open: int = 0
    drafts: int = 0
    nominations: int = 0
    marks: int = 0
    certificates: int = 0
    feedback: int = 0


class _Builder:
    def __init__(self, courses: dict[str, Course]):
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.basic, self.advanced = courses["basic"], courses["advanced"]
        self.pm = _account(Role.PROGRAMME_MANAGER)
        self.head = _account(Role.HEAD)
        self.trainer = _account(Role.TRAINER)
        self.itadmin = _account(track=Person.Track.IT_ADMIN)
        self.focals = [
            p
            for acc in DEMO_ACCOUNTS
            if acc.role == Role.FOCAL_PERSON
            for p in Person.objects.filter(email=acc.email, is_active=True)
        ]
        self.orgs = {o.code: o for o in Organisation.objects.all()}
        self.org_by_id = {o.pk: o for o in self.orgs.values()}
        self.people = list(
            Person.objects.filter(is_active=True, employee_number__startswith="FG-")
            .select_related("organisation")
            .order_by("employee_number")[:POOL_SIZE]
        )
        self.summary = Summary()

    # --- people ---------------------------------------------------------------------------

    def _scope(self, person: Person, role: str) -> Organisation | None:
        """The organisation ``person``'s role is scoped to (focal person, head)."""
        ra = (
            person.role_assignments.current()
            .filter(role=role, organisation__isnull=False)
            .select_related("organisation")
            .first()
        )
        return ra.organisation if ra else None

    def _top(self, person: Person) -> int:
        return int(person.org_path.strip("/").split("/")[0])

    def _valid_basic(self) -> set[int]:
        return set(
            Certificate.objects.filter(
                course=self.basic, revoked_at__isnull=True, expires_at__gt=timezone.now()
            ).values_list("person_id", flat=True)
        )

    def pick(self, n, *, it_admin=None, min_grade=11, within=None, exclude=frozenset()):
        """``n`` people at random (fewer when the population is small), none of ``exclude``
        (ids)."""
        candidates = [
            p
            for p in self.people
            if p.pk not in exclude
            and p.bps_grade >= min_grade
            and (it_admin is None or (p.track == Person.Track.IT_ADMIN) == it_admin)
            and (within is None or any(p.org_path.startswith(o.path) for o in within))
        ]
        return self.rng.sample(candidates, min(n, len(candidates)))

    # --- events ---------------------------------------------------------------------------

    def event(
        self,
        *,
        title,
        course,
        partner,
        mode,
        days,
        opens,
        closes,
        capacity,
        venue=None,
        link="",
        quotas=None,
        trainers=(),
        description="",
        history=False,
        publish=True,
    ) -> Event:
        event = Event(
            title=title,
            course=course,
            partner=self.partners[partner],
            mode=mode,
            venue=self.venues[venue] if venue else None,
            joining_link=JOINING_LINK.format(link) if link else "",
            description=description,
            capacity=capacity,
            open_to_all=not quotas,
            nomination_opens=opens,
            nomination_closes=closes,
            final_test_required=not history,
        )
        services.event_save(
            actor=self.pm,
            event=event,
            days=[DaySpec(d, DAY_STARTS, DAY_ENDS) for d in days],
            quotas=quotas or {},
            trainers=[t for t in trainers if t is not None],
        )
        if publish:
            event = services.event_publish(actor=self.pm, event=event)
        if history:
            Event.objects.filter(pk=event.pk).update(created_at=opens - timedelta(days=10))
            self.summary.past += 1
        self.summary.events += 1
        return event

    def nominate(self, event: Event, people, actor=None) -> list[Nomination]:
        result = services.nominate(
            actor=actor or self.pm, event=event, people=[(p.email, p, None) for p in people]
        )
        return result.created

    def nominate_then(self, event: Event, people) -> list[Nomination]:
        """Nominations as they were made before the platform checked them: the IT-admin track
        and a basic certificate valid when nominations closed (``nominate`` checks today's)."""
        held = set(
            Certificate.objects.filter(
                course=self.basic,
                person__in=people,
                issued_at__lte=event.nomination_closes,
                expires_at__gt=event.nomination_closes,
            ).values_list("person_id", flat=True)
        )
        created = []
        for person in people:
            if person.track != Person.Track.IT_ADMIN or person.pk not in held:
                continue
            nomination = Nomination.objects.create(
                event=event,
                person=person,
                nominated_by=self.pm,
                status=Nomination.Status.PENDING,
            )
            audit_record(
                actor=self.pm,
                action="nomination.created",
                obj=nomination,
                organisation_id=person.organisation_id,
                data={"event": event.pk, "person": person.pk, "status": "pending", "demo": True},
            )
            created.append(nomination)
        return created

    def decide(self, event, nominations, decision, reason=""):
        if nominations:
            services.nominations_decide(
                actor=self.pm,
                event=event,
                nominations=nominations,
                decision=decision,
                reason=reason,
            )

    # --- history --------------------------------------------------------------------------

    def mark(self, event: Event, keep_full=(), qr=False) -> None:
        """Each day's roster: mostly present, some late, a few partial days and absences."""
        days = list(event.days.all())
        seated = list(event.nominations.filter(status=Nomination.Status.APPROVED))
        trained = self.trainer and event.trainers.filter(pk=self.trainer.pk).exists()
        marker = self.trainer if trained else self.pm
        plan: dict[int, list[str]] = {}
        for nomination in seated:
            roll = self.rng.random()
            marks = ["late" if self.rng.random() < 0.1 else "present" for _ in days]
            if nomination.person_id not in keep_full:
                if roll < 0.02:
                    marks = ["absent"] * len(days)  # did not come
                elif roll < 0.06:
                    marks[self.rng.randrange(len(days))] = "absent"
                elif roll < 0.11:
                    marks[self.rng.randrange(len(days))] = "partial"
            plan[nomination.pk] = marks
        for i, day in enumerate(days):
            services.attendance_mark(
                actor=marker, day=day, marks={pk: marks[i] for pk, marks in plan.items()}
            )
            records = Attendance.objects.filter(day=day).select_related("nomination")
            for n, record in enumerate(records.order_by("pk")):
                if qr and record.status in ("present", "late"):
                    minutes = (
                        self.rng.randint(16, 50)
                        if record.status == "late"
                        else self.rng.randint(-20, 14)
                    )
                    Attendance.objects.filter(pk=record.pk).update(
                        method=Attendance.Method.QR,
                        recorded_by_id=record.nomination.person_id,
                        recorded_at=day.start_at() + timedelta(minutes=minutes),
                    )
                else:
                    Attendance.objects.filter(pk=record.pk).update(
                        recorded_at=day.start_at() + timedelta(minutes=30, seconds=20 * n)
                    )
            self.summary.marks += len(plan)

    def complete(self, event: Event, *, skip_feedback=(), comments=COMMENTS_EN) -> None:
        """Completion, certificates and feedback, dated to the event."""
        services.event_complete(actor=self.pm, event=event)
        last = event.days.order_by("-date").first().date
        done = _at(last, 17, 30)
        Event.objects.filter(pk=event.pk).update(completed_at=done)
        Nomination.objects.filter(event=event, status=Nomination.Status.COMPLETED).update(
            completed_at=done
        )
        enrolment_ids = list(
            Nomination.objects.filter(event=event, enrolment__isnull=False).values_list(
                "enrolment_id", flat=True
            )
        )
        Enrolment.objects.filter(pk__in=enrolment_ids, status=Enrolment.Status.COMPLETED).update(
            completed_at=done
        )
        certificates = Certificate.objects.filter(enrolment_id__in=enrolment_ids).select_related(
            "version"
        )
        for certificate in certificates:
            if certificate.issued_at > done + timedelta(days=1):  # issued by this load
                certificate.issued_at = done
                certificate.expires_at = done + timedelta(
                    days=round(30.44 * certificate.version.validity_months)
                )
                certificate.save(update_fields=["issued_at", "expires_at"])
                self.summary.certificates += 1
        for nomination in (
            event.nominations.filter(
                status__in=[Nomination.Status.COMPLETED, Nomination.Status.NOT_COMPLETED]
            )
            .exclude(person_id__in=skip_feedback)
            .select_related("person")
            .order_by("pk")
        ):
            answered = nomination.status == Nomination.Status.COMPLETED
            if self.rng.random() > (0.6 if answered else 0.25):
                continue
            came = nomination.attendance.exclude(status=Attendance.Status.ABSENT).exists()
            if not came or not services.can_give_feedback(nomination.person, nomination):
                continue
            urdu = nomination.person.preferred_language == "ur"
            pool = COMMENTS_UR if urdu and comments is COMMENTS_EN else comments
            ratings = {k: self.rng.choices((3, 4, 5), (1, 3, 3))[0] for k in Feedback.RATINGS}
            feedback = services.feedback_submit(
                actor=nomination.person,
                nomination=nomination,
                ratings=ratings,
                comment=self.rng.choice(pool) if self.rng.random() < 0.4 else "",
            )
            Feedback.objects.filter(pk=feedback.pk).update(
                submitted_at=done + timedelta(days=self.rng.randint(1, 6), hours=-6)
            )
            self.summary.feedback += 1

    def backdate(self, event: Event) -> None:
        """Nominations and decisions at the time they were made: nominated within the window,
        decided two days after it closed; a withdrawal (and the promotion from the waitlist it
        caused) four days later."""
        opens, closes = event.nomination_opens, event.nomination_closes
        span = (closes - opens).total_seconds()
        after = timezone.localtime(closes).date() + timedelta(days=1)
        decided = _at(_weekday_on_or_after(after), 11)
        withdrawn = _at(_weekday_on_or_after(decided.date() + timedelta(days=3)), 11)
        for nomination in event.nominations.order_by("pk"):
            created = opens + timedelta(seconds=self.rng.uniform(0.05, 0.9) * span)
            values = {"created_at": created}
            if nomination.decided_at:
                values["decided_at"] = decided
            if nomination.waitlisted_at:
                values["waitlisted_at"] = decided
                if nomination.status in Nomination.SEATED:  # promoted from the waitlist
                    values["decided_at"] = withdrawn + timedelta(minutes=1)
                elif nomination.status == Nomination.Status.REJECTED:  # still waiting: too late
                    eve = event.days.order_by("date").first().date - timedelta(days=1)
                    values["decided_at"] = _at(eve, 15)
            if nomination.withdrawn_at:
                values["withdrawn_at"] = withdrawn
            Nomination.objects.filter(pk=nomination.pk).update(**values)
        for nomination in event.nominations.filter(enrolment__isnull=False):
            Enrolment.objects.filter(
                pk=nomination.enrolment_id, enrolled_at__gt=nomination.decided_at
            ).update(enrolled_at=nomination.decided_at)

    def history(self) -> list[Person]:
        """Six past events; returns the IT administrators holding a valid basic certificate."""
        focal_ids = {p.pk for p in self.focals}

        # 1. November 2022: cyber hygiene for focal persons at NITB, two days in person.
        officers = self.pick(80, min_grade=16)
        chosen, per_ministry = list(self.focals), {}
        for p in self.focals:
            per_ministry[self._top(p)] = per_ministry.get(self._top(p), 0) + 1
        for p in officers:
            top = self._top(p)
            if len(chosen) >= 25:
                break
            if per_ministry.get(top, 0) < 2:
                per_ministry[top] = per_ministry.get(top, 0) + 1
                chosen.append(p)
        days = [date(2022, 11, 16), date(2022, 11, 17)]
        e1 = self.event(
            title="Cyber hygiene for focal persons — NITB, November 2022",
            course=self.basic,
            partner="nitb",
            mode=Event.Mode.IN_PERSON,
            venue="nitb",
            days=days,
            opens=_at(date(2022, 10, 17), 9),
            closes=_at(date(2022, 11, 4), 17),
            capacity=25,
            quotas={self.org_by_id[top]: n for top, n in per_ministry.items()},
            description=(
                "The programme's first round: the ministries' focal persons learn the basics "
                "they will carry back to their divisions. The final test was taken on paper in "
                "the hall."
            ),
            history=True,
        )
        self.decide(e1, self.nominate(e1, chosen), "approve")
        self.mark(e1, keep_full=focal_ids)
        self.backdate(e1)
        self.complete(e1, skip_feedback=focal_ids)

        # 2. January 2023: NTISB's one-day awareness session, open to every organisation.
        e2 = self.event(
            title="Cyber security awareness session — NTISB, January 2023",
            course=self.basic,
            partner="ntisb",
            mode=Event.Mode.IN_PERSON,
            venue="ntisb",
            days=[date(2023, 1, 17)],
            opens=_at(date(2022, 12, 19), 9),
            closes=_at(date(2023, 1, 10), 17),
            capacity=30,
            description="A one-day briefing on current threats to government offices.",
            history=True,
        )
        people = self.pick(16, it_admin=True) + self.pick(12, it_admin=False, min_grade=14)
        self.decide(e2, self.nominate(e2, people), "approve")
        self.mark(e2)
        self.backdate(e2)
        self.complete(e2)

        # 3. January 2024: the first advanced round, PSEB, three days blended.
        e3 = self.event(
            title="Securing Government Systems — round 1 (PSEB, January 2024)",
            course=self.advanced,
            partner="pseb",
            mode=Event.Mode.BLENDED,
            venue="pseb",
            link="pseb-advanced-2024",
            days=_weekdays(date(2024, 1, 9), 3),
            opens=_at(date(2023, 11, 20), 9),
            closes=_at(date(2023, 12, 15), 17),
            capacity=20,
            trainers=[self.trainer],
            description=(
                "Hands-on hardening for IT administrators: patching, Windows and Linux, "
                "firewalls, e-mail authentication, logging and incident response."
            ),
            history=True,
        )
        certified_it = list(
            Person.objects.filter(
                nominations__event=e2,
                nominations__status=Nomination.Status.COMPLETED,
                track=Person.Track.IT_ADMIN,
            ).order_by("employee_number")
        )
        self.decide(e3, self.nominate_then(e3, certified_it), "approve")
        self.mark(e3)
        self.backdate(e3)
        self.complete(e3, comments=COMMENTS_ADVANCED)

        # 4. February 2025: National CERT's session in Lahore; oversubscribed, one withdrawal.
        e4 = self.event(
            title="Cyber hygiene session — Lahore, February 2025",
            course=self.basic,
            partner="pkcert",
            mode=Event.Mode.IN_PERSON,
            venue="lahore",
            days=[date(2025, 2, 18)],
            opens=_at(date(2025, 1, 20), 9),
            closes=_at(date(2025, 2, 7), 17),
            capacity=30,
            description="Phishing, passwords, messaging and reporting, with live examples.",
            history=True,
        )
        people = self.pick(18, it_admin=True) + self.pick(14, it_admin=False, min_grade=14)
        nominations = self.nominate(e4, people)
        self.decide(e4, nominations, "approve")
        leaving = e4.nominations.filter(status=Nomination.Status.APPROVED).order_by("pk").first()
        if leaving and e4.nominations.filter(status=Nomination.Status.WAITLISTED).exists():
            services.nomination_withdraw(
                actor=self.pm,
                nomination=leaving,
                reason="Posted out of the division before the session.",
            )
        self.decide(
            e4,
            list(e4.nominations.filter(status=Nomination.Status.WAITLISTED)),
            "reject",
            reason="No seat became free before the session.",
        )
        self.mark(e4)
        self.backdate(e4)
        self.complete(e4)

        # 5. April 2025: the second advanced round, Ignite, three days online.
        e5 = self.event(
            title="Securing Government Systems — round 2 (Ignite, April 2025)",
            course=self.advanced,
            partner="ignite",
            mode=Event.Mode.ONLINE,
            link="ignite-advanced-2025",
            days=_weekdays(date(2025, 4, 15), 3),
            opens=_at(date(2025, 3, 10), 9),
            closes=_at(date(2025, 4, 4), 17),
            capacity=20,
            description="The advanced course online, with lab machines reached from the office.",
            history=True,
        )
        certified_it = list(
            Person.objects.filter(
                nominations__event=e4,
                nominations__status=Nomination.Status.COMPLETED,
                track=Person.Track.IT_ADMIN,
            ).order_by("employee_number")
        )
        self.decide(e5, self.nominate_then(e5, certified_it), "approve")
        self.mark(e5)
        self.backdate(e5)
        self.complete(e5, comments=COMMENTS_ADVANCED)

        # 6. About ten weeks ago: MoITT's session in Karachi, QR check-in; its IT
        # administrators hold valid basic certificates (and may go on to the advanced course).
        day = _weekday_on_or_after(self.today - timedelta(days=70))
        e6 = self.event(
            title=f"Cyber hygiene session — Karachi, {day:%B %Y}",
            course=self.basic,
            partner="moitt",
            mode=Event.Mode.IN_PERSON,
            venue="karachi",
            days=[day],
            opens=_at(day - timedelta(days=35), 9),
            closes=_at(day - timedelta(days=10), 17),
            capacity=30,
            description="The basic course in one day for federal offices in Karachi.",
            history=True,
        )
        keep = [self.itadmin] if self.itadmin else []
        people = keep + self.pick(15, it_admin=True) + self.pick(12, it_admin=False, min_grade=14)
        self.decide(e6, self.nominate(e6, people), "approve")
        full = {p.pk for p in keep}
        self.mark(e6, keep_full=full, qr=True)
        self.backdate(e6)
        self.complete(e6, skip_feedback=full)
        valid = self._valid_basic()
        return list(
            Person.objects.filter(
                pk__in=valid, track=Person.Track.IT_ADMIN, is_active=True
            ).order_by("employee_number")
        )

    # --- now ------------------------------------------------------------------------------

    def head_approval(self) -> Organisation | None:
        """The demo head's organisation asks for the head's approval of every nomination."""
        org = self._scope(self.head, Role.HEAD) if self.head else None
        if org is None:
            org = self.orgs.get("ITTD")
        if org is not None and not org.requires_head_approval:
            Organisation.objects.filter(pk=org.pk).update(requires_head_approval=True)
            org.requires_head_approval = True
            audit_record(
                actor=None,
                action="demo.head_approval_required",
                obj=org,
                organisation_id=org.pk,
                data={"requires_head_approval": True},
            )
        return org

    def upcoming(self, it_certified: list[Person]) -> None:
        today = self.today
        certified = self._valid_basic()
        focal = self.focals[0] if self.focals else None
        other_focals = self.focals[1:]
        focal_org = self._scope(focal, Role.FOCAL_PERSON) if focal else None
        head_org = self.head_approval()
        nominated: set[int] = set()

        def fresh(n, *, within=None, it_admin=None):
            people = self.pick(
                n, within=within, it_admin=it_admin, min_grade=9, exclude=certified | nominated
            )
            nominated.update(p.pk for p in people)
            return people

        # U1: in person at NITB with quotas for several ministries (the demo focal persons').
        first = _weekday_on_or_after(today + timedelta(days=16))
        quotas = {}
        if focal_org:
            quotas[focal_org] = 5
        for f in other_focals:
            scope = self._scope(f, Role.FOCAL_PERSON)
            if scope:
                quotas[scope] = 4
        for code in QUOTA_MINISTRIES:
            if code in self.orgs:
                quotas.setdefault(self.orgs[code], 3)
        u1 = self.event(
            title=f"Cyber hygiene for government employees — Islamabad, {first:%B %Y}",
            course=self.basic,
            partner="nitb",
            mode=Event.Mode.IN_PERSON,
            venue="nitb",
            days=_weekdays(first, 2),
            opens=_at(today - timedelta(days=14), 9),
            closes=_at(first - timedelta(days=8), 17),
            capacity=30,
            quotas=quotas,
            description=(
                "Two days on the basic course in the NITB hall. Seats are reserved per ministry: "
                "focal persons nominate within their quota."
            ),
        )
        if focal and focal_org:
            mine = self.nominate(u1, fresh(2, within=[focal_org]), actor=focal)
            waiting = [n for n in mine if n.status == Nomination.Status.PENDING_HEAD]
            if waiting and self.head:
                services.nominations_head_approve(actor=self.head, nominations=waiting[:1])
                self.decide(u1, waiting[:1], "approve")
        for f in other_focals:
            scope = self._scope(f, Role.FOCAL_PERSON)
            if scope:
                theirs = self.nominate(u1, fresh(3, within=[scope]), actor=f)
                self.decide(u1, theirs[:1], "approve")
                self.decide(u1, theirs[1:2], "waitlist")
        for code in QUOTA_MINISTRIES[:3]:
            if code in self.orgs:
                made = self.nominate(u1, fresh(2, within=[self.orgs[code]]))
                self.decide(u1, made[:1], "approve")
        others = [
            n
            for n in u1.nominations.filter(status=Nomination.Status.PENDING).order_by("pk")
            if n.quota_organisation_id
            in {self.orgs[c].pk for c in QUOTA_MINISTRIES[:3] if c in self.orgs}
        ]
        self.decide(
            u1,
            others[:1],
            "reject",
            reason="The ministry asked to send an officer who handles official e-mail instead.",
        )

        # U2: online, National CERT, open to every organisation.
        first = _weekday_on_or_after(today + timedelta(days=44))
        u2 = self.event(
            title=f"Cyber hygiene online session — {first:%B %Y}",
            course=self.basic,
            partner="pkcert",
            mode=Event.Mode.ONLINE,
            link=f"pkcert-basic-{first:%Y-%m}",
            days=[first],
            opens=_at(today - timedelta(days=7), 9),
            closes=_at(first - timedelta(days=7), 17),
            capacity=100,
            description="The basic course in one online day, open to every organisation.",
        )
        made = self.nominate(u2, fresh(8, it_admin=False))
        self.decide(u2, made[:4], "approve")
        if focal and focal_org:
            self.nominate(u2, fresh(1, within=[focal_org]), actor=focal)
        for f in other_focals:
            scope = self._scope(f, Role.FOCAL_PERSON)
            if scope:
                self.nominate(u2, fresh(2, within=[scope]), actor=f)

        # U3: the third advanced round for IT administrators, PSEB, blended; the demo trainer.
        first = _weekday_on_or_after(today + timedelta(days=51))
        u3 = self.event(
            title=f"Securing Government Systems — round 3 (PSEB, {first:%B %Y})",
            course=self.advanced,
            partner="pseb",
            mode=Event.Mode.BLENDED,
            venue="pseb",
            link=f"pseb-advanced-{first:%Y-%m}",
            days=_weekdays(first, 3),
            opens=_at(today - timedelta(days=10), 9),
            closes=_at(first - timedelta(days=19), 17),
            capacity=16,
            trainers=[self.trainer],
            description=(
                "Three days of hands-on hardening for IT administrators who hold the basic "
                "certificate. Bring an office laptop; lab machines are provided."
            ),
        )
        if self.itadmin and focal and self.itadmin.pk in {p.pk for p in it_certified}:
            self.nominate(u3, [self.itadmin], actor=focal)  # awaits the head
        pool = [
            p
            for p in it_certified
            if p.pk != getattr(self.itadmin, "pk", None)
            and not (head_org and p.org_path.startswith(head_org.path))
        ]
        made = self.nominate(u3, self.rng.sample(pool, min(8, len(pool))))
        self.decide(u3, made[:5], "approve")
        self.decide(u3, made[5:6], "waitlist")
        self.summary.open = 3

        # A draft for the spring, not yet published.
        first = _weekday_on_or_after(today + timedelta(days=80))
        self.event(
            title=f"Cyber hygiene for focal persons — Lahore, {first:%B %Y}",
            course=self.basic,
            partner="ignite",
            mode=Event.Mode.IN_PERSON,
            venue="lahore",
            days=_weekdays(first, 2),
            opens=_at(today + timedelta(days=30), 9),
            closes=_at(first - timedelta(days=14), 17),
            capacity=30,
            description="Draft: dates to be confirmed with Ignite.",
            publish=False,
        )
        self.summary.drafts = 1

    def build(self) -> Summary:
        self.partners = {
            code: services.register_save(
                actor=self.pm,
                obj=Partner(code=code, name=name, name_ur=name_ur),
                action="partner.created",
            )
            for code, name, name_ur in PARTNERS
        }
        self.venues = {
            key: services.register_save(
                actor=self.pm,
                obj=Venue(name=name, city=city, capacity=seats, partner=self.partners[partner]),
                action="venue.created",
            )
            for key, name, city, seats, partner in VENUES
        }
        it_certified = self.history()
        self.upcoming(it_certified)
        self.summary.nominations = Nomination.objects.count()
        return self.summary


def load_events(stdout=None) -> int:
    """Create the demo's partners, venues and events; returns how many events were made."""

    def say(line: str) -> None:
        if stdout is not None:
            stdout.write(line)

    if Partner.objects.filter(code__in=[code for code, _n, _u in PARTNERS]).exists():
        say("Training events: already loaded")
        return 0
    courses = {
        c.slug: c
        for c in Course.objects.filter(
            slug__in=["basic", "advanced"], current_version__isnull=False
        )
    }
    if len(courses) < 2 or _account(Role.PROGRAMME_MANAGER) is None:
        say("Training events: skipped (needs the curriculum and the demo accounts)")
        return 0
    # Services queue e-mail after each commit: send it nowhere.
    quiet = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    with (
        override_settings(
            TASKS=quiet, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ),
        transaction.atomic(),
    ):
        summary = _Builder(courses).build()
    say(
        f"Training events: {summary.events} ({summary.past} past, {summary.open} open for "
        f"nomination, {summary.drafts} draft), {summary.nominations} nominations, "
        f"{summary.marks} attendance marks, {summary.certificates} certificates, "
        f"{summary.feedback} feedback"
    )
    return summary.events
