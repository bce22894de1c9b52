"""Demo data for learning: a programme under way for the whole demo population, so that the
readiness dashboards have something true to show.

Over the last fourteen months about two thirds of the staff enrolled in the basic course; most
of those took the pre-test, read the course, passed the final test and hold a certificate
(valid twelve months, so the earliest have lapsed and some expire within sixty days). Some
people were assigned the course by their focal person with a due date that has passed. IT
administrators with a basic certificate took the advanced course. Every record is written as
the learning engine writes it (enrolment, attempts with their scores, certificate), in bulk."""

from __future__ import annotations

import functools
import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hifazat.assessments.models import Attempt
from hifazat.learning.models import Certificate, Course, Enrolment
from hifazat.orgs.models import Person

SEED = 20261201
HISTORY_DAYS = 425  # about fourteen months


def _score(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2)))


@functools.cache
def _qids(version, n: int = 20) -> list[str]:
    """The questions a demo attempt drew (the version's own, in bank order)."""
    return list(version.questions.filter(language="en").values_list("qid", flat=True)[:n])


def load_learning(stdout=None) -> int:
    courses = {c.slug: c for c in Course.objects.select_related("current_version")}
    basic, advanced = courses.get("basic"), courses.get("advanced")
    if basic is None or advanced is None or basic.current_version is None:
        return 0
    people = list(
        Person.objects.filter(employee_number__startswith="FG-", is_active=True)
        .exclude(enrolments__course=basic)
        .order_by("pk")
    )
    if len(people) < 100:  # already loaded (or no demo population)
        return 0
    rng = random.Random(SEED)
    now = timezone.now()
    enrolments, plans = [], []
    for person in people:
        roll = rng.random()
        if roll < 0.52:
            plans.append((person, basic, "completed"))
        elif roll < 0.62:
            plans.append((person, basic, "in_progress"))
        elif roll < 0.70:
            plans.append((person, basic, "overdue"))
    certified_admins = [
        p for p, c, outcome in plans if outcome == "completed" and p.track == Person.Track.IT_ADMIN
    ]
    for person in certified_admins:
        if rng.random() < 0.6:
            plans.append((person, advanced, "completed" if rng.random() < 0.65 else "in_progress"))
    records = []
    for person, course, outcome in plans:
        version = course.current_version
        finished = now - timedelta(days=rng.uniform(3, HISTORY_DAYS), minutes=rng.randint(0, 600))
        if course is advanced:  # after the basic course
            finished = now - timedelta(days=rng.uniform(2, 200))
        started = finished - timedelta(days=rng.uniform(2, 40))
        enrolment = Enrolment(
            person=person,
            course=course,
            version=version,
            source=Enrolment.Source.ASSIGNED if outcome == "overdue" else Enrolment.Source.SELF,
            status=Enrolment.Status.COMPLETED
            if outcome == "completed"
            else Enrolment.Status.ACTIVE,
            enrolled_at=started,
            completed_at=finished if outcome == "completed" else None,
            due_date=(now - timedelta(days=rng.randint(1, 75))).date()
            if outcome == "overdue"
            else None,
        )
        enrolments.append(enrolment)
        records.append((enrolment, outcome, started, finished))
    with transaction.atomic():
        Enrolment.objects.bulk_create(enrolments, batch_size=1000)
        attempts, certificates = [], []
        for enrolment, outcome, started, finished in records:
            version = enrolment.version
            took_pre = outcome == "completed" or rng.random() < 0.6
            pre = _score(rng, 25, 85)
            if took_pre:
                at = started + timedelta(minutes=rng.randint(5, 120))
                attempts.append(
                    Attempt(
                        enrolment=enrolment,
                        kind=Attempt.Kind.PRE,
                        number=1,
                        qids=_qids(version),
                        started_at=at,
                        deadline=at + timedelta(minutes=version.time_limit_minutes),
                        submitted_at=at + timedelta(minutes=rng.randint(6, 25)),
                        correct=round(float(pre) / 5),
                        total=20,
                        score=pre,
                        passed=pre >= version.pass_mark,
                    )
                )
            if outcome != "completed":
                continue
            tries = 1 if rng.random() < 0.8 else 2
            for number in range(1, tries + 1):
                last = number == tries
                score = (
                    _score(rng, max(float(pre), version.pass_mark), 100)
                    if last
                    else _score(rng, 40, version.pass_mark - 1)
                )
                at = finished - timedelta(minutes=30 * (tries - number + 1))
                attempts.append(
                    Attempt(
                        enrolment=enrolment,
                        kind=Attempt.Kind.FINAL,
                        number=number,
                        qids=_qids(version),
                        started_at=at,
                        deadline=at + timedelta(minutes=version.time_limit_minutes),
                        submitted_at=at + timedelta(minutes=rng.randint(8, 28)),
                        correct=round(float(score) / 5),
                        total=20,
                        score=score,
                        passed=score >= version.pass_mark,
                    )
                )
            certificates.append(
                Certificate(
                    person=enrolment.person,
                    enrolment=enrolment,
                    course=enrolment.course,
                    version=version,
                    full_name=enrolment.person.full_name,
                    issued_at=finished,
                    expires_at=finished + timedelta(days=round(30.44 * version.validity_months)),
                )
            )
        Attempt.objects.bulk_create(attempts, batch_size=2000)
        Certificate.objects.bulk_create(certificates, batch_size=1000)
    if stdout:
        stdout.write(
            f"Learning: {len(enrolments)} enrolments, {len(attempts)} test attempts, "
            f"{len(certificates)} certificates"
        )
    return len(enrolments)
