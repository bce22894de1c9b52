"""Background work for advisories: delivering e-mail, and reminders and escalations as
deadlines pass. Every message is a row claimed before it is sent, so a restarted or second
worker never sends it twice (at most once; a crash mid-send leaves the row 'sending', visible)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from hifazat.advisories import policy
from hifazat.advisories.models import Advisory, Delivery, Escalation, Recipient
from hifazat.orgs.models import RoleAssignment
from hifazat.orgs.roles import Role

SOON = timedelta(hours=24)  # a reminder this long before a deadline
TO_ISSUER_AFTER = timedelta(days=3)  # escalate to the issuer this long after a missed deadline


def _claim(delivery_id: int) -> bool:
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.SENDING, attempts=1
        )
    )


def advisory_email(
    advisory: Advisory, person, kind: str = "published", extra: str = ""
) -> EmailMessage:
    """The TLP label starts the subject and the body; AMBER and above carry only a link."""
    snapshot = advisory.live.snapshot
    label = f"TLP:{snapshot['tlp']}"
    with translation.override(person.preferred_language):
        context = {
            "label": label,
            "s": snapshot,
            "person": person,
            "kind": kind,
            "extra": extra,
            "full_text": policy.email_carries_text(snapshot["tlp"]),
            "url": settings.SITE_URL + reverse("advisories:detail", args=[advisory.pk]),
            "parts": [i for i in snapshot["indicators"] if not i.get("tlp")],
        }
        subject = render_to_string("advisories/email/subject.txt", context).strip()
        body = render_to_string("advisories/email/message.txt", context)
    return EmailMessage(f"[{label}] {subject}", f"{label}\n\n{body}", None, [person.email])


@task()
def deliver(advisory_id: int) -> int:
    sent = 0
    advisory = Advisory.objects.select_related("live").get(pk=advisory_id)
    queued = Delivery.objects.filter(
        recipient__advisory_id=advisory_id,
        channel=Delivery.Channel.EMAIL,
        status=Delivery.Status.QUEUED,
    ).select_related("person")
    with get_connection() as connection:
        for delivery in queued:
            if not _claim(delivery.pk):
                continue  # another worker has it
            try:
                message = advisory_email(advisory, delivery.person, delivery.kind)
                message.connection = connection
                message.send()
            except Exception as exc:  # recorded, not retried blindly
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.FAILED, error=str(exc)[:300]
                )
                continue
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.SENT, sent_at=timezone.now()
            )
            sent += 1
    return sent


@task()
def deliver_queued() -> int:
    ids = set(
        Delivery.objects.filter(
            channel=Delivery.Channel.EMAIL, status=Delivery.Status.QUEUED
        ).values_list("recipient__advisory_id", flat=True)
    )
    return sum(deliver.call(advisory_id=i) for i in ids)


def _heads(recipient: Recipient) -> list:
    org = recipient.organisation or recipient.person.organisation
    ids = [int(p) for p in org.path.strip("/").split("/") if p]
    return [
        a.person
        for a in RoleAssignment.objects.current()
        .filter(role=Role.HEAD, organisation_id__in=ids, person__is_active=True)
        .select_related("person")
    ]


def _issuer_team(advisory: Advisory) -> list:
    return [
        a.person
        for a in RoleAssignment.objects.current()
        .filter(
            role__in=policy.TEAM_ROLES, organisation_id=advisory.issuer_id, person__is_active=True
        )
        .select_related("person")
    ]


def steps_due(recipient: Recipient, now) -> list[str]:
    """Which reminders and escalations this recipient has earned by ``now``."""
    S = Escalation.Step
    due = []
    if recipient.state in Recipient.BEFORE_ACK:
        if now >= recipient.ack_due - SOON:
            due.append(S.ACK_SOON)
        if now > recipient.ack_due:
            due.append(S.ACK_OVERDUE)
        if now > recipient.ack_due + TO_ISSUER_AFTER:
            due.append(S.ACK_ISSUER)
    elif recipient.state not in Recipient.FINAL:
        if now >= recipient.act_due - SOON:
            due.append(S.ACT_SOON)
        if now > recipient.act_due:
            due.append(S.ACT_OVERDUE)
        if now > recipient.act_due + TO_ISSUER_AFTER:
            due.append(S.ACT_ISSUER)
    return due


@task()
def send_deadline_notices() -> int:
    """Reminders to the people who answer, then the head, then the issuer — each step once."""
    from hifazat.advisories.services import responders

    now = timezone.now()
    sent = 0
    open_rows = (
        Recipient.objects.filter(
            advisory__live__isnull=False, advisory__state=Advisory.State.PUBLISHED
        )
        .exclude(state__in=Recipient.FINAL)
        .filter(ack_due__lte=now + SOON)
        .select_related("advisory__live", "organisation", "person__organisation")
    )
    with get_connection() as connection:
        for recipient in open_rows:
            for step in steps_due(recipient, now):
                try:
                    with transaction.atomic():
                        claim = Escalation.objects.create(recipient=recipient, step=step)
                except IntegrityError:
                    continue  # already sent (or being sent by another worker)

                # only people the TLP policy lets see the advisory are told about it
                def allowed(people, advisory=recipient.advisory):
                    return [p for p in people if policy.can_view(p, advisory)]

                if step.endswith("_soon"):
                    people = (
                        [recipient.person]
                        if recipient.person_id
                        else responders(recipient.organisation)
                    )
                elif step.endswith("_overdue"):
                    people = allowed(_heads(recipient)) or (
                        [recipient.person]
                        if recipient.person_id
                        else responders(recipient.organisation)
                    )
                else:
                    people = _issuer_team(recipient.advisory)
                people = allowed(people)
                what = str(Escalation.Step(step).label)
                for person in people:
                    message = advisory_email(
                        recipient.advisory, person, "reminder", f"{what} — {recipient}"
                    )
                    message.connection = connection
                    message.send()
                    sent += 1
                Escalation.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
    return sent
