"""The quiz engine: draw, autosave with a sequence number, server-side deadline, idempotent submit.

* A draw takes the same number of questions from each module, preferring questions the
  learner has not seen in this course, and shuffles each question's options per attempt.
* Autosave carries a sequence number: a higher number replaces the answers, the same number
  again is harmless, a lower one comes from a stale tab and is refused.
* The deadline is the server's: answers saved after it are refused; submitting late grades
  what was saved in time.
* Submitting twice gives one result: the attempt row is locked, and a submitted attempt is
  returned as it is.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.assessments.models import Answer, Attempt, Question
from hifazat.audit.services import audit_record
from hifazat.learning.models import Enrolment

GRACE = timedelta(seconds=30)  # network latency allowance for the last autosave


class StaleSave(ValidationError):
    """An autosave from an older tab or an earlier moment (lower sequence number)."""


def _draw(enrolment: Enrolment) -> list[str]:
    version = enrolment.version
    seen = set()
    for qids in Attempt.objects.filter(
        enrolment__person=enrolment.person, enrolment__course=enrolment.course
    ).values_list("qids", flat=True):
        seen.update(qids)
    rng = random.SystemRandom()
    drawn = []
    by_module: dict[int, list[str]] = {}
    for module_id, qid in Question.objects.filter(version=version, language="en").values_list(
        "module_id", "qid"
    ):
        by_module.setdefault(module_id, []).append(qid)
    for module in version.modules.order_by("order"):
        bank = by_module.get(module.pk, [])
        fresh = [q for q in bank if q not in seen]
        rng.shuffle(fresh)
        rest = [q for q in bank if q in seen]
        rng.shuffle(rest)
        drawn += (fresh + rest)[: version.questions_per_module]
    return drawn


@transaction.atomic
def attempt_start(*, actor, enrolment: Enrolment, kind: str) -> Attempt:
    """Start (or resume) a test. The enrolment row is locked so parallel starts cannot
    exceed the attempt limit."""
    if enrolment.person_id != actor.pk:
        raise PermissionDenied
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("version", "course", "person")
        .get(pk=enrolment.pk)
    )
    if kind not in Attempt.Kind.values:
        raise ValidationError(_("Unknown test."))
    attempts = list(Attempt.objects.filter(enrolment=enrolment, kind=kind).order_by("number"))
    open_attempt = next(
        (a for a in attempts if a.submitted_at is None and a.deadline + GRACE > timezone.now()),
        None,
    )
    if open_attempt:
        return open_attempt
    for stale in (a for a in attempts if a.submitted_at is None):
        _grade(stale)  # time ran out: grade what was saved in time
    if kind == Attempt.Kind.PRE:
        if attempts:
            raise ValidationError(_("The pre-test is taken once, before the lessons."))
    else:
        if enrolment.status == Enrolment.Status.COMPLETED:
            raise ValidationError(_("You have already passed this course."))
        if len(attempts) >= enrolment.version.max_attempts:
            raise ValidationError(
                _("You have used all %(n)d attempts at the final test.")
                % {"n": enrolment.version.max_attempts}
            )
    qids = _draw(enrolment)
    rng = random.SystemRandom()
    orders = {}
    for q in Question.objects.filter(version=enrolment.version, language="en", qid__in=qids):
        keys = [o["key"] for o in q.options]
        rng.shuffle(keys)
        orders[q.qid] = keys
    now = timezone.now()
    attempt = Attempt.objects.create(
        enrolment=enrolment,
        kind=kind,
        number=len(attempts) + 1,
        qids=qids,
        option_orders=orders,
        started_at=now,
        deadline=now + timedelta(minutes=enrolment.version.time_limit_minutes),
    )
    audit_record(
        actor=actor,
        action="attempt.started",
        obj=attempt,
        organisation_id=actor.organisation_id,
        data={"kind": kind, "number": attempt.number},
    )
    return attempt


def _clean_answers(attempt: Attempt, answers: dict) -> dict[str, list[str]]:
    allowed = attempt.option_orders
    cleaned = {}
    for qid, value in (answers or {}).items():
        if qid not in allowed:
            continue  # not a question of this attempt: ignored
        values = value if isinstance(value, list) else [value]
        values = [str(v) for v in values if str(v) in allowed[qid]]
        cleaned[qid] = values
    return cleaned


@transaction.atomic
def attempt_save(*, actor, attempt: Attempt, seq: int, answers: dict) -> Attempt:
    attempt = Attempt.objects.select_for_update().select_related("enrolment").get(pk=attempt.pk)
    if attempt.enrolment.person_id != actor.pk:
        raise PermissionDenied
    if attempt.submitted_at is not None:
        raise ValidationError(_("This test has been submitted."))
    if timezone.now() > attempt.deadline + GRACE:
        raise ValidationError(_("Time is up: answers can no longer be changed."))
    if seq < attempt.seq:
        raise StaleSave(
            _("These answers are older than ones already saved (another tab?). Reload the page.")
        )
    if seq == attempt.seq:
        return attempt  # the same save again: harmless
    now = timezone.now()
    for qid, value in _clean_answers(attempt, answers).items():
        Answer.objects.update_or_create(
            attempt=attempt, qid=qid, defaults={"value": value, "saved_at": now}
        )
    attempt.seq = seq
    attempt.save(update_fields=["seq"])
    return attempt


def _grade(attempt: Attempt) -> Attempt:
    answers = dict(attempt.answers.values_list("qid", "value"))
    questions = {
        q.qid: q
        for q in Question.objects.filter(
            version=attempt.enrolment.version, language="en", qid__in=attempt.qids
        )
    }
    correct = sum(
        1
        for qid in attempt.qids
        if qid in questions and questions[qid].is_correct(answers.get(qid))
    )
    total = len(attempt.qids)
    attempt.correct, attempt.total = correct, total
    attempt.score = (
        (Decimal(correct * 100) / total).quantize(Decimal("0.01")) if total else Decimal(0)
    )
    attempt.passed = (
        attempt.kind == Attempt.Kind.FINAL and attempt.score >= attempt.enrolment.version.pass_mark
    )
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["correct", "total", "score", "passed", "submitted_at"])
    return attempt


@transaction.atomic
def attempt_submit(
    *, actor, attempt: Attempt, seq: int | None = None, answers: dict | None = None
) -> Attempt:
    """Grade the attempt once; submitting again returns the same result."""
    attempt = (
        Attempt.objects.select_for_update()
        .select_related("enrolment__version", "enrolment__person", "enrolment__course")
        .get(pk=attempt.pk)
    )
    if attempt.enrolment.person_id != actor.pk:
        raise PermissionDenied
    if attempt.submitted_at is not None:
        return attempt
    if (
        answers is not None
        and seq is not None
        and seq > attempt.seq
        and timezone.now() <= attempt.deadline + GRACE
    ):
        now = timezone.now()
        for qid, value in _clean_answers(attempt, answers).items():
            Answer.objects.update_or_create(
                attempt=attempt, qid=qid, defaults={"value": value, "saved_at": now}
            )
        attempt.seq = seq
    _grade(attempt)
    audit_record(
        actor=actor,
        action="attempt.submitted",
        obj=attempt,
        organisation_id=actor.organisation_id,
        data={"kind": attempt.kind, "score": str(attempt.score), "passed": attempt.passed},
    )
    if attempt.passed:
        from hifazat.learning.services import certificate_issue

        certificate_issue(attempt.enrolment)
    return attempt
