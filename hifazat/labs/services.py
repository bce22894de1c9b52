"""Everything a learner does in a lab, and the rules that hold while they do it.

* A case is opened once per person and lab; its seed comes from the server's secret and the
  person, so the same learner always gets the same evidence and nobody can compute another's.
* A submission locks its question's state row: the attempt limit holds under concurrent
  requests on any number of workers, and so does the wrong-answer rate limit (counted from the
  submissions of the last minute, inside the same lock). A solved question takes no more
  answers; an answer never changes points already earned downwards.
* A hint is taken once, in order, always logged, and its cost comes off the lab's score.
* Every solve or hint bumps the scoreboard version, so cached boards are rebuilt at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext as _

from hifazat.events.models import Event, Nomination
from hifazat.labs import checkers, registry, selectors
from hifazat.labs.case import Case
from hifazat.labs.models import (
    SUBMISSION_KEEP,
    WRONG_PER_MINUTE,
    HintUse,
    Lab,
    LabAttempt,
    QuestionState,
    Standing,
    Submission,
    localised,
)
from hifazat.orgs.models import Person

BOARD_VERSION = "labs:board-version"


def can_do_labs(person) -> bool:
    """IT administrators, and anyone seated in a training event."""
    if not person.is_authenticated:
        return False
    if person.track == Person.Track.IT_ADMIN:
        return True
    return Nomination.objects.filter(person=person, status__in=Nomination.SEATED).exists()


def labs_for(person) -> list[Lab]:
    return selectors.active_labs() if can_do_labs(person) else []


@lru_cache(maxsize=64)
def _case(slug: str, digest: str, seed: int) -> Case:
    return registry.package(slug).generate(seed)


def case_of(attempt: LabAttempt) -> Case:
    return _case(attempt.lab.slug, attempt.lab.digest, attempt.seed)


def open_case(*, actor: Person, lab: Lab, event: Event | None = None) -> LabAttempt:
    """The learner's case of this lab, created on first opening (with a state row per
    question, which submissions lock)."""
    if not can_do_labs(actor):
        raise PermissionDenied
    attempt = LabAttempt.objects.filter(lab=lab, person=actor).defer("answers").first()
    if attempt is not None:
        attempt.lab = lab  # keeps the definition the caller already has
        if attempt.digest != lab.digest:  # the lab changed: regenerate the same seed's answers
            attempt.answers, attempt.digest = case_of(attempt).answers, lab.digest
            attempt.save(update_fields=["answers", "digest"])
        return attempt
    seed = registry.seed_for(lab.slug, actor.pk)
    case = _case(lab.slug, lab.digest, seed)
    try:
        with transaction.atomic():
            attempt = LabAttempt.objects.create(
                lab=lab,
                person=actor,
                event=event,
                seed=seed,
                answers=case.answers,
                digest=lab.digest,
            )
            QuestionState.objects.bulk_create(
                QuestionState(attempt=attempt, question=q["id"]) for q in lab.questions
            )
    except IntegrityError:  # opened twice at once: the other request's case
        attempt = LabAttempt.objects.get(lab=lab, person=actor)
    return attempt


def expected(attempt: LabAttempt, question: str):
    """The expected answer to one question; when the attempt was loaded without its answers
    (they can be large), only that one is fetched."""
    if "answers" not in attempt.get_deferred_fields():
        return attempt.answers[question]
    return (
        LabAttempt.objects.filter(pk=attempt.pk)
        .values_list(KeyTransform(question, "answers"), flat=True)
        .get()
    )


@dataclass
class Outcome:
    verdict: checkers.Verdict | None
    state: QuestionState
    refused: str = ""  # why the answer was not checked (solved, no attempts left, too fast)


def _totals(attempt: LabAttempt, now, solved_now: bool, person: Person) -> None:
    """The attempt's score and progress from its question states (at most twelve rows)."""
    limits = {q["id"]: q["max_attempts"] for q in attempt.lab.questions}
    states = list(attempt.states.all())
    attempt.points = sum(s.points for s in states) - sum(s.hint_cost for s in states)
    attempt.solved = sum(1 for s in states if s.solved_at)
    if solved_now:
        attempt.last_solved_at = now
    if all(s.solved_at or s.tries >= limits.get(s.question, 0) for s in states):
        attempt.finished_at = attempt.finished_at or now
    attempt.save(update_fields=["points", "solved", "last_solved_at", "finished_at"])
    _standing(person, 0)
    if attempt.event_id:
        _standing(person, attempt.event_id)


def _standing(person: Person, scope: int) -> None:
    """Recompute one person's standing (over all labs, or one event's) from their attempts;
    their ministry is taken afresh too (people move)."""
    attempts = LabAttempt.objects.filter(person_id=person.pk)
    if scope:
        attempts = attempts.filter(event_id=scope)
    sums = attempts.aggregate(
        points=Sum("points"), solved=Sum("solved"), last=Max("last_solved_at")
    )
    values = {
        "ministry_id": _ministry(person.org_path),
        "points": sums["points"] or 0,
        "solved": sums["solved"] or 0,
        "last_solved_at": sums["last"],
    }
    if not Standing.objects.filter(person_id=person.pk, scope=scope).update(**values):
        Standing.objects.create(person_id=person.pk, scope=scope, **values)


def _ministry(path: str) -> int | None:
    top = (path or "").strip("/").split("/")[0]
    return int(top) if top else None


