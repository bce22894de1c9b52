"""API for hands-on labs: the labs open to the token's person with their progress, a lab's
questions (never the answers), answering a question, and scoreboards. Evidence is downloaded
from the lab page (``/labs/<slug>/evidence.zip``) with a signed-in session."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status

from hifazat.api.auth import require_write
from hifazat.api.schemas import ErrorOut
from hifazat.labs import selectors, services
from hifazat.labs.models import LabAttempt, localised

router = Router(tags=["labs"])
COMMON = {400: dict, 401: ErrorOut, 422: dict}


class LabOut(Schema):
    slug: str
    title: str
    summary: str
    minutes: int
    questions: int
    max_points: int
    points: int | None
    solved: int | None


class QuestionOut(Schema):
    id: str
    number: int
    prompt: str
    checker: str
    input: str
    points: int
    max_attempts: int
    tries: int
    solved: bool
    earned: int
    hint_costs: list[int]


class LabDetailOut(LabOut):
    evidence: list[str]
    evidence_zip: str
    question_list: list[QuestionOut]


class AnswerIn(Schema):
    """Only ``answer`` is read; anything else sent (points, solved …) is ignored."""

    answer: str = Field(..., max_length=20000)


class VerdictOut(Schema):
    question: str
    checked: bool
    correct: bool
    score: float
    message: str
    tries_left: int
    earned: int
    lab_points: int


class StandingOut(Schema):
    rank: int
    name: str
    organisation: str | None
    points: int
    solved: int
    last: datetime | None


def _lab(request, slug):
    if not services.can_do_labs(request.user):
        raise Http404
    return selectors.get_lab(slug)


def _lab_out(lab, attempt) -> dict:
    return {
        "slug": lab.slug,
        "title": lab.local_title,
        "summary": lab.local_summary,
        "minutes": lab.definition.get("minutes", 45),
        "questions": len(lab.questions),
        "max_points": lab.max_points,
        "points": attempt.points if attempt else None,
        "solved": attempt.solved if attempt else None,
    }


@router.get("", response={200: list[LabOut], **COMMON})
def list_labs(request):
    """Labs open to the token's person (IT administrators and training-event participants)."""
    labs = list(services.labs_for(request.user))
    mine = {a.lab_id: a for a in LabAttempt.objects.filter(person=request.user, lab__in=labs)}
    return [_lab_out(lab, mine.get(lab.pk)) for lab in labs]


@router.get("/{slug}", response={200: LabDetailOut, 404: ErrorOut, **COMMON})
def get_lab(request, slug: str):
    """A lab and the person's own case of it (opened on first call). No answers."""
    try:
        lab = _lab(request, slug)
        attempt = services.open_case(actor=request.user, lab=lab)
    except (Http404, PermissionDenied):
        return Status(404, {"detail": "Not found."})
    states = {s.question: s for s in attempt.states.all()}
    return {
        **_lab_out(lab, attempt),
        "evidence": [e["name"] for e in lab.definition["evidence"]],
        "evidence_zip": f"/labs/{lab.slug}/evidence.zip",
        "question_list": [
            {
                "id": q["id"],
                "number": i,
                "prompt": localised(q["prompt"]),
                "checker": q["checker"],
                "input": q["input"],
                "points": q["points"],
                "max_attempts": q["max_attempts"],
                "tries": states[q["id"]].tries,
                "solved": bool(states[q["id"]].solved_at),
                "earned": states[q["id"]].points,
                "hint_costs": [h["cost"] for h in q["hints"]],
            }
            for i, q in enumerate(lab.questions, start=1)
        ],
    }


@router.post(
    "/{slug}/questions/{question}/submissions",
    response={200: VerdictOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut, **COMMON},
)
def answer(request, slug: str, question: str, payload: AnswerIn):
    """Answer one question of the person's own case. Refused answers (already solved, no
    attempts left) come back with ``checked: false``; too many wrong answers in a minute: 429."""
    require_write(request)
    try:
        lab = _lab(request, slug)
        attempt = services.open_case(actor=request.user, lab=lab)
        outcome = services.submit(
            actor=request.user, attempt=attempt, question=question, answer=payload.answer
        )
    except (Http404, PermissionDenied, ValidationError):
        return Status(404, {"detail": "Not found."})
    q = lab.question(question)
    if outcome.refused and outcome.state.tries < q["max_attempts"] and not outcome.state.solved_at:
        return Status(429, {"detail": outcome.refused})
    attempt.refresh_from_db(fields=["points"])
    verdict = outcome.verdict
    return {
        "question": question,
        "checked": verdict is not None,
        "correct": bool(verdict and verdict.correct),
        "score": verdict.score if verdict else outcome.state.best_score,
        "message": verdict.message if verdict else outcome.refused,
        "tries_left": max(q["max_attempts"] - outcome.state.tries, 0),
        "earned": outcome.state.points,
        "lab_points": attempt.points,
    }


@router.get(
    "/scoreboards/organisation", response={200: list[StandingOut], 404: ErrorOut, **COMMON}
)
def organisation_board(request):
    """The token person's ministry: the top 50 over all labs."""
    org = selectors.ministry_of(request.user)
    if org is None:
        return Status(404, {"detail": "Not found."})
    return services.board("org", org.pk)


@router.get(
    "/scoreboards/events/{int:event_id}",
    response={200: list[StandingOut], 404: ErrorOut, **COMMON},
)
def event_board(request, event_id: int):
    """A training event's board: for its seated participants, trainers and national roles."""
    from hifazat.events.models import Event

    event = Event.objects.filter(pk=event_id).first()
    if event is None or not selectors.can_see_event_board(request.user, event):
        return Status(404, {"detail": "Not found."})
    return services.board("event", event.pk)
