"""The REST API at /api/v1/: thin routers over the same selectors and services as the pages."""

from django.http import Http404
from ninja import NinjaAPI, Router, Status
from ninja.errors import HttpError, ValidationError
from ninja.pagination import paginate

from hifazat.api.advisories import router as advisories_router
from hifazat.api.auth import TokenAuth, require_write
from hifazat.api.events import router as events_router
from hifazat.api.labs import router as labs_router
from hifazat.api.learning import router as learning_router
from hifazat.api.pagination import Page
from hifazat.api.phishing import router as phishing_router
from hifazat.api.reports import router as reports_router
from hifazat.api.schemas import ErrorOut, OrganisationOut, PersonOut, SyncIn, SyncOut
from hifazat.audit.services import audit_record
from hifazat.orgs import access, selectors
from hifazat.orgs.imports.services import people_sync

api = NinjaAPI(
    title="Hifazat API",
    version="1",
    description="Organisations, people, learning, training events and advisories, scoped to the token's person. Authenticate with "
    "`Authorization: Bearer hz_…` (a personal access token from your account page).",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_url="/docs",
)


# Every operation may answer 400 (unreadable body), 401 (no or bad token), 422 (wrong shape).
COMMON = {400: dict, 401: ErrorOut, 422: dict}

organisations = Router(tags=["organisations"])
people = Router(tags=["people"])


@organisations.get("", response={200: list[OrganisationOut], **COMMON})
@paginate(Page)
def list_organisations(request, q: str = ""):
    qs = access.organisations_visible_to(request.user).select_related("parent").order_by("path")
    if q:
        qs = qs.filter(name__icontains=q[:100]) | qs.filter(code__iexact=q[:32])
    return qs


@organisations.get("/{code}", response={200: OrganisationOut, 404: ErrorOut, **COMMON})
def get_organisation(request, code: str):
    try:
        return access.get_organisation_for_user(request.user, code)
    except Http404:
        return Status(404, {"detail": "Not found."})


@people.get("", response={200: list[PersonOut], 404: ErrorOut, **COMMON})
@paginate(Page)
def list_people(request, q: str = "", organisation: str = "", track: str = "", active: str = "1"):
    org = None
    if organisation:
        try:
            org = access.get_organisation_for_user(request.user, organisation)
        except Http404:
            raise HttpError(404, "Not found.")
    audit_record(
        actor=request.user,
        action="people.list_viewed",
        object_type="orgs.person",
        data={"channel": "api", "q": q, "organisation": organisation, "track": track},
    )
    return selectors.people_list(
        request.user, query=q[:100], org=org, track=track[:16], active=active[:3]
    )


@people.get("/{int:person_id}", response={200: PersonOut, 404: ErrorOut, **COMMON})
def get_person(request, person_id: int):
    try:
        person = access.get_person_for_user(request.user, person_id)
    except Http404:
        return Status(404, {"detail": "Not found."})
    if person.pk != request.user.pk:
        audit_record(
            actor=request.user, action="person.viewed", obj=person, data={"channel": "api"}
        )
    return person


@people.post("/sync", response={200: SyncOut, 403: ErrorOut, 404: ErrorOut, **COMMON})
def sync_people(request, payload: SyncIn):
    """Create or update people (upsert by employee number, then e-mail); all or nothing.

    The same validation as the HR import. A rejected batch answers 422 with one entry per bad
    field, located as ``["body", "people", index, field]``, and changes nothing.
    """
    require_write(request)
    org = None
    if payload.organisation:
        try:
            org = access.get_organisation_for_user(request.user, payload.organisation)
        except Http404:
            return Status(404, {"detail": "Not found."})
    from django.core.exceptions import PermissionDenied

    try:
        report = people_sync(
            actor=request.user,
            records=[p.dict() for p in payload.people],
            org=org,
            dry_run=payload.dry_run,
        )
    except PermissionDenied:
        return Status(403, {"detail": "Your roles do not allow changing people."})
    if report.file_error:
        return Status(
            422, {"detail": [{"loc": ["body"], "msg": report.file_error, "type": "conflict"}]}
        )
    if report.errors:
        return Status(
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "people", e.row, e.column],
                        "msg": e.message,
                        "type": "value_error",
                        "input": e.value,
                    }
                    for e in report.errors
                ]
            },
        )
    return {
        "applied": report.applied,
        "dry_run": report.dry_run,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }


api.add_router("/organisations", organisations)
api.add_router("/people", people)
api.add_router("/learning", learning_router)
api.add_router("/events", events_router)
api.add_router("/advisories", advisories_router)
api.add_router("/phishing", phishing_router)
api.add_router("/labs", labs_router)
api.add_router("/reports", reports_router)


@api.exception_handler(ValidationError)
def validation_errors(request, exc):
    return api.create_response(request, {"detail": exc.errors}, status=422)
