"""Training event pages: the programme manager's, the focal person's and head's, the
trainer's and the participant's. Every object is looked up through the scoping selectors
(404 outside a person's reach); every write goes through ``hifazat.events.services``."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hifazat.events import checkin, exports, selectors, services
from hifazat.events.forms import (
    CopyForm,
    DecisionForm,
    EventForm,
    FeedbackForm,
    NominateForm,
    PartnerForm,
    VenueForm,
)
from hifazat.events.models import Attendance, Event, EventDay, Feedback, Nomination, Partner, Venue
from hifazat.orgs import access
from hifazat.orgs.access import SIGNED_IN, any_role, policy
from hifazat.orgs.imports.readers import ImportFileError, iter_records, read_table
from hifazat.orgs.models import Person
from hifazat.orgs.roles import Role

MANAGERS = any_role(Role.PROGRAMME_MANAGER)
NOMINATORS = any_role(Role.PROGRAMME_MANAGER, Role.FOCAL_PERSON, Role.HEAD)
HEADS = any_role(Role.HEAD)
TRAINERS = any_role(Role.TRAINER, Role.PROGRAMME_MANAGER)
FEEDBACK_READERS = any_role(Role.TRAINER, Role.PROGRAMME_MANAGER, Role.AUDITOR)
MAX_UPLOAD = 2 * 1024 * 1024


def _error(request, exc) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))


@policy(SIGNED_IN)
@require_GET
def home(request):
    user = request.user
    events = (
        selectors.events_visible_to(user)
        .select_related("course", "partner", "venue")
        .prefetch_related("days")
        .annotate(seated=Count("nominations", filter=Q(nominations__status__in=Nomination.SEATED)))
    )
    show = request.GET.get("show", "upcoming")
    today = timezone.localdate()
    if show == "past":
        events = events.filter(
            status__in=[Event.Status.COMPLETED, Event.Status.CANCELLED]
        ).order_by("-nomination_opens")
    elif show == "drafts" and selectors.is_programme_manager(user):
        events = events.filter(status=Event.Status.DRAFT)
    else:
        show = "upcoming"
        events = events.filter(status=Event.Status.PUBLISHED).order_by("nomination_closes")
    mine = (
        Nomination.objects.filter(person=user)
        .exclude(status=Nomination.Status.WITHDRAWN)
        .select_related("event", "event__partner")
        .order_by("-created_at")[:20]
    )
    orgs = selectors.managed_orgs(user)
    rows = []
    for event in events[:100]:
        rows.append(
            {
                "event": event,
                "quotas": selectors.quota_usage(event, orgs)
                if orgs and not selectors.is_national_reader(user)
                else None,
            }
        )
    return render(
        request,
        "events/home.html",
        {
            "rows": rows,
            "show": show,
            "mine": mine,
            "today": today,
            "is_manager": selectors.is_programme_manager(user),
            "can_nominate": bool(orgs) or selectors.is_programme_manager(user),
        },
    )


def _nomination_counts(event) -> dict:
    return dict(
        event.nominations.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )


@policy(SIGNED_IN)
@require_GET
def detail(request, pk):
    user = request.user
    event = selectors.get_event_for_user(user, pk)
    orgs = selectors.managed_orgs(user)
    national = selectors.is_national_reader(user)
    nominations = (
        selectors.nominations_visible_to(user, event)
        .select_related("person", "person__organisation", "quota_organisation")
        .order_by("status", "created_at")
    )
    own = (
        Nomination.objects.filter(event=event, person=user)
        .exclude(status=Nomination.Status.WITHDRAWN)
        .first()
    )
    context = {
        "event": event,
        "days": list(event.days.all()),
        "quotas": selectors.quota_usage(event, None if national else orgs),
        "seats_taken": selectors.seats_taken(event),
        "counts": _nomination_counts(event) if national else None,
        "nominations": nominations
        if (national or orgs or selectors.is_trainer(user, event))
        else [],
        "own": own,
        "is_manager": selectors.is_programme_manager(user),
        "is_trainer": selectors.is_trainer(user, event),
        "can_nominate": event.nominations_open
        and (bool(orgs) or selectors.is_programme_manager(user))
        or (selectors.is_programme_manager(user) and event.status == Event.Status.PUBLISHED),
        "is_head": bool(access.scoped_organisations(user, Role.HEAD)),
        "decision_form": DecisionForm(),
        "copy_form": CopyForm(),
        "today": timezone.localdate(),
        "now": timezone.now(),
        "has_feedback": Feedback.objects.filter(nomination=own).exists() if own else False,
        "can_feedback": own is not None and services.can_give_feedback(user, own),
    }
    for nomination in context["nominations"]:
        nomination.withdrawable = services.can_withdraw(
            user, nomination
        ) and nomination.status in (
            Nomination.Status.PENDING_HEAD,
            Nomination.Status.PENDING,
            Nomination.Status.APPROVED,
            Nomination.Status.WAITLISTED,
        )
    return render(request, "events/detail.html", context)


@policy(MANAGERS)
@require_http_methods(["GET", "POST"])
def edit(request, pk=None):
    event = get_object_or_404(Event, pk=pk) if pk else Event()
    if event.status in (Event.Status.COMPLETED, Event.Status.CANCELLED):
        messages.error(request, _("A completed or cancelled event cannot be changed."))
        return redirect("events:detail", pk=event.pk)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_save(
                actor=request.user,
                event=form.save(commit=False),
                days=data["days_text"],
                quotas=data["quotas_text"],
                trainers=list(data["trainers"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Event saved."))
            return redirect("events:detail", pk=event.pk)
    return render(request, "events/form.html", {"form": form, "event": event})


@policy(MANAGERS)
@require_POST
def publish(request, pk):
    event = get_object_or_404(Event, pk=pk)
    try:
        services.event_publish(actor=request.user, event=event)
        messages.success(request, _("Published: focal persons can now nominate."))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("events:detail", pk=pk)


@policy(MANAGERS)
@require_POST
def cancel(request, pk):
    event = get_object_or_404(Event, pk=pk)
    try:
        services.event_cancel(
            actor=request.user, event=event, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Event cancelled; everyone nominated is told."))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("events:detail", pk=pk)


@policy(MANAGERS)
@require_POST
def copy(request, pk):
    event = get_object_or_404(Event, pk=pk)
    form = CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the first day of the new round."))
        return redirect("events:detail", pk=pk)
    new = services.event_copy(
        actor=request.user, event=event, first_date=form.cleaned_data["first_date"]
    )
    messages.success(request, _("A copy was made as a draft: check it, then publish."))
    return redirect("events:edit", pk=new.pk)


@policy(MANAGERS)
@require_POST
def complete(request, pk):
    event = get_object_or_404(Event, pk=pk)
    try:
        result = services.event_complete(actor=request.user, event=event)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("%(c)d completed, %(n)d did not complete. Feedback requests are on their way.")
            % {"c": len(result.completed), "n": len(result.not_completed)},
        )
    return redirect("events:detail", pk=pk)


# --- nominations -----------------------------------------------------------------------------


def _rows_from_form(request, form) -> tuple[list, bool]:
    """(label, person, problem) rows from the textarea or the uploaded file."""
    reachable = Person.objects.select_related("organisation")
    rows = []
    upload = form.cleaned_data.get("file")
    if upload:
        table = read_table(upload.read(), max_bytes=MAX_UPLOAD)
        records = list(iter_records(table, ["employee_number", "email"]))
        if not records:
            raise ImportFileError(_("The file has no rows."))
        keys = [(f"row {n}", (r["employee_number"] or r["email"]).strip()) for n, r in records]
        all_or_nothing = True
    else:
        keys = [
            (line.strip(), line.strip())
            for line in form.cleaned_data["people"].splitlines()
            if line.strip()
        ]
        all_or_nothing = False
    lookups = {k.lower() for _label, k in keys if k}
    found = {}
    for person in reachable.filter(
        Q(email__in=lookups) | Q(employee_number__in={k for _l, k in keys})
    ):
        found[person.email.lower()] = person
        found[person.employee_number.lower()] = person
    for label, key in keys:
        if not key:
            rows.append((label, None, _("No employee number or e-mail.")))
            continue
        person = found.get(key.lower())
        rows.append(
            (
                label if label == key else f"{label} ({key})",
                person,
                None if person else _("No such person in your organisations."),
            )
        )
    return rows, all_or_nothing


@policy(NOMINATORS)
@require_http_methods(["GET", "POST"])
def nominate(request, pk):
    event = selectors.get_event_for_user(request.user, pk)
    form = NominateForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            rows, all_or_nothing = _rows_from_form(request, form)
            result = services.nominate(
                actor=request.user, event=event, people=rows, all_or_nothing=all_or_nothing
            )
        except (ImportFileError, ValidationError) as exc:
            form.add_error(None, exc)
        else:
            if all_or_nothing and result.refused:
                messages.error(
                    request,
                    _("Nothing was nominated: correct the rows below and upload the file again."),
                )
    orgs = selectors.managed_orgs(request.user)
    return render(
        request,
        "events/nominate.html",
        {
            "event": event,
            "form": form,
            "result": result,
            "quotas": selectors.quota_usage(
                event, None if selectors.is_national_reader(request.user) else orgs
            ),
        },
    )


def _selected(request, event) -> list[Nomination]:
    ids = [int(i) for i in request.POST.getlist("nomination") if i.isdigit()]
    visible = selectors.nominations_visible_to(request.user, event).filter(pk__in=ids)
    order = {pk: i for i, pk in enumerate(ids)}
    return sorted(visible, key=lambda n: order[n.pk])


@policy(MANAGERS)
@require_POST
def decide(request, pk):
    event = get_object_or_404(Event, pk=pk)
    form = DecisionForm(request.POST)
    chosen = _selected(request, event)
    if not form.is_valid() or not chosen:
        messages.error(request, _("Choose nominations and a decision."))
        return redirect("events:detail", pk=pk)
    try:
        result = services.nominations_decide(
            actor=request.user,
            event=event,
            nominations=chosen,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        _error(request, exc)
        return redirect("events:detail", pk=pk)
    messages.success(
        request,
        _("%(a)d approved, %(w)d waitlisted, %(r)d rejected.")
        % {"a": len(result.approved), "w": len(result.waitlisted), "r": len(result.rejected)},
    )
    for nomination, why in result.skipped:
        messages.warning(request, f"{nomination.person.full_name}: {why}")
    return redirect("events:detail", pk=pk)


@policy(HEADS)
@require_POST
def head_approve(request, pk):
    event = selectors.get_event_for_user(request.user, pk)
    chosen = _selected(request, event)
    try:
        n = services.nominations_head_approve(actor=request.user, nominations=chosen)
    except PermissionDenied:
        raise Http404
    messages.success(request, _("%(n)d sent on to the programme manager.") % {"n": n})
    return redirect("events:detail", pk=pk)


@policy(SIGNED_IN)
@require_POST
def withdraw(request, pk):
    nomination = selectors.get_nomination_for_user(request.user, pk)
    try:
        services.nomination_withdraw(
            actor=request.user, nomination=nomination, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Nomination withdrawn."))
    except PermissionDenied:
        raise Http404
    except ValidationError as exc:
        _error(request, exc)
    return redirect("events:detail", pk=nomination.event_id)


# --- attendance ------------------------------------------------------------------------------


def _trainer_day(request, pk, day) -> tuple[Event, EventDay]:
    event = selectors.get_event_for_user(request.user, pk)
    if not services.can_mark_attendance(request.user, event):
        raise Http404
    return event, get_object_or_404(EventDay, pk=day, event=event)


@policy(TRAINERS)
@require_http_methods(["GET", "POST"])
def attendance(request, pk, day):
    event, day = _trainer_day(request, pk, day)
    roster = list(
        Nomination.objects.filter(event=event, status__in=Nomination.SEATED)
        .select_related("person", "person__organisation")
        .order_by("person__full_name")
    )
    marks = {a.nomination_id: a for a in Attendance.objects.filter(day=day)}
    if request.method == "POST":
        wanted = {
            n.pk: request.POST.get(f"mark-{n.pk}")
            for n in roster
            if request.POST.get(f"mark-{n.pk}")
        }
        try:
            services.attendance_mark(actor=request.user, day=day, marks=wanted)
            messages.success(request, _("Attendance saved."))
            return redirect("events:attendance", pk=event.pk, day=day.pk)
        except ValidationError as exc:
            _error(request, exc)
    for nomination in roster:
        nomination.mark = marks.get(nomination.pk)
    return render(
        request,
        "events/attendance.html",
        {"event": event, "day": day, "roster": roster, "statuses": Attendance.Status.choices},
    )


@policy(TRAINERS)
@never_cache
@require_GET
def checkin_screen(request, pk, day):
    event, day = _trainer_day(request, pk, day)
    return render(
        request,
        "events/checkin_screen.html",
        {"event": event, "day": day, "period": checkin.PERIOD},
    )


@policy(TRAINERS)
@never_cache
@require_GET
def checkin_qr(request, pk, day):
    """The current code as an SVG QR image (the screen reloads it every few seconds)."""
    _event, day = _trainer_day(request, pk, day)
    url = settings.SITE_URL + reverse("events:checkin", args=[day.pk, checkin.current_code(day)])
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@policy(SIGNED_IN)
@never_cache
@require_http_methods(["GET", "POST"])
def checkin_self(request, day, code):
    """The page a participant's phone opens from the QR code. Checking in needs a press of a
    button (POST): link previews and prefetching cannot check anyone in."""
    day = get_object_or_404(EventDay.objects.select_related("event"), pk=day)
    if not checkin.authentic(day, code):
        raise Http404  # a made-up code learns nothing, not even the event's name
    record, problem = None, checkin.verify(day, code)
    if request.method == "POST" and problem is None:
        try:
            record = services.check_in(actor=request.user, day=day, code=code)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    status = 200 if problem is None else 400
    return render(
        request,
        "events/checkin_self.html",
        {"day": day, "event": day.event, "problem": problem, "record": record, "code": code},
        status=status,
    )


# --- feedback --------------------------------------------------------------------------------


@policy(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def feedback(request, pk):
    nomination = (
        Nomination.objects.filter(event_id=pk, person=request.user)
        .exclude(status=Nomination.Status.WITHDRAWN)
        .select_related("event")
        .first()
    )
    if nomination is None or not services.can_give_feedback(request.user, nomination):
        raise Http404
    if Feedback.objects.filter(nomination=nomination).exists():
        return render(request, "events/feedback.html", {"event": nomination.event, "done": True})
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_submit(
                actor=request.user,
                nomination=nomination,
                ratings={k: data[k] for k in Feedback.RATINGS},
                comment=data["comment"],
            )
            messages.success(request, _("Thank you for your feedback."))
            return redirect("events:detail", pk=pk)
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(request, "events/feedback.html", {"event": nomination.event, "form": form})


@policy(FEEDBACK_READERS)
@require_GET
def feedback_results(request, pk):
    event = selectors.get_event_for_user(request.user, pk)
    if not (
        selectors.is_national_reader(request.user) or selectors.is_trainer(request.user, event)
    ):
        raise Http404
    answers = Feedback.objects.filter(nomination__event=event)
    summary = answers.aggregate(n=Count("pk"), **{k: Avg(k) for k in Feedback.RATINGS})
    distribution = {
        k: [answers.filter(**{k: score}).count() for score in range(1, 6)]
        for k in Feedback.RATINGS
    }
    labels = {k: Feedback._meta.get_field(k).verbose_name for k in Feedback.RATINGS}
    comments = list(answers.exclude(comment="").order_by("?").values_list("comment", flat=True))
    rows = [
        {"label": labels[k], "average": summary[k], "counts": distribution[k]}
        for k in Feedback.RATINGS
    ]
    return render(
        request,
        "events/feedback_results.html",
        {"event": event, "n": summary["n"], "rows": rows, "comments": comments},
    )


# --- exports ---------------------------------------------------------------------------------


@policy(SIGNED_IN)
@require_GET
def export(request, pk, what, fmt):
    event = selectors.get_event_for_user(request.user, pk)
    if what not in exports.KINDS or fmt not in ("csv", "xlsx", "pdf"):
        raise Http404
    if what in ("roster", "attendance") and not selectors.can_see_roster(request.user, event):
        raise Http404
    return exports.respond(request, event, what, fmt)


# --- partners and venues ---------------------------------------------------------------------


def _simple_register(request, model, form_class, template, action):
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.register_save(actor=request.user, obj=form.save(commit=False), action=action)
        messages.success(request, _("Saved."))
        return redirect(request.path)
    return render(request, template, {"form": form, "items": model.objects.all()})


@policy(MANAGERS)
@require_http_methods(["GET", "POST"])
def partners(request):
    return _simple_register(
        request, Partner, PartnerForm, "events/partners.html", "partner.created"
    )


@policy(MANAGERS)
@require_http_methods(["GET", "POST"])
def venues(request):
    return _simple_register(request, Venue, VenueForm, "events/venues.html", "venue.created")
