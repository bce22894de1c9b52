"""Taking a test: start, answer (autosaved), submit, review with explanations."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from hifazat.assessments import services
from hifazat.assessments.models import Attempt, Question
from hifazat.learning import selectors
from hifazat.orgs.access import SIGNED_IN, policy


def answers_from_post(post, attempt: Attempt) -> dict:
    """Form fields q-<qid> (choices) and q-<qid>-<key> (ordering positions) → {qid: [keys]}."""
    answers = {}
    for qid, keys in attempt.option_orders.items():
        positions = {k: post.get(f"q-{qid}-{k}") for k in keys}
        if any(positions.values()):
            ranked = sorted((int(p) if str(p).isdigit() else 99, k) for k, p in positions.items())
            answers[qid] = [k for _, k in ranked]
        elif f"q-{qid}" in post:
            answers[qid] = post.getlist(f"q-{qid}")
    return answers


def _seq(post) -> int:
    try:
        return max(0, int(post.get("seq", "0")))
    except ValueError:
        return 0


def _questions(attempt: Attempt, language: str):
    """The attempt's questions in the learner's language (English where untranslated)."""
    qs = Question.objects.filter(
        version=attempt.enrolment.version, qid__in=attempt.qids, language__in={"en", language}
    )
    by_qid = {}
    for q in qs:
        if q.language == language or q.qid not in by_qid:
            by_qid[q.qid] = q
    return [by_qid[qid] for qid in attempt.qids if qid in by_qid]


@policy(SIGNED_IN)
@require_POST
def start(request, course, kind):
    enrolment = selectors.get_enrolment_for_user(request.user, course)
    try:
        attempt = services.attempt_start(actor=request.user, enrolment=enrolment, kind=kind)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("learning:course", course)
    return redirect("learning:attempt", attempt.pk)


@policy(SIGNED_IN)
@require_GET
def take(request, pk):
    attempt = selectors.get_attempt_for_user(request.user, pk)
    if not attempt.is_open:
        return redirect("learning:attempt_result", attempt.pk)
    saved = dict(attempt.answers.values_list("qid", "value"))
    items = []
    for number, q in enumerate(_questions(attempt, get_language()), start=1):
        texts = {o["key"]: o["text"] for o in q.options}
        order = attempt.option_orders.get(q.qid, list(texts))
        chosen = saved.get(q.qid, [])
        options = [
            {
                "key": k,
                "text": texts[k],
                "checked": k in chosen,
                "position": (chosen.index(k) + 1)
                if (q.type == "ordering" and k in chosen)
                else None,
            }
            for k in order
        ]
        items.append(
            {"number": number, "q": q, "options": options, "positions": range(1, len(options) + 1)}
        )
    return render(request, "assessments/take.html", {"attempt": attempt, "items": items})


@policy(SIGNED_IN)
@require_POST
def save(request, pk):
    """Autosave (JSON answer for the page's script) and the no-script "Save" button."""
    attempt = selectors.get_attempt_for_user(request.user, pk)
    seq = _seq(request.POST)
    try:
        attempt = services.attempt_save(
            actor=request.user,
            attempt=attempt,
            seq=seq,
            answers=answers_from_post(request.POST, attempt),
        )
    except services.StaleSave as exc:
        return _answer(request, attempt, {"error": " ".join(exc.messages), "stale": True}, 409)
    except ValidationError as exc:
        return _answer(request, attempt, {"error": " ".join(exc.messages)}, 400)
    return _answer(request, attempt, {"saved": attempt.seq}, 200)


def _answer(request, attempt, payload, status):
    if request.headers.get("accept", "").startswith("application/json"):
        return JsonResponse(payload, status=status)
    if "error" in payload:
        messages.error(request, payload["error"])
    return redirect("learning:attempt", attempt.pk)


@policy(SIGNED_IN)
@require_POST
def submit(request, pk):
    attempt = selectors.get_attempt_for_user(request.user, pk)
    attempt = services.attempt_submit(
        actor=request.user,
        attempt=attempt,
        seq=_seq(request.POST),
        answers=answers_from_post(request.POST, attempt),
    )
    return redirect("learning:attempt_result", attempt.pk)


@policy(SIGNED_IN)
@require_GET
def result(request, pk):
    attempt = selectors.get_attempt_for_user(request.user, pk)
    if attempt.submitted_at is None:
        if attempt.is_open:
            return redirect("learning:attempt", attempt.pk)
        attempt = services.attempt_submit(actor=request.user, attempt=attempt)  # time ran out
    saved = dict(attempt.answers.values_list("qid", "value"))
    review = []
    for q in _questions(attempt, get_language()):
        texts = {o["key"]: o["text"] for o in q.options}
        given = saved.get(q.qid, [])
        review.append(
            {
                "q": q,
                "correct": q.is_correct(given),
                "given": [texts.get(k, k) for k in given],
                "right": [texts[k] for k in q.answer if k in texts],
            }
        )
    return render(request, "assessments/result.html", {"attempt": attempt, "review": review})
