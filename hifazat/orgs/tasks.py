"""Background work for people: invitation e-mails."""

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from hifazat.orgs.models import Person


@task()
def send_invitations(person_ids: list[int], inviter_id: int) -> int:
    """Send each person their invitation, in their preferred language, over one connection."""
    inviter = Person.objects.filter(pk=inviter_id).first()
    reset_url = settings.SITE_URL + reverse("account_reset_password")
    sent = 0
    with get_connection() as connection:
        for person in Person.objects.filter(pk__in=person_ids, is_active=True).select_related(
            "organisation"
        ):
            with translation.override(person.preferred_language):
                context = {
                    "person": person,
                    "inviter": inviter,
                    "reset_url": reset_url,
                    "site_url": settings.SITE_URL,
                }
                subject = render_to_string("orgs/email/invitation_subject.txt", context).strip()
                body = render_to_string("orgs/email/invitation_message.txt", context)
            send_mail(subject, body, None, [person.email], connection=connection)
            sent += 1
    return sent