def rebuild_standings() -> int:
    """Every standing again from the attempts, set-wise (after a bulk load, or to repair)."""
    totals = {"points": Sum("points"), "solved": Sum("solved"), "last": Max("last_solved_at")}
    overall = LabAttempt.objects.values("person_id").annotate(**totals).order_by()
    per_event = (
        LabAttempt.objects.filter(event__isnull=False)
        .values("person_id", "event_id")
        .annotate(**totals)
        .order_by()
    )
    rows = [(r, 0) for r in overall] + [(r, r["event_id"]) for r in per_event]
    paths = dict(
        Person.objects.filter(pk__in={r["person_id"] for r, _s in rows}).values_list(
            "pk", "org_path"
        )
    )
    with transaction.atomic():
        Standing.objects.all().delete()
        Standing.objects.bulk_create(
            (
                Standing(
                    person_id=r["person_id"],
                    scope=scope,
                    ministry_id=_ministry(paths.get(r["person_id"], "")),
                    points=r["points"] or 0,
                    solved=r["solved"] or 0,
                    last_solved_at=r["last"],
                )
                for r, scope in rows
            ),
            batch_size=5000,
        )
    return len(rows)


def bump_board() -> None:
    try:
        cache.incr(BOARD_VERSION)
    except ValueError:
        cache.set(BOARD_VERSION, 1, None)


@transaction.atomic
def submit(*, actor: Person, attempt: LabAttempt, question: str, answer: str) -> Outcome:
    if attempt.person_id != actor.pk:
        raise PermissionDenied
    lab = attempt.lab
    q = lab.question(question)
    if q is None:
        raise ValidationError(_("No such question."))
    state = QuestionState.objects.select_for_update().get(attempt=attempt, question=question)
    now = timezone.now()
    if state.solved_at:
        return Outcome(None, state, _("You have already solved this question."))
    if state.tries >= q["max_attempts"]:
        return Outcome(None, state, _("No attempts left for this question."))
    recent = Submission.objects.filter(
        attempt=attempt, question=question, correct=False, at__gte=now - timedelta(minutes=1)
    ).count()
    if recent >= WRONG_PER_MINUTE:
        return Outcome(
            None, state, _("Too many wrong answers in a minute: wait a little and look again.")
        )
    verdict = checkers.check(q["checker"], expected(attempt, question), answer, q["options"])
    Submission.objects.create(
        attempt=attempt,
        question=question,
        answer=answer[:SUBMISSION_KEEP],
        correct=verdict.correct,
        score=verdict.score,
        at=now,
    )
    state.tries += 1
    improved = verdict.score > state.best_score
    if improved:
        state.best_score = verdict.score
        state.points = round(q["points"] * verdict.score)
    if verdict.correct:
        state.solved_at = now
    state.save(update_fields=["tries", "best_score", "points", "solved_at"])
    # Most answers are wrong and change no score: then only a question running out of
    # attempts can change the attempt (its finish), and the standings stay as they are.
    if improved or state.tries >= q["max_attempts"]:
        _totals(attempt, now, verdict.correct, actor)
    if verdict.score > 0:
        transaction.on_commit(bump_board)
    return Outcome(verdict, state)


@transaction.atomic
def take_hint(*, actor: Person, attempt: LabAttempt, question: str, index: int) -> str:
    """The hint's text. Hints are taken in order; each is charged once."""
    if attempt.person_id != actor.pk:
        raise PermissionDenied
    q = attempt.lab.question(question)
    if q is None or not 0 <= index < len(q["hints"]):
        raise ValidationError(_("No such hint."))
    state = QuestionState.objects.select_for_update().get(attempt=attempt, question=question)
    taken = set(
        HintUse.objects.filter(attempt=attempt, question=question).values_list("hint", flat=True)
    )
    if index > 0 and index - 1 not in taken:
        raise ValidationError(_("Take the earlier hint first."))
    hint = q["hints"][index]
    if index not in taken:
        HintUse.objects.create(
            attempt=attempt, question=question, hint=index, cost=hint["cost"], at=timezone.now()
        )
        state.hint_cost += hint["cost"]
        state.save(update_fields=["hint_cost"])
        _totals(attempt, timezone.now(), False, actor)
        transaction.on_commit(bump_board)
    return localised(hint["text"])


def hints_taken(attempt: LabAttempt) -> dict[str, list[int]]:
    taken: dict[str, list[int]] = {}
    for question, hint in (
        HintUse.objects.filter(attempt=attempt).order_by("hint").values_list("question", "hint")
    ):
        taken.setdefault(question, []).append(hint)
    return taken


# --- scoreboards -----------------------------------------------------------------------------

BOARD_SIZE = 50
BOARD_SECONDS = 60


def standings(kind: str, key: int, limit: int = BOARD_SIZE) -> list[dict]:
    """The top of a board — ``kind`` "org" (a ministry's id) or "event" (an event's id) — best
    first, ties to whoever got there first: one indexed range scan of ``Standing``."""
    rows = (
        Standing.objects.filter(scope=key)
        if kind == "event"
        else Standing.objects.filter(scope=0, ministry_id=key)
    )
    rows = rows.order_by("-points", "last_solved_at", "person_id").values(
        "person_id", "person__full_name", "person__organisation__name", "points", "solved",
        "last_solved_at",
    )[:limit]  # fmt: skip
    return [
        {
            "rank": i + 1,
            "person_id": r["person_id"],
            "name": r["person__full_name"],
            "organisation": r["person__organisation__name"],
            "points": r["points"],
            "solved": r["solved"],
            "last": r["last_solved_at"],
        }
        for i, r in enumerate(rows)
    ]


def board(kind: str, key: int) -> list[dict]:
    """Cached standings; any solve or hint anywhere makes every cached board stale."""
    version = cache.get(BOARD_VERSION) or 0
    cache_key = f"labs:board:{kind}:{key}:{version}"
    rows = cache.get(cache_key)
    if rows is None:
        rows = standings(kind, key)
        cache.set(cache_key, rows, BOARD_SECONDS)
    return rows
