"""Pages for organisations and people. Thin: policy, scope helper, form, service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hifazat.audit.services import audit_record
from hifazat.lib.spreadsheets import csv_stream, xlsx_bytes
from hifazat.orgs import access, selectors, services
from hifazat.orgs.access import PEOPLE_MANAGERS, PEOPLE_READERS, ROLE_GRANTERS, SIGNED_IN, policy
from hifazat.orgs.forms import PeopleFilterForm, RoleGrantForm
from hifazat.orgs.imports.validation import COLUMNS as IMPORT_COLUMNS
from hifazat.orgs.models import RoleAssignment
from hifazat.orgs.roles import PEOPLE_IMPORTERS


@policy(SIGNED_IN)
@require_GET
def organisation_list(request):
    query = request.GET.get("q", "").strip()[:100]
    tree = selectors.organisation_tree(request.user, query)
    return render(request, "orgs/organisation_list.html", {"tree": tree, "q": query})


@policy(SIGNED_IN)
@require_GET
def organisation_detail(request, code):
    org = access.get_organisation_for_user(request.user, code)
    context = {"org": org, **selectors.organisation_detail(request.user, org)}
    return render(request, "orgs/organisation_detail.html", context)


@policy(PEOPLE_READERS)
@require_GET
def people_list(request):
    form, filters, people = _filtered_people(request)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user,
        action="people.list_viewed",
        object_type="orgs.person",
        data={"filters": filters, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orgs/people_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_import": access.has_role(request.user, *PEOPLE_IMPORTERS),
        },
    )


def _filtered_people(request):
    form = PeopleFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    # An organisation outside the viewer's scope is 404, not silently "everything I can see".
    code = request.GET.get("org", "").strip()
    org = access.get_organisation_for_user(request.user, code) if code else None
    people = selectors.people_list(
        request.user,
        query=filters.get("q", ""),
        org=org,
        track=filters.get("track", ""),
        grade=filters.get("grade"),
        active=filters.get("active") or "1",
    )
    return form, {k: v for k, v in filters.items() if v not in ("", None)}, people


# The import's columns (an export can be edited and imported again) plus the status.
EXPORT_COLUMNS = [*IMPORT_COLUMNS, "active"]


@policy(PEOPLE_READERS)
@require_GET
def people_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, filters, people = _filtered_people(request)
    rows = people.values_list(
        "employee_number",
        "full_name",
        "email",
        "designation",
        "bps_grade",
        "organisation__code",
        "track",
        "is_active",
    )
    audit_record(
        actor=request.user,
        action="people.exported",
        object_type="orgs.person",
        data={"format": fmt, "filters": filters, "rows": people.count()},
    )
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_stream(EXPORT_COLUMNS, rows.iterator(chunk_size=2000)),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(
            xlsx_bytes("People", EXPORT_COLUMNS, rows.iterator(chunk_size=2000)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="hifazat-people-{stamp}.{fmt}"'
    return response


@policy(SIGNED_IN)
@require_GET
def person_detail(request, pk):
    person = access.get_person_for_user(request.user, pk)
    if person.pk != request.user.pk:
        audit_record(actor=request.user, action="person.viewed", obj=person)
    assignments = (
        RoleAssignment.objects.current().filter(person=person).select_related("organisation")
    )
    grantable = access.grantable_roles(request.user)
    context = {
        "person": person,
        "assignments": assignments,
        "can_manage": person.pk != request.user.pk
        and access.can_manage_person(request.user, person),
        "grantable": grantable,
        "grant_form": RoleGrantForm(user=request.user)
        if grantable and access.can_manage_person(request.user, person)
        else None,
    }
    return render(request, "orgs/person_detail.html", context)


def _person_action(request, pk, service, done_message):
    person = access.get_person_for_user(request.user, pk)
    try:
        service(actor=request.user, person=person)
    except PermissionDenied:
        raise Http404
    messages.success(request, done_message % {"name": person.full_name})
    return redirect("orgs:person", pk=person.pk)


@policy(PEOPLE_MANAGERS)
@require_POST
def person_deactivate(request, pk):
    return _person_action(
        request, pk, services.person_deactivate, _("%(name)s has been deactivated.")
    )


@policy(PEOPLE_MANAGERS)
@require_POST
def person_invite(request, pk):
    person = access.get_person_for_user(request.user, pk)
    if not services.people_invite(actor=request.user, people=[person]):
        raise Http404
    messages.success(
        request, _("An invitation is on its way to %(email)s.") % {"email": person.email}
    )
    return redirect("orgs:person", pk=person.pk)


@policy(PEOPLE_MANAGERS)
@require_POST
def person_reactivate(request, pk):

    return _person_action(
        request, pk, services.person_reactivate, _("%(name)s has been reactivated.")
    )


@policy(ROLE_GRANTERS)
@require_POST
def role_grant(request, pk):
    person = access.get_person_for_user(request.user, pk)
    form = RoleGrantForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a role you may grant and a scope you manage."))
        return redirect("orgs:person", pk=person.pk)
    code = form.cleaned_data["organisation"]
    org = access.managed_organisations(request.user).filter(code=code).first() if code else None
    try:
        services.role_grant(
            actor=request.user, person=person, role=form.cleaned_data["role"], organisation=org
        )
    except PermissionDenied:
        raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Role granted."))
    return redirect("orgs:person", pk=person.pk)


@policy(ROLE_GRANTERS)
@require_POST
def role_revoke(request, pk, assignment_id):
    person = access.get_person_for_user(request.user, pk)
    assignment = get_object_or_404(
        RoleAssignment.objects.current(), pk=assignment_id, person=person
    )
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except PermissionDenied:
        raise Http404
    messages.success(request, _("Role revoked."))
    return redirect("orgs:person", pk=person.pk)
