"""Lab pages: the list, a lab (scenario, evidence, one question at a time), evidence downloads
and browsing, answers and hints, scoreboards, and the reviewers' statistics and timelines.

Each learner only ever reaches their own case: no URL names an attempt. Expected answers stay
on the server; an explanation appears once a question is solved or its attempts are used up.
"""

from __future__ import annotations

import io
import zipfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hifazat.events.models import Event, Nomination
from hifazat.labs import selectors, services
from hifazat.labs.models import HintUse, LabAttempt, QuestionState, Submission, localised
from hifazat.lib import markdown
from hifazat.orgs.access import SIGNED_IN, any_role, policy

REVIEWERS = any_role(*selectors.REVIEWERS)
LINES_PER_PAGE = 400


def _lab_and_case(request, slug, create=True):
    if not services.can_do_labs(request.user):
        raise Http404
    lab = selectors.get_lab(slug)
    if not create:
        attempt = LabAttempt.objects.filter(lab=lab, person=request.user).defer("answers").first()
        if attempt is None:
            raise Http404
        attempt.lab = lab  # with its definition from the process cache
        return lab, attempt
    event = None
    if request.GET.get("event"):
        event = Event.objects.filter(
            pk__in=Nomination.objects.filter(
                person=request.user, status__in=Nomination.SEATED
            ).values("event_id"),
            pk=request.GET["event"] if request.GET["event"].isdigit() else 0,
        ).first()
    return lab, services.open_case(actor=request.user, lab=lab, event=event)


@policy(SIGNED_IN)
@require_GET
def home(request):
    labs = list(services.labs_for(request.user))
    mine = {a.lab_id: a for a in LabAttempt.objects.filter(person=request.user, lab__in=labs)}
    for lab in labs:
        lab.mine = mine.get(lab.pk)
    event = request.GET.get("event", "")
    events = Event.objects.filter(
        pk__in=LabAttempt.objects.filter(person=request.user, event__isnull=False).values(
            "event_id"
        )
    )
    return render(
        request,
        "labs/home.html",
        {
            "labs": labs,
            "allowed": services.can_do_labs(request.user),
            "ministry": selectors.ministry_of(request.user),
            "events": events,
            "event": event if event.isdigit() else "",
            "reviewer": request.user.is_authenticated
            and selectors.access.has_role(request.user, *selectors.REVIEWERS),
        },
    )


def _question_rows(lab, attempt) -> list[dict]:
    states = {s.question: s for s in attempt.states.all()}
    taken = services.hints_taken(attempt)
    rows = []
    for number, q in enumerate(lab.questions, start=1):
        state = states.get(q["id"]) or QuestionState(question=q["id"])
        left = max(q["max_attempts"] - state.tries, 0)
        done = bool(state.solved_at) or left == 0
        rows.append(
            {
                "number": number,
                "id": q["id"],
                "prompt": markdown.render(localised(q["prompt"])),
                "input": q["input"],
                "choices": q["options"].get("choices", []),
                "points": q["points"],
                "state": state,
                "left": left,
                "done": done,
                "solved": bool(state.solved_at),
                "explanation": markdown.render(localised(q["explanation"])) if done else "",
                "hints_taken": bool(taken.get(q["id"])),
                "hints": [
                    {
                        "index": i,
                        "cost": h["cost"],
                        "text": localised(h["text"]) if i in taken.get(q["id"], []) else "",
                        "taken": i in taken.get(q["id"], []),
                    }
                    for i, h in enumerate(q["hints"])
                ],
            }
        )
    return rows


@policy(SIGNED_IN)
@require_GET
def lab_page(request, slug):
    lab, attempt = _lab_and_case(request, slug)
    rows = _question_rows(lab, attempt)
    wanted = request.GET.get("q")
    current = next((r for r in rows if r["id"] == wanted), None) or next(
        (r for r in rows if not r["done"]), rows[-1]
    )
    advisory = None
    if lab.advisory_title:  # the advisory this lab works from, when the person may read it
        from hifazat.advisories import policy as advisory_policy

        advisory = (
            advisory_policy.visible_advisories(request.user)
            .filter(title=lab.advisory_title)
            .order_by("-pk")
            .first()
        )
    later = [r for r in rows if r["number"] > current["number"]] + rows
    next_open = next((r for r in later if not r["done"] and r is not current), None)
    return render(
        request,
        "labs/lab.html",
        {
            "lab": lab,
            "attempt": attempt,
            "scenario": markdown.render(lab.local("scenario")),
            "evidence": [
                {"name": e["name"], "description": localised(e["description"])}
                for e in lab.definition["evidence"]
            ],
            "rows": rows,
            "current": current,
            "next_open": next_open,
            "advisory": advisory,
        },
    )


@policy(SIGNED_IN)
@require_POST
def submit(request, slug, question):
    lab, attempt = _lab_and_case(request, slug, create=False)
    answer = request.POST.get("answer", "")  # only this field is read: no points, no "solved"
    try:
        outcome = services.submit(
            actor=request.user, attempt=attempt, question=question, answer=answer
        )
    except (PermissionDenied, ValidationError):
        raise Http404
    if outcome.refused:
        messages.warning(request, outcome.refused)
    elif outcome.verdict.correct:
        messages.success(request, _("Correct.") + " " + outcome.verdict.message)
    elif outcome.verdict.score > 0:
        messages.info(request, _("Partly right.") + " " + outcome.verdict.message)
    else:
        messages.error(request, _("Not right.") + " " + outcome.verdict.message)
    return redirect(reverse("labs:lab", args=[slug]) + "?" + urlencode({"q": question}))


