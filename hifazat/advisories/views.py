"""Advisory pages. Reading goes through the TLP policy (``hifazat.advisories.policy``) —
a refused signed-in person gets 404, an anonymous one the sign-in page — and every write
through ``hifazat.advisories.services``. Views and downloads of AMBER and above are audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hifazat.advisories import policy, services
from hifazat.advisories.forms import AdvisoryForm, ExtensionForm, OutcomeForm
from hifazat.advisories.models import (
    TLP_RANK,
    Advisory,
    Attachment,
    Delivery,
    Evidence,
    MeasureResponse,
    Recipient,
    Revision,
    Tlp,
    stricter,
)
from hifazat.audit.services import audit_record
from hifazat.lib.spreadsheets import csv_stream, xlsx_bytes
from hifazat.orgs import access
from hifazat.orgs.access import OPEN_WITH_SIGN_IN, SIGNED_IN, any_role
from hifazat.orgs.access import policy as route_policy
from hifazat.orgs.models import Organisation
from hifazat.orgs.roles import Role

AUTHORS = any_role(Role.ADVISORY_AUTHOR)
TEAM = any_role(*policy.TEAM_ROLES)
COMPLIANCE = any_role(*policy.TEAM_ROLES, Role.PROGRAMME_MANAGER)


def _error(request, exc) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))


def _audit_read(request, advisory: Advisory, what: str, label: str | None = None) -> None:
    """Views and downloads of AMBER and above are recorded."""
    if TLP_RANK[stricter(label, advisory.published_tlp or advisory.tlp)] >= TLP_RANK[Tlp.AMBER]:
        audit_record(
            actor=request.user, action=f"advisory.{what}", obj=advisory, data={"tlp": advisory.tlp}
        )


def _visible_to_anonymous_or_login(request, advisory_id) -> Advisory:
    """404 for a refused signed-in person; the sign-in page for an anonymous one."""
    try:
        return policy.get_advisory_for_user(request.user, advisory_id)
    except Http404:
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            raise _LoginRedirect(redirect_to_login(request.get_full_path()))
        raise


class _LoginRedirect(Exception):
    def __init__(self, response):
        self.response = response


def _login_or(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _LoginRedirect as redirect_:
            return redirect_.response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@route_policy(OPEN_WITH_SIGN_IN)
@require_GET
def home(request):
    """Published advisories the person may see (anyone: TLP:CLEAR), searchable; their
    organisation's to-do list; the issuer team's drafts."""
    user = request.user
    q = request.GET.get("q", "").strip()[:100]
    advisories = (
        policy.visible_advisories(user).filter(live__isnull=False).select_related("issuer", "live")
    )
    if q:
        # the published title, never the working copy's (a revision in draft)
        advisories = advisories.filter(
            Q(live__snapshot__title__icontains=q) | Q(tracking_id__icontains=q)
        )
    context = {"advisories": advisories.order_by("-live__published_at")[:200], "q": q}
    if user.is_authenticated:
        now = timezone.now()
        to_act = list(
            policy.recipients_for(user)
            .select_related("advisory__live", "organisation")
            .order_by("act_due")[:200]
        )
        for r in to_act:
            r.late = r.overdue(now)
        context["to_act"] = [r for r in to_act if r.state not in Recipient.FINAL or r.late]
        context["drafts"] = (
            Advisory.objects.filter(issuer_id__in=policy.issuer_ids(user))
            .exclude(
                state__in=[
                    Advisory.State.PUBLISHED,
                    Advisory.State.WITHDRAWN,
                    Advisory.State.SUPERSEDED,
                ]
            )
            .order_by("-updated_at")
        )
        context["notices"] = (
            Delivery.objects.filter(
                person=user, channel=Delivery.Channel.APP, read_at__isnull=True
            )
            .select_related("recipient__advisory__live")
            .order_by("-created_at")[:10]
        )
        context["can_author"] = access.has_role(user, Role.ADVISORY_AUTHOR)
        context["is_team"] = bool(policy.issuer_ids(user))
    return render(request, "advisories/home.html", context)


def _form_parts(form) -> services.Parts:
    d = form.cleaned_data
    return services.Parts(
        measures=d["measures_text"],
        indicators=d.get("indicators", []),
        vulnerabilities=d["vulnerabilities_text"],
        products=d["products_text"],
        references=d["references_text"],
    )


@route_policy(AUTHORS)
@require_http_methods(["GET", "POST"])
def edit(request, pk=None):
    advisory = Advisory() if pk is None else get_object_or_404(Advisory, pk=pk)
    if pk is not None and not policy.is_team(request.user, advisory, Role.ADVISORY_AUTHOR):
        raise Http404
    form = AdvisoryForm(request.POST or None, instance=advisory, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            advisory = services.advisory_save(
                actor=request.user,
                advisory=form.save(commit=False),
                parts=_form_parts(form),
                organisations=form.cleaned_data["organisations"],
                people=form.cleaned_data["people_text"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else _("Not allowed."))
        else:
            messages.success(request, _("Saved."))
            return redirect("advisories:detail", pk=advisory.pk)
    return render(request, "advisories/form.html", {"form": form, "advisory": advisory})


@route_policy(OPEN_WITH_SIGN_IN)
@require_GET
@_login_or
def detail(request, pk):
    advisory = _visible_to_anonymous_or_login(request, pk)
    user = request.user
    team = user.is_authenticated and policy.is_team(user, advisory)
    snapshot = advisory.live.snapshot if advisory.live_id else None
    context = {"advisory": advisory, "team": team, "s": snapshot}
    if user.is_authenticated:  # hands-on labs that practise acting on this advisory
        from hifazat.labs.models import Lab

        context["labs"] = list(
            Lab.objects.filter(active=True, advisory_title=advisory.title).only("slug", "title")
        )
    if snapshot:
        context["indicators"] = policy.allowed_parts(user, advisory, snapshot["indicators"])
        context["attachments"] = policy.allowed_parts(user, advisory, snapshot["attachments"])
        context["hidden_parts"] = (
            len(snapshot["indicators"])
            + len(snapshot["attachments"])
            - len(context["indicators"])
            - len(context["attachments"])
        )
        context["revisions"] = advisory.revisions.select_related("published_by").order_by(
            "-number"
        )
        _audit_read(request, advisory, "viewed")
    if user.is_authenticated:
        mine = list(policy.recipients_for(user).filter(advisory=advisory))
        for r in mine:
            services.recipient_viewed(actor=user, recipient=r)
            r.refresh_from_db(fields=["state", "first_viewed_at", "first_viewed_by"])
        Delivery.objects.filter(
            person=user,
            channel=Delivery.Channel.APP,
            recipient__advisory=advisory,
            read_at__isnull=True,
        ).update(read_at=timezone.now())
        context["mine"] = mine
    if team:
        context.update(
            {
                "can": {
                    "edit": advisory.state == Advisory.State.DRAFT
                    and policy.is_team(user, advisory, Role.ADVISORY_AUTHOR),
                    "submit": advisory.state == Advisory.State.DRAFT
                    and policy.is_team(user, advisory, Role.ADVISORY_AUTHOR),
                    "review": advisory.state == Advisory.State.IN_REVIEW
                    and policy.is_team(user, advisory, Role.ADVISORY_REVIEWER),
                    "publish": advisory.state == Advisory.State.APPROVED
                    and policy.is_team(user, advisory, Role.ADVISORY_PUBLISHER),
                    "revise": advisory.state == Advisory.State.PUBLISHED
                    and policy.is_team(user, advisory, Role.ADVISORY_AUTHOR),
                    "withdraw": advisory.state == Advisory.State.PUBLISHED
                    and policy.is_team(user, advisory, Role.ADVISORY_PUBLISHER),
                },
                "working": advisory,
            }
        )
    context["compliance"] = user.is_authenticated and policy.sees_compliance(user, advisory)
    if snapshot:
        from hifazat.advisories.exchange.views import verify_snippet

        context["exports"] = snapshot["tlp"] != Tlp.RED
        context.update(verify_snippet(advisory))
    return render(request, "advisories/detail.html", context)


@route_policy(TEAM)
@require_POST
def workflow(request, pk, action):
    advisory = get_object_or_404(Advisory, pk=pk)
    if not policy.is_team(request.user, advisory):
        raise Http404
    actor, note = request.user, request.POST.get("note", "")
    try:
        if action == "submit":
            services.advisory_submit(actor=actor, advisory=advisory)
        elif action == "approve":
            services.advisory_review(actor=actor, advisory=advisory, approve=True, note=note)
        elif action == "return":
            services.advisory_review(actor=actor, advisory=advisory, approve=False, note=note)
        elif action == "publish":
            services.advisory_publish(actor=actor, advisory=advisory)
        elif action == "revise":
            services.advisory_start_revision(actor=actor, advisory=advisory, note=note)
        elif action == "withdraw":
            other = None
            if request.POST.get("superseded_by"):
                other = Advisory.objects.filter(
                    tracking_id=request.POST["superseded_by"].strip()
                ).first()
                if other is None:
                    raise ValidationError(_("No advisory has that tracking id."))
            services.advisory_withdraw(
                actor=actor, advisory=advisory, reason=note, superseded_by=other
            )
        else:
            raise Http404
    except PermissionDenied as exc:
        messages.error(
            request,
            str(exc)
            or _("Not allowed: the workflow keeps the author, approver and publisher apart."),
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect("advisories:detail", pk=pk)


@route_policy(OPEN_WITH_SIGN_IN)
@require_GET
@_login_or
def revision(request, pk, number):
    advisory = _visible_to_anonymous_or_login(request, pk)
    rev = get_object_or_404(Revision, advisory=advisory, number=number)
    # an older revision may have carried a stricter label: the stricter one applies
    if not policy.can_view(request.user, advisory, rev.snapshot["tlp"]):
        raise Http404
    s = rev.snapshot
    context = {
        "advisory": advisory,
        "s": s,
        "rev": rev,
        "indicators": policy.allowed_parts(request.user, advisory, s["indicators"]),
        "attachments": [],
        "old": True,
    }
    _audit_read(request, advisory, "viewed", s["tlp"])
    return render(request, "advisories/revision.html", context)


@route_policy(OPEN_WITH_SIGN_IN)
@require_GET
@_login_or
def attachment(request, pk, attachment_id):
    advisory = _visible_to_anonymous_or_login(request, pk)
    item = get_object_or_404(Attachment, pk=attachment_id, advisory=advisory)
    published = (
        {a["id"] for a in advisory.live.snapshot["attachments"]} if advisory.live_id else set()
    )
    team = request.user.is_authenticated and policy.is_team(request.user, advisory)
    if not team and (
        item.pk not in published or not policy.can_view(request.user, advisory, item.tlp or None)
    ):
        raise Http404
    _audit_read(request, advisory, "attachment_downloaded", item.tlp or None)
    response = FileResponse(
        item.file.open("rb"), content_type=item.mime, as_attachment=True, filename=item.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@route_policy(AUTHORS)
@require_POST
def attachment_add(request, pk):
    advisory = get_object_or_404(Advisory, pk=pk)
    if not policy.is_team(request.user, advisory, Role.ADVISORY_AUTHOR):
        raise Http404
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
    else:
        try:
            services.attachment_add(
                actor=request.user,
                advisory=advisory,
                upload=upload,
                tlp=request.POST.get("tlp", ""),
            )
            messages.success(
                request, _("Attachment added: it is published with the next revision.")
            )
        except ValidationError as exc:
            _error(request, exc)
    return redirect("advisories:detail", pk=pk)


# --- the recipient's workspace ---------------------------------------------------------------


@route_policy(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def response(request, pk):
    recipient = policy.get_recipient_for_user(request.user, pk)
    advisory = recipient.advisory
    user = request.user
    responder = policy.answers_for(user, recipient)
    issuer = policy.is_team(user, advisory)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "acknowledge":
                services.acknowledge(actor=user, recipient=recipient)
            elif action == "measure":
                services.measure_respond(
                    actor=user,
                    recipient=recipient,
                    number=int(request.POST.get("number", "0") or 0),
                    status=request.POST.get("status", ""),
                    note=request.POST.get("note", ""),
                    justification=request.POST.get("justification", ""),
                )
            elif action == "evidence":
                upload = request.FILES.get("file")
                if upload is None:
                    raise ValidationError(_("Choose a file."))
                services.evidence_add(
                    actor=user,
                    recipient=recipient,
                    number=int(request.POST.get("number", "0") or 0),
                    upload=upload,
                )
            elif action == "submit":
                form = OutcomeForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose an outcome."))
                services.report_submit(
                    actor=user,
                    recipient=recipient,
                    outcome=form.cleaned_data["outcome"],
                    justification=form.cleaned_data["justification"],
                )
            elif action == "head_approve":
                services.cannot_comply_approve(actor=user, recipient=recipient)
            elif action in ("verify", "return"):
                services.report_verify(
                    actor=user,
                    recipient=recipient,
                    accept=action == "verify",
                    message=request.POST.get("message", ""),
                )
            elif action == "message":
                services.message_post(
                    actor=user, recipient=recipient, body=request.POST.get("message", "")
                )
            elif action == "extension":
                form = ExtensionForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Give a date and a reason."))
                services.extension_request(
                    actor=user,
                    recipient=recipient,
                    until=form.cleaned_data["until"],
                    reason=form.cleaned_data["reason"],
                )
            elif action in ("grant", "refuse"):
                services.extension_decide(actor=user, recipient=recipient, grant=action == "grant")
            else:
                raise ValidationError(_("Unknown action."))
        except PermissionDenied:
            raise Http404
        except (ValidationError, ValueError) as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("advisories:response", pk=pk)
    if responder:
        services.recipient_viewed(actor=user, recipient=recipient)
    recipient.refresh_from_db()
    s = advisory.live.snapshot
    responses = {r.measure_number: r for r in recipient.responses.prefetch_related("evidence")}
    measures = [{**m, "response": responses.get(m["number"])} for m in s["measures"]]
    _audit_read(request, advisory, "response_viewed")
    return render(
        request,
        "advisories/response.html",
        {
            "recipient": recipient,
            "advisory": advisory,
            "s": s,
            "measures": measures,
            "responder": responder,
            "issuer": issuer,
            "is_head": services.is_head_of(user, recipient),
            "statuses": MeasureResponse.Status.choices,
            "outcome_form": OutcomeForm(),
            "extension_form": ExtensionForm(),
            "thread": recipient.messages.select_related("author"),
            "late": recipient.overdue(),
            "editable": responder
            and recipient.acknowledged_at
            and recipient.state not in Recipient.FINAL
            and recipient.state != Recipient.State.AWAITING_HEAD,
        },
    )


@route_policy(SIGNED_IN)
@require_GET
def evidence(request, pk):
    item = get_object_or_404(
        Evidence.objects.select_related("response__recipient__advisory"), pk=pk
    )
    recipient = policy.get_recipient_for_user(request.user, item.response.recipient_id)
    audit_record(
        actor=request.user,
        action="advisory.evidence_downloaded",
        obj=recipient.advisory,
        data={"evidence": item.pk},
    )
    response = FileResponse(
        item.file.open("rb"), content_type=item.mime, as_attachment=True, filename=item.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- compliance ------------------------------------------------------------------------------


def _compliance_rows(advisory: Advisory):
    now = timezone.now()
    rows = list(
        advisory.recipients.select_related("organisation", "person", "acknowledged_by").order_by(
            "organisation__name", "person__full_name"
        )
    )
    for r in rows:
        r.late = r.overdue(now)
        r.hours_to_ack = (
            round((r.acknowledged_at - advisory.live.published_at).total_seconds() / 3600, 1)
            if r.acknowledged_at and advisory.live_id
            else None
        )
    return rows


@route_policy(COMPLIANCE)
@require_GET
def compliance(request, pk):
    advisory = get_object_or_404(Advisory.objects.select_related("live", "issuer"), pk=pk)
    if advisory.live_id is None or not policy.sees_compliance(request.user, advisory):
        raise Http404
    rows = _compliance_rows(advisory)
    counts = {}
    for r in rows:
        counts[r.get_state_display()] = counts.get(r.get_state_display(), 0) + 1
    acked = [r.hours_to_ack for r in rows if r.hours_to_ack is not None]
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        header = [
            _("Organisation or person"),
            _("State"),
            _("Acknowledged"),
            _("Hours to acknowledge"),
            _("Act by"),
            _("Overdue"),
        ]
        data = [
            [
                str(r.organisation.name if r.organisation_id else r.person.full_name),
                r.get_state_display(),
                timezone.localtime(r.acknowledged_at).strftime("%Y-%m-%d %H:%M")
                if r.acknowledged_at
                else "",
                r.hours_to_ack if r.hours_to_ack is not None else "",
                timezone.localtime(r.act_due).strftime("%Y-%m-%d"),
                r.late or "",
            ]
            for r in rows
        ]
        audit_record(
            actor=request.user,
            action="advisory.compliance_exported",
            obj=advisory,
            data={"format": fmt, "rows": len(data)},
        )
        name = f"{advisory.tracking_id}-compliance.{fmt}"
        if fmt == "csv":
            out = StreamingHttpResponse(
                csv_stream(header, data), content_type="text/csv; charset=utf-8"
            )
        else:
            out = HttpResponse(
                xlsx_bytes("Compliance", header, data),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        out["Content-Disposition"] = f'attachment; filename="{name}"'
        return out
    return render(
        request,
        "advisories/compliance.html",
        {
            "advisory": advisory,
            "rows": rows,
            "counts": sorted(counts.items()),
            "overdue": [r for r in rows if r.late],
            "median_ack": sorted(acked)[len(acked) // 2] if acked else None,
            "issuer": policy.is_team(request.user, advisory),
        },
    )


@route_policy(SIGNED_IN)
@require_GET
def organisation(request, code):
    """One organisation's advisories and states: for the issuer team and programme managers,
    and for the organisation's own focal persons and heads (others see it only in aggregate)."""
    org = get_object_or_404(Organisation, code=code)
    user = request.user
    own = any(
        a.role in policy.RESPONDER_ROLES and a.organisation_id == org.pk
        for a in access.current_assignments(user)
    )
    national = access.has_role(user, Role.PROGRAMME_MANAGER) or bool(policy.issuer_ids(user))
    if not (own or national):
        raise Http404
    now = timezone.now()
    rows = list(
        Recipient.objects.filter(organisation=org, advisory__live__isnull=False)
        .select_related("advisory__live")
        .order_by("-advisory__live__published_at")
    )
    if not own:  # the issuer team sees their own advisories; a manager what TLP allows
        rows = [r for r in rows if policy.sees_compliance(user, r.advisory)]
    for r in rows:
        r.late = r.overdue(now)
    summary = Recipient.objects.filter(organisation=org).values("state").annotate(n=Count("id"))
    return render(
        request, "advisories/organisation.html", {"org": org, "rows": rows, "summary": summary}
    )


@route_policy(TEAM)
@require_http_methods(["GET", "POST"])
def sharing_groups(request, pk=None):
    """Named audiences for advisories, kept by the issuers' teams."""
    from hifazat.advisories.forms import SharingGroupForm
    from hifazat.advisories.models import SharingGroup

    group = get_object_or_404(SharingGroup, pk=pk) if pk else SharingGroup()
    form = SharingGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        try:
            services.sharing_group_save(
                actor=request.user,
                group=form.save(commit=False),
                organisations=list(form.cleaned_data["organisations"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("advisories:sharing_groups")
    groups = SharingGroup.objects.annotate(n=Count("organisations")).order_by("name")
    return render(
        request, "advisories/sharing_groups.html", {"form": form, "groups": groups, "group": group}
    )
