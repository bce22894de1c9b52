"""Reads about learning, scoped by the access policy."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from hifazat.assessments.models import Attempt
from hifazat.learning.models import Certificate, Course, Enrolment, Lesson, LessonProgress
from hifazat.orgs import access


def annotate_progress(enrolments: list[Enrolment]) -> None:
    """Set lessons_total, lessons_done and percent on each enrolment, in two queries."""
    totals = dict(
        Lesson.objects.filter(
            module__version__in={e.version_id for e in enrolments}, language="en"
        )
        .values("module__version")
        .annotate(n=Count("id"))
        .values_list("module__version", "n")
    )
    done = dict(
        LessonProgress.objects.filter(enrolment__in=enrolments)
        .values("enrolment")
        .annotate(n=Count("id"))
        .values_list("enrolment", "n")
    )
    for e in enrolments:
        e.lessons_total, e.lessons_done = totals.get(e.version_id, 0), done.get(e.pk, 0)
        e.percent = round(100 * e.lessons_done / e.lessons_total) if e.lessons_total else 0


def my_learning(person) -> dict:
    enrolments = list(
        Enrolment.objects.filter(person=person)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("course", "version", "last_lesson__module")
        .order_by("due_date", "-enrolled_at")
    )
    annotate_progress(enrolments)
    courses = list(
        Course.objects.filter(current_version__isnull=False).select_related("prerequisite")
    )
    return {
        "in_progress": [e for e in enrolments if e.status == Enrolment.Status.ACTIVE],
        "completed": [e for e in enrolments if e.status == Enrolment.Status.COMPLETED],
        "certificates": list(Certificate.objects.filter(person=person).select_related("course")),
        "courses": courses,
    }


def get_enrolment_for_user(user, course_slug: str) -> Enrolment:
    """The user's own current enrolment in a course (404 otherwise)."""
    return get_object_or_404(
        Enrolment.objects.select_related("course", "version")
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .order_by("-enrolled_at"),
        person=user,
        course__slug=course_slug,
    )


def lessons_for(enrolment: Enrolment, language: str) -> list[Lesson]:
    """The enrolment's lessons in the learner's language, English where not translated.

    The lesson bodies are not loaded here (a lesson page reads only its own)."""
    lessons = (
        Lesson.objects.filter(module__version=enrolment.version)
        .select_related("module")
        .defer("html")
    )
    chosen: dict[tuple[str, str], Lesson] = {}
    for lesson in lessons.order_by("module__order", "order"):
        key = (lesson.module.slug, lesson.slug)
        if lesson.language == language or key not in chosen:
            chosen[key] = lesson
    return sorted(chosen.values(), key=lambda le: (le.module.order, le.order))


def get_attempt_for_user(user, pk: int) -> Attempt:
    return get_object_or_404(
        Attempt.objects.select_related("enrolment__version", "enrolment__course"),
        pk=pk,
        enrolment__person=user,
    )


@dataclass
class Gain:
    n: int
    pre: float | None
    final: float | None
    raw: float | None
    normalised: float | None
    normalised_n: int


def _person_scores(enrolments) -> list[tuple[float, float]]:
    """(pre %, best final %) for each enrolment that has both."""
    pre, final = {}, {}
    for enrolment_id, kind, score in (
        Attempt.objects.filter(enrolment__in=enrolments, submitted_at__isnull=False)
        .order_by("number")
        .values_list("enrolment_id", "kind", "score")
    ):
        if kind == Attempt.Kind.PRE:
            pre.setdefault(enrolment_id, float(score))
        else:
            final[enrolment_id] = max(final.get(enrolment_id, 0.0), float(score))
    return [(pre[e], final[e]) for e in pre if e in final]


def learning_gain(user, course: Course, organisation=None) -> Gain:
    """Raw gain (final − pre) and normalised gain g = (final − pre)/(100 − pre), averaged over
    people (g is undefined when pre = 100: those people are left out of g and its n)."""
    enrolments = Enrolment.objects.filter(course=course, person__in=access.people_visible_to(user))
    if organisation is not None:
        enrolments = enrolments.filter(person__org_path__startswith=organisation.path)
    pairs = _person_scores(enrolments)
    if not pairs:
        return Gain(0, None, None, None, None, 0)
    gs = [(f - p) / (100 - p) for p, f in pairs if p < 100]
    return Gain(
        n=len(pairs),
        pre=sum(p for p, _ in pairs) / len(pairs),
        final=sum(f for _, f in pairs) / len(pairs),
        raw=sum(f - p for p, f in pairs) / len(pairs),
        normalised=(sum(gs) / len(gs)) if gs else None,
        normalised_n=len(gs),
    )


def subtree_progress(user, course: Course):
    """Per visible organisation: enrolled, completed, overdue (for focal persons and managers)."""
    today = timezone.localdate()
    people = access.people_visible_to(user)
    rows = (
        Enrolment.objects.filter(course=course, person__in=people)
        .values("person__organisation__code", "person__organisation__name")
        .annotate(
            enrolled=Count("id"),
            completed=Count("id", filter=Q(status="completed")),
            overdue=Count("id", filter=Q(status="active", due_date__lt=today)),
        )
        .order_by("person__organisation__code")
    )
    return list(rows)