@policy(SIGNED_IN)
@require_POST
def hint(request, slug, question, index):
    lab, attempt = _lab_and_case(request, slug, create=False)
    try:
        services.take_hint(actor=request.user, attempt=attempt, question=question, index=index)
    except PermissionDenied:
        raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("labs:lab", args=[slug]) + "?" + urlencode({"q": question}))


def _evidence_names(lab) -> list[str]:
    return [e["name"] for e in lab.definition["evidence"]]


@policy(SIGNED_IN)
@require_GET
def evidence_zip(request, slug):
    lab, attempt = _lab_and_case(request, slug, create=False)
    case = services.case_of(attempt)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in _evidence_names(lab):
            info = zipfile.ZipInfo(f"{lab.slug}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            content = case.files[name]
            archive.writestr(info, content.encode() if isinstance(content, str) else content)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{lab.slug}-evidence.zip"'
    return response


@policy(SIGNED_IN)
@require_GET
def evidence_file(request, slug, name):
    """One evidence file in the page: numbered lines, a page at a time, with a text filter
    (useful on a slow connection). ``?raw=1`` downloads the file as it is."""
    lab, attempt = _lab_and_case(request, slug, create=False)
    if name not in _evidence_names(lab):
        raise Http404
    content = services.case_of(attempt).files[name]
    if request.GET.get("raw"):
        response = HttpResponse(content, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if isinstance(content, bytes):
        raise Http404
    find = request.GET.get("find", "")[:200]
    lines = [
        (n, line)
        for n, line in enumerate(content.splitlines(), start=1)
        if not find or find.lower() in line.lower()
    ]
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "labs/evidence.html",
        {
            "lab": lab,
            "name": name,
            "page": page,
            "find": find,
            "matches": len(lines),
            "query": urlencode({"find": find}) if find else "",
        },
    )


# --- scoreboards and review ------------------------------------------------------------------


@policy(SIGNED_IN)
@require_GET
def scoreboard(request, kind="organisation", pk=None):
    """A ministry's board (your own, unless you review others), or a training event's."""
    user = request.user
    if kind == "event":
        event = Event.objects.filter(pk=pk).first()
        if event is None or not selectors.can_see_event_board(user, event):
            raise Http404
        title, rows = event.title, services.board("event", event.pk)
    else:
        org = selectors.ministry_of(user)
        if pk is not None:
            reach = selectors.access.organisations_visible_to(user)
            org = reach.filter(pk=pk, parent__isnull=True).first()
        if org is None:
            raise Http404
        title = org.name
        rows = services.board("org", org.pk)
    mine = (
        LabAttempt.objects.filter(person=user)
        .select_related("lab")
        .defer("answers", "lab__definition")  # large, and not shown here
        .order_by("lab__slug")
    )
    return render(
        request,
        "labs/scoreboard.html",
        {"title": title, "rows": rows, "mine": mine, "me": user.pk},
    )


@policy(REVIEWERS)
@require_GET
def stats(request, slug):
    """For the after-action review: per question, and each participant in reach."""
    lab = selectors.get_lab(slug)
    attempts = selectors.attempts_visible_to(request.user).filter(lab=lab)
    if request.GET.get("event", "").isdigit():
        attempts = attempts.filter(event_id=int(request.GET["event"]))
    per_question = {
        row["question"]: row
        for row in QuestionState.objects.filter(attempt__in=attempts)
        .values("question")
        .annotate(
            opened=Count("id"),
            tried=Count("id", filter=Q(tries__gt=0)),
            solved=Count("id", filter=Q(solved_at__isnull=False)),
        )
        .order_by()
    }
    tries = {
        row["question"]: row["n"]
        for row in Submission.objects.filter(attempt__in=attempts)
        .values("question")
        .annotate(n=Count("id"))
        .order_by()
    }
    hints = {
        row["question"]: row["n"]
        for row in HintUse.objects.filter(attempt__in=attempts)
        .values("question")
        .annotate(n=Count("id"))
        .order_by()
    }
    questions = []
    for number, q in enumerate(lab.questions, start=1):
        row = per_question.get(q["id"], {})
        questions.append(
            {
                "number": number,
                "id": q["id"],
                "prompt": localised(q["prompt"]),
                "opened": row.get("opened", 0),
                "tried": row.get("tried", 0),
                "solved": row.get("solved", 0),
                "submissions": tries.get(q["id"], 0),
                "hints": hints.get(q["id"], 0),
            }
        )
    page = Paginator(
        attempts.select_related("person", "person__organisation").order_by(
            "-points", "last_solved_at"
        ),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "labs/stats.html",
        {"lab": lab, "questions": questions, "page": page, "total": attempts.count()},
    )


@policy(REVIEWERS)
@require_GET
def timeline(request, slug, person_id):
    lab = selectors.get_lab(slug)
    attempt = (
        selectors.attempts_visible_to(request.user)
        .filter(lab=lab, person_id=person_id)
        .select_related("person")
        .first()
    )
    if attempt is None:
        raise Http404
    numbers = {q["id"]: i for i, q in enumerate(lab.questions, start=1)}
    events = [
        {"at": s.at, "question": numbers.get(s.question), "kind": "answer", "sub": s}
        for s in attempt.submissions.all()
    ] + [
        {"at": h.at, "question": numbers.get(h.question), "kind": "hint", "hint": h}
        for h in attempt.hints.all()
    ]
    events.sort(key=lambda e: e["at"])
    return render(
        request,
        "labs/timeline.html",
        {"lab": lab, "attempt": attempt, "events": events, "person": attempt.person},
    )
