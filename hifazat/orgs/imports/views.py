"""HR import pages: upload → check report by row and column → confirm → imported."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hifazat.lib.spreadsheets import xlsx_bytes
from hifazat.orgs import access
from hifazat.orgs.access import any_role, policy
from hifazat.orgs.imports.services import people_import_apply, people_import_check
from hifazat.orgs.imports.validation import COLUMNS
from hifazat.orgs.models import PeopleImport, Person
from hifazat.orgs.roles import PEOPLE_IMPORTERS
from hifazat.orgs.services import people_invite

IMPORTERS = any_role(*PEOPLE_IMPORTERS)
EXAMPLE_ROWS = [
    [
        "FG-0012345",
        "Ayesha Siddiqui",
        "ayesha.siddiqui@ministry.gov.pk",
        "Assistant",
        "15",
        "ITTD",
        "general",
    ],
    [
        "FG-0012346",
        "Bilal Ahmed Awan",
        "bilal.awan@ministry.gov.pk",
        "Network Administrator",
        "17",
        "ITTD",
        "it_admin",
    ],
]


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("HR list (CSV or XLSX)"))
    organisation = forms.ChoiceField(
        label=gettext_lazy("Import into (with sub-organisations)"), required=False
    )
    deactivate_missing = forms.BooleanField(
        label=gettext_lazy("Deactivate people of this organisation who are not in the file"),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = access.managed_organisations(user).order_by("path").only("code", "name", "depth")
        self.fields["organisation"].choices = [
            ("", gettext_lazy("Every organisation I manage"))
        ] + [(o.code, "\u2003" * o.depth + f"{o.name} ({o.code})") for o in orgs]
        self.user = user

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size).1f MB; the limit is %(limit).0f MB. Split it by organisation and import the parts."
                )
                % {"size": upload.size / 1_048_576, "limit": settings.IMPORT_MAX_BYTES / 1_048_576}
            )
        return upload

    def clean(self):
        data = super().clean()
        if data.get("deactivate_missing") and not data.get("organisation"):
            self.add_error(
                "organisation",
                _("Choose the organisation whose missing people should be deactivated."),
            )
        return data


def _get_import(user, uuid) -> PeopleImport:
    staged = (
        PeopleImport.objects.filter(uuid=uuid, created_by=user)
        .select_related("organisation")
        .first()
    )
    if staged is None:
        raise Http404
    return staged


@policy(IMPORTERS)
@require_http_methods(["GET", "POST"])
def import_start(request):
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["organisation"]
        org = (
            access.managed_organisations(request.user).filter(code=code).first() if code else None
        )
        upload = form.cleaned_data["file"]
        try:
            staged = people_import_check(
                actor=request.user,
                data=upload.read(),
                filename=upload.name,
                org=org,
                deactivate_missing=form.cleaned_data["deactivate_missing"],
            )
        except PermissionDenied:
            raise Http404
        return redirect("orgs:import_detail", uuid=staged.uuid)
    recent = PeopleImport.objects.filter(created_by=request.user)[:10]
    return render(
        request,
        "orgs/import_start.html",
        {
            "form": form,
            "recent": recent,
            "columns": COLUMNS,
            "limit_mb": settings.IMPORT_MAX_BYTES // 1_048_576,
        },
    )


@policy(IMPORTERS)
@require_GET
def import_detail(request, uuid):
    staged = _get_import(request.user, uuid)
    r = staged.report
    labels = [
        (_("rows"), "rows"),
        (_("created"), "created"),
        (_("updated"), "updated"),
        (_("unchanged"), "unchanged"),
        (_("deactivated"), "deactivated" if r.get("applied") else "to_deactivate"),
        (_("rejected"), "rejected"),
    ]
    summary = [(label, r.get(key, 0)) for label, key in labels]
    return render(
        request, "orgs/import_detail.html", {"staged": staged, "report": r, "summary": summary}
    )


@policy(IMPORTERS)
@require_POST
def import_apply(request, uuid):
    staged = _get_import(request.user, uuid)
    if staged.status != PeopleImport.Status.CHECKED:
        messages.error(
            request, _("This file has already been dealt with; upload it again to re-check it.")
        )
        return redirect("orgs:import_detail", uuid=staged.uuid)
    if staged.report.get("to_deactivate") and request.POST.get("confirm_deactivation") != "yes":
        messages.error(request, _("Confirm the deactivations first."))
        return redirect("orgs:import_detail", uuid=staged.uuid)
    report = people_import_apply(actor=request.user, staged=staged)
    if report.applied:
        messages.success(
            request,
            _("Imported: %(c)d created, %(u)d updated, %(n)d unchanged, %(d)d deactivated.")
            % {
                "c": report.created,
                "u": report.updated,
                "n": report.unchanged,
                "d": report.deactivated,
            },
        )
    else:
        messages.error(
            request,
            _("The records changed since the check; nothing was imported. See the report."),
        )
    return redirect("orgs:import_detail", uuid=staged.uuid)


@policy(IMPORTERS)
@require_GET
def import_template(request, fmt):
    if fmt == "xlsx":
        data = xlsx_bytes("People", COLUMNS, EXAMPLE_ROWS)
        response = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        lines = [",".join(COLUMNS)] + [",".join(r) for r in EXAMPLE_ROWS]
        response = HttpResponse(
            "\ufeff" + "\r\n".join(lines) + "\r\n", content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="hifazat-people-template.{fmt}"'
    return response


@policy(IMPORTERS)
@require_POST
def import_invite(request, uuid):
    """Invite the people an applied import created."""
    staged = _get_import(request.user, uuid)
    numbers = staged.report.get("created_numbers") or []
    if staged.status != PeopleImport.Status.APPLIED or not numbers or staged.report.get("invited"):
        raise Http404
    people = list(Person.objects.filter(employee_number__in=numbers))
    count = people_invite(actor=request.user, people=people)
    staged.report = {**staged.report, "invited": count}
    staged.save(update_fields=["report"])
    messages.success(
        request,
        ngettext(
            "An invitation is on its way to %(n)d person.",
            "Invitations are on their way to %(n)d people.",
            count,
        )
        % {"n": count},
    )

    return redirect("orgs:import_detail", uuid=staged.uuid)
