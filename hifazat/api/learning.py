"""API for learning: my enrolments and results, a subtree's progress, certificate checks.

Correct answers are never part of any response; results appear once an attempt is submitted.
"""

from datetime import date, datetime

from django.http import Http404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from hifazat.learning import selectors
from hifazat.learning.certificates import verification_allowed
from hifazat.learning.models import Certificate, Course, Enrolment
from hifazat.orgs import access
from hifazat.orgs.roles import Role

router = Router(tags=["learning"])
PROGRESS_ROLES = (
    Role.PROGRAMME_MANAGER,
    Role.FOCAL_PERSON,
    Role.HEAD,
    Role.AUDITOR,
    Role.PLATFORM_ADMIN,
)


class ErrorOut(Schema):
    detail: str


class AttemptOut(Schema):
    kind: str
    number: int
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    passed: bool | None


class EnrolmentOut(Schema):
    course: str
    title: str
    version: int
    status: str
    source: str
    due_date: date | None
    lessons_done: int
    lessons_total: int
    attempts: list[AttemptOut]
    certificate: str | None


class GainOut(Schema):
    n: int
    pre: float | None
    final: float | None
    raw: float | None
    normalised: float | None
    normalised_n: int


class OrgProgressOut(Schema):
    organisation: str
    name: str
    enrolled: int
    completed: int
    overdue: int


class ProgressOut(Schema):
    course: str
    gain: GainOut
    organisations: list[OrgProgressOut]


class CertificateOut(Schema):
    code: str
    name: str
    course: str
    issued: date
    expires: date
    status: str


COMMON = {400: dict, 401: ErrorOut, 422: dict}


@router.get("/enrolments", response={200: list[EnrolmentOut], **COMMON})
def my_enrolments(request):
    enrolments = list(
        Enrolment.objects.filter(person=request.user)
        .select_related("course", "version")
        .prefetch_related("attempts")
    )
    selectors.annotate_progress(enrolments)
    certificates = dict(
        Certificate.objects.filter(enrolment__in=enrolments).values_list("enrolment", "code")
    )
    return [
        {
            "course": e.course.slug,
            "title": e.version.title,
            "version": e.version.number,
            "status": e.status,
            "source": e.source,
            "due_date": e.due_date,
            "lessons_total": e.lessons_total,
            "lessons_done": e.lessons_done,
            "certificate": certificates.get(e.pk),
            # results only once submitted; never the questions or their answers
            "attempts": [
                {
                    "kind": a.kind,
                    "number": a.number,
                    "started_at": a.started_at,
                    "submitted_at": a.submitted_at,
                    "score": float(a.score) if a.submitted_at and a.score is not None else None,
                    "passed": a.passed if a.submitted_at else None,
                }
                for a in sorted(e.attempts.all(), key=lambda a: (a.kind, a.number))
            ],
        }
        for e in enrolments
    ]


@router.get(
    "/progress/{course}", response={200: ProgressOut, 403: ErrorOut, 404: ErrorOut, **COMMON}
)
def progress(request, course: str, organisation: str = ""):
    """A course's progress and learning gain over the people the token's person may see."""
    if not access.has_role(request.user, *PROGRESS_ROLES):
        return Status(403, {"detail": "Your roles do not include progress reports."})
    found = Course.objects.filter(slug=course[:50]).first()
    if found is None:
        return Status(404, {"detail": "Not found."})
    org = None
    if organisation:
        try:
            org = access.get_organisation_for_user(request.user, organisation)
        except Http404:
            return Status(404, {"detail": "Not found."})
    gain = selectors.learning_gain(request.user, found, organisation=org)
    rows = selectors.subtree_progress(request.user, found)
    if org is not None:
        codes = set(
            access.organisations_visible_to(request.user)
            .filter(path__startswith=org.path)
            .values_list("code", flat=True)
        )
        rows = [r for r in rows if r["person__organisation__code"] in codes]
    return {
        "course": found.slug,
        "gain": gain.__dict__,
        "organisations": [
            {
                "organisation": r["person__organisation__code"],
                "name": r["person__organisation__name"],
                "enrolled": r["enrolled"],
                "completed": r["completed"],
                "overdue": r["overdue"],
            }
            for r in rows
        ],
    }


@router.get(
    "/certificates/{code}",
    auth=None,
    response={200: CertificateOut, 404: ErrorOut, 429: ErrorOut, **COMMON},
)
def verify_certificate(request, code: str):
    """Public check of a certificate: only name, course, dates and status."""
    if not verification_allowed(request):
        return Status(429, {"detail": "Too many checks; try again in a minute."})
    c = Certificate.objects.filter(code=code.strip().upper()[:20]).select_related("course").first()
    if c is None:
        raise HttpError(404, "Not found.")
    return {
        "code": c.code,
        "name": c.full_name,
        "course": c.course.title,
        "issued": c.issued_at.date(),
        "expires": c.expires_at.date(),
        "status": c.status,
    }
