"""Reminders before a due date and when overdue: at most one of each kind per enrolment.

The Reminder row is claimed (inserted, unique per enrolment and kind) before the e-mail is
sent, so a worker that restarts — or a second worker — never sends the same reminder twice.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from hifazat.learning.models import Enrolment, Reminder

DAYS_BEFORE = 3


def due_reminders():
    """(enrolment, kind) pairs that are due now and not yet claimed."""
    today = timezone.localdate()
    active = Enrolment.objects.filter(
        status=Enrolment.Status.ACTIVE, due_date__isnull=False, person__is_active=True
    )
    soon = active.filter(
        due_date__gte=today, due_date__lte=today + timedelta(days=DAYS_BEFORE)
    ).exclude(reminders__kind=Reminder.Kind.BEFORE_DUE)
    late = active.filter(due_date__lt=today).exclude(reminders__kind=Reminder.Kind.OVERDUE)
    for kind, qs in ((Reminder.Kind.BEFORE_DUE, soon), (Reminder.Kind.OVERDUE, late)):
        for enrolment in qs.select_related("person", "version", "course")[:5000]:
            yield enrolment, kind


@task()
def send_due_reminders() -> int:
    sent = 0
    with get_connection() as connection:
        for enrolment, kind in due_reminders():
            try:
                with transaction.atomic():
                    reminder = Reminder.objects.create(enrolment=enrolment, kind=kind)
            except IntegrityError:
                continue  # another worker claimed it
            person = enrolment.person
            url = settings.SITE_URL + reverse("learning:course", args=[enrolment.course.slug])
            with translation.override(person.preferred_language):
                context = {"enrolment": enrolment, "person": person, "kind": kind, "url": url}
                subject = render_to_string("learning/email/reminder_subject.txt", context).strip()
                body = render_to_string("learning/email/reminder_message.txt", context)
            send_mail(subject, body, None, [person.email], connection=connection)
            Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now())
            sent += 1
    return sent
