"""The campaign operator's pages. Every object is looked up through ``selectors`` (404
outside a person's reach); every write goes through ``hifazat.phishing.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hifazat.audit.services import audit_record
from hifazat.orgs.access import any_role, policy
from hifazat.orgs.roles import Role
from hifazat.phishing import remedial, rendering, selectors, services, tracking
from hifazat.phishing.forms import (
    CampaignForm,
    LandingForm,
    ProfileForm,
    RemedialRuleForm,
    TemplateForm,
)
from hifazat.phishing.models import (
    Campaign,
    EmailTemplate,
    LandingPage,
    RemedialAssignment,
    RemedialRule,
    Send,
    SendingProfile,
    Variant,
)

OPERATORS = any_role(Role.CAMPAIGN_OPERATOR)
TEMPLATE_READERS = any_role(Role.CAMPAIGN_OPERATOR, Role.PLATFORM_ADMIN)
CAMPAIGN_READERS = any_role(Role.CAMPAIGN_OPERATOR, Role.PLATFORM_ADMIN, Role.AUDITOR)
IN_FLIGHT = (Send.State.QUEUED, Send.State.CLAIMED, Send.State.SENDING)
STATES = [s for s, _label in Send.State.choices]


def _error(request, exc) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@policy(CAMPAIGN_READERS)
@require_GET
def home(request):
    campaigns = (
        selectors.campaigns_visible_to(request.user)
        .select_related("organisation")
        .annotate(
            sent=Count("sends", filter=Q(sends__state=Send.State.SENT)),
            in_doubt=Count("sends", filter=Q(sends__state=Send.State.IN_DOUBT)),
        )[:200]
    )
    return render(
        request,
        "phishing/home.html",
        {"campaigns": campaigns, "operator": selectors.is_operator(request.user)},
    )


# --- campaigns -------------------------------------------------------------------------------


def _campaign(request, pk) -> Campaign:
    return selectors.get_visible(
        selectors.campaigns_visible_to(request.user).select_related(
            "organisation", "profile", "approved_by", "launched_by", "created_by"
        ),
        pk,
    )


@policy(OPERATORS)
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk=None):
    campaign = _campaign(request, pk) if pk else Campaign(start_at=timezone.now())
    if pk and not selectors.can_change(request.user, campaign):
        raise Http404
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        audience = services.Audience(
            orgs=list(form.cleaned_data["audience"]),
            excluded_orgs=list(form.cleaned_data["exclude_orgs"]),
            excluded_people=form.cleaned_data["exclude_emails"],
        )
        try:
            obj = services.campaign_save(
                actor=request.user,
                campaign=obj,
                variants=form.cleaned_data["pairs"],
                audience=audience,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("phishing:campaign", pk=obj.pk)
    return render(request, "phishing/campaign_form.html", {"form": form, "campaign": campaign})


def _counts(campaign: Campaign) -> dict:
    rows = (
        Send.objects.filter(campaign=campaign)
        .values("variant_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_variant: dict[int, dict[str, int]] = {}
    totals = dict.fromkeys(STATES, 0)
    for row in rows:
        per_variant.setdefault(row["variant_id"], dict.fromkeys(STATES, 0))[row["state"]] = row[
            "n"
        ]
        totals[row["state"]] += row["n"]
    return {"variants": per_variant, "totals": totals}


@policy(CAMPAIGN_READERS)
@require_GET
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    user = request.user
    variants = list(campaign.variants.select_related("template", "landing"))
    counts = _counts(campaign)
    preview = None
    if campaign.state in (
        Campaign.State.DRAFT,
        Campaign.State.AWAITING_APPROVAL,
        Campaign.State.APPROVED,
    ):
        preview = services.resolve_audience(campaign)
    in_doubt = []
    if counts["totals"][Send.State.IN_DOUBT] and not campaign.pseudonymous:
        in_doubt = list(
            Send.objects.filter(campaign=campaign, state=Send.State.IN_DOUBT)
            .order_by("pk")
            .values("email", "message_id", "error", "variant__label")[:100]
        )
        audit_record(
            actor=user,
            action="phishing.in_doubt_viewed",
            obj=campaign,
            data={"rows": len(in_doubt)},
        )
    can_change = selectors.is_operator(user) and selectors.can_change(user, campaign)
    return render(
        request,
        "phishing/campaign.html",
        {
            "campaign": campaign,
            "variants": [
                (v, counts["variants"].get(v.pk, dict.fromkeys(STATES, 0))) for v in variants
            ],
            "totals": counts["totals"],
            "preview": preview,
            "in_doubt": in_doubt,
            "needs_approval": services.needs_approval(campaign),
            "problems": services.launch_problems(campaign),
            "can_change": can_change,
            "can_approve": selectors.is_operator(user) and services.can_approve(user, campaign),
            "states": Send.State,
        },
    )


@policy(CAMPAIGN_READERS)
@require_GET
def campaign_status(request, pk):
    campaign = _campaign(request, pk)
    counts = _counts(campaign)
    labels = dict(campaign.variants.values_list("pk", "label"))
    return JsonResponse(
        {
            "state": campaign.state,
            "state_label": campaign.get_state_display(),
            "totals": counts["totals"],
            "variants": {labels[k]: v for k, v in counts["variants"].items() if k in labels},
        }
    )


ACTIONS = {
    "submit": (services.campaign_submit, _("Submitted for approval.")),
    "approve": (services.campaign_approve, _("Approved.")),
    "launch": (services.campaign_launch, _("Launched: sending has started.")),
    "pause": (services.campaign_pause, _("Paused.")),
    "resume": (services.campaign_resume, _("Resumed.")),
    "stop": (services.campaign_stop, _("Stopped: nothing more will be sent.")),
}


@policy(OPERATORS)
@require_POST
def campaign_action(request, pk, action):
    campaign = _campaign(request, pk)
    try:
        if action == "return":
            services.campaign_return(
                actor=request.user, campaign=campaign, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Returned to draft."))
        elif action == "test":
            services.test_send(actor=request.user, campaign=campaign)
            messages.success(
                request,
                _("A test message of each variant is on its way to %(email)s.")
                % {"email": request.user.email},
            )
        elif action in ACTIONS:
            service, done = ACTIONS[action]
            service(actor=request.user, campaign=campaign)
            messages.success(request, str(done))
        else:
            raise Http404
    except PermissionDenied:
        raise Http404
    except ValidationError as exc:
        _error(request, exc)
    return redirect("phishing:campaign", pk=campaign.pk)


# --- the library -----------------------------------------------------------------------------


def _library(request, model, template, extra=None):
    items = selectors.library_visible_to(request.user, model).select_related("organisation")
    return render(
        request,
        template,
        {"items": items, "operator": selectors.is_operator(request.user), **(extra or {})},
    )


@policy(TEMPLATE_READERS)
@require_GET
def templates(request):
    return _library(request, EmailTemplate, "phishing/templates.html")


@policy(OPERATORS)
@require_GET
def pages(request):
    return _library(request, LandingPage, "phishing/pages.html")


@policy(OPERATORS)
@require_GET
def profiles(request):
    return _library(request, SendingProfile, "phishing/profiles.html")


def _edit(request, pk, model, form_class, save, template_name, list_url, **extra):
    obj = (
        selectors.get_visible(selectors.library_visible_to(request.user, model), pk)
        if pk
        else model()
    )
    editable = selectors.is_operator(request.user) and (
        not pk or selectors.can_change(request.user, obj)
    )
    form = form_class(request.POST or None, instance=obj, user=request.user)
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST":
        if not editable:
            raise Http404
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = save(request.user, form)
            except PermissionDenied:
                raise Http404
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(list_url, pk=saved.pk)
    return render(
        request, template_name, {"form": form, "obj": obj, "editable": editable, **extra}
    )


@policy(TEMPLATE_READERS)
@require_http_methods(["GET", "POST"])
def template_edit(request, pk=None):
    return _edit(
        request,
        pk,
        EmailTemplate,
        TemplateForm,
        lambda actor, form: services.template_save(actor=actor, template=form.save()),
        "phishing/template_form.html",
        "phishing:template",
        placeholders=rendering.PLACEHOLDERS,
        can_sign_off=request.user.is_authenticated
        and selectors.access.has_role(request.user, Role.PLATFORM_ADMIN),
    )


@policy(TEMPLATE_READERS)
@xframe_options_sameorigin
@require_GET
def template_preview(request, pk):
    """The HTML body rendered for a sample person, served with a CSP sandbox (no scripts, no
    requests) and framed only by our own pages."""
    template = selectors.get_visible(selectors.library_visible_to(request.user, EmailTemplate), pk)
    sample = rendering.Addressee(
        email="ayesha.khan@example.gov.pk",
        full_name="Ayesha Khan",
        designation=_("Section Officer"),
    )
    context = rendering.context_for(sample, _("Ministry of Example Affairs"), "#")
    try:
        compiled = rendering.Compiled.of(template)
        if compiled.html:
            html = compiled.html.render(context)
        else:
            html = "<pre>" + escape(compiled.text.render(context)) + "</pre>"
    except ValidationError as exc:
        html = "<p>" + escape(" ".join(exc.messages)) + "</p>"
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    return response


@policy(any_role(Role.PLATFORM_ADMIN))
@require_POST
def template_sign_off(request, pk):
    template = selectors.get_visible(selectors.library_visible_to(request.user, EmailTemplate), pk)
    try:
        services.template_sign_off(actor=request.user, template=template)
        messages.success(request, _("Signed off: campaigns may use this template."))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("phishing:template", pk=template.pk)


@policy(OPERATORS)
@require_http_methods(["GET", "POST"])
def page_edit(request, pk=None):
    return _edit(
        request,
        pk,
        LandingPage,
        LandingForm,
        lambda actor, form: services.landing_save(actor=actor, page=form.save()),
        "phishing/page_form.html",
        "phishing:page",
    )


@policy(OPERATORS)
@require_http_methods(["GET", "POST"])
def profile_edit(request, pk=None):
    return _edit(
        request,
        pk,
        SendingProfile,
        ProfileForm,
        lambda actor, form: services.profile_save(
            actor=actor, profile=form.save(), password=form.new_password()
        ),
        "phishing/profile_form.html",
        "phishing:profile",
    )


@policy(OPERATORS)
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def variant_preview(request, pk):
    """A variant's landing page as the recipient would see it (from a test message)."""
    variant = selectors.get_visible(
        Variant.objects.filter(campaign__in=selectors.campaigns_visible_to(request.user)), pk
    )
    content = tracking.landing_content(variant.pk)
    stage = (
        "submitted" if request.method == "POST" else ("form" if content["has_form"] else "lesson")
    )
    with translation.override(content["language"]):
        return render(
            request,
            "phishing/landing.html",
            {
                "c": content,
                "stage": stage,
                "beacon": "",
                "submit": reverse("phishing:variant_preview", args=[variant.pk]),
                "preview": True,
                "rtl": content["language"] == "ur",
                "lesson": reverse("learning:course", args=[tracking.REMEDIAL_COURSE]),
            },
        )


@policy(OPERATORS)
@require_GET
def remedial_rules(request):
    rules = selectors.library_visible_to(request.user, RemedialRule).select_related(
        "organisation", "course"
    )
    counts = {
        (row["rule_id"], row["outcome"]): row["n"]
        for row in RemedialAssignment.objects.filter(rule__in=rules)
        .values("rule_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    }
    for rule in rules:
        rule.enrolled = counts.get((rule.pk, RemedialAssignment.Outcome.ENROLLED), 0)
        rule.held_back = counts.get((rule.pk, RemedialAssignment.Outcome.WITHIN_GAP), 0)
    return _library(request, RemedialRule, "phishing/remedial.html", {"rules": rules})


@policy(OPERATORS)
@require_http_methods(["GET", "POST"])
def remedial_rule_edit(request, pk=None):
    return _edit(
        request,
        pk,
        RemedialRule,
        RemedialRuleForm,
        lambda actor, form: remedial.rule_save(actor=actor, rule=form.save()),
        "phishing/remedial_form.html",
        "phishing:remedial_rule",
    )
