from datetime import datetime, time

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hifazat.audit.models import AuditEvent
from hifazat.orgs.access import AUDIT_READERS, policy


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (name or e-mail)"), required=False, max_length=100)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@policy(AUDIT_READERS)
@require_GET
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_valid():
        f = form.cleaned_data
        if f["actor"]:
            events = events.filter(actor_label__icontains=f["actor"])
        if f["action"]:
            events = events.filter(action__startswith=f["action"])
        if f["object_type"]:
            events = events.filter(object_type=f["object_type"])
        tz = timezone.get_current_timezone()
        if f["date_from"]:
            events = events.filter(at__gte=datetime.combine(f["date_from"], time.min, tz))
        if f["date_to"]:
            events = events.filter(at__lte=datetime.combine(f["date_to"], time.max, tz))
    page = Paginator(events.order_by("-seq"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    actions = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()[:200]
    return render(
        request,
        "audit/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "actions": actions},
    )
