"""E-mail to nominees at each step, sent by the worker, in each person's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from hifazat.events import ics
from hifazat.events.models import Nomination

# Which steps carry a calendar file, and with which iTIP method.
CALENDAR = {
    "approved": "REQUEST",
    "updated": "REQUEST",
    "withdrawn": "CANCEL",
    "cancelled": "CANCEL",
}
KINDS = {
    "nominated",
    "head_approved",
    "approved",
    "waitlisted",
    "rejected",
    "withdrawn",
    "updated",
    "cancelled",
    "feedback",
}


@task()
def send_nomination_emails(kind: str, nomination_ids: list[int]) -> int:
    if kind not in KINDS:
        raise ValueError(kind)
    sent = 0
    nominations = Nomination.objects.filter(pk__in=nomination_ids).select_related(
        "person", "event__course", "event__partner", "event__venue", "nominated_by"
    )
    with get_connection() as connection:
        for nomination in nominations:
            message = build_message(kind, nomination)
            if message is None:
                continue
            message.connection = connection
            message.send()
            sent += 1
    return sent


def build_message(kind: str, nomination: Nomination) -> EmailMessage | None:
    person, event = nomination.person, nomination.event
    method = CALENDAR.get(kind)
    if kind == "withdrawn" and nomination.decided_at is None:
        method = None  # never confirmed: nothing in their calendar to cancel
    if not person.is_active:
        return None
    with translation.override(person.preferred_language):
        context = {
            "kind": kind,
            "nomination": nomination,
            "person": person,
            "event": event,
            "days": list(event.days.all()),
            "location": ics.location_text(event),
            "event_url": settings.SITE_URL + reverse("events:detail", args=[event.pk]),
            "feedback_url": settings.SITE_URL + reverse("events:feedback", args=[event.pk]),
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("events/email/subject.txt", context).strip()
        body = render_to_string("events/email/message.txt", context)
    message = EmailMessage(subject, body, None, [person.email])
    if method:
        message.attach(
            "invitation.ics" if method == "REQUEST" else "cancellation.ics",
            ics.invitation(nomination, method),
            f"text/calendar; method={method}; charset=UTF-8",
        )
    return message
