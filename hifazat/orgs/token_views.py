"""A person's own API tokens: list (with last use), create (shown once), revoke."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from hifazat.orgs.access import SIGNED_IN, policy
from hifazat.orgs.models import ApiToken
from hifazat.orgs.tokens import token_create, token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What is it for?"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. HR system sync")}),
    )
    scope = forms.ChoiceField(label=gettext_lazy("Access"), choices=ApiToken.Scope.choices)
    days = forms.TypedChoiceField(
        label=gettext_lazy("Expires after"),
        coerce=int,
        initial=90,
        choices=[
            (30, gettext_lazy("30 days")),
            (90, gettext_lazy("90 days")),
            (365, gettext_lazy("1 year")),
        ],
    )


@policy(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, created = token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(person=request.user)
    response = render(
        request, "orgs/token_list.html", {"form": form, "tokens": tokens, "created": created}
    )
    response["Cache-Control"] = "no-store"  # the new token is on this page once
    return response


@policy(SIGNED_IN)
@require_POST
def token_revoke_view(request, token_id):
    token = ApiToken.objects.filter(pk=token_id, person=request.user).first()
    if token is None:
        raise Http404
    token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked. It stops working at once."))
    return redirect("orgs:tokens")
