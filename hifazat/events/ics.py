"""Calendar invitations (RFC 5545 / iTIP): one VEVENT per day of the event.

Each day keeps its UID for the life of the event and every change raises the event's
SEQUENCE, so a calendar replaces the entry it already has instead of adding a second one.
Times are written in UTC, which every calendar converts to the reader's zone.
"""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent


def day_uid(event, day) -> str:
    return f"hifazat-event-{event.uid}-day-{day.pk}@hifazat"


def location_text(event) -> str:
    parts = []
    if event.venue_id:
        venue = event.venue
        parts.append(", ".join(p for p in (venue.name, venue.address, venue.city) if p))
    if event.joining_link:
        parts.append(event.joining_link)
    return " — ".join(parts)


def invitation(nomination, method: str = "REQUEST") -> bytes:
    """The invitation (REQUEST) or its cancellation (CANCEL) for one participant."""
    event, person = nomination.event, nomination.person
    calendar = Calendar()
    calendar.add("prodid", "-//Hifazat//Training events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    organiser_address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
    description = "\n".join(
        line
        for line in (
            f"{event.course.title} — {event.partner.name}",
            event.get_mode_display(),
            f"Joining link: {event.joining_link}" if event.joining_link else "",
            f"{settings.SITE_URL}/events/{event.pk}/",
        )
        if line
    )
    for day in event.days.all():
        entry = VEvent()
        entry.add("uid", day_uid(event, day))
        entry.add("sequence", event.sequence)
        entry.add("dtstamp", timezone.now().astimezone(UTC))
        entry.add("dtstart", day.start_at().astimezone(UTC))
        entry.add("dtend", day.end_at().astimezone(UTC))
        entry.add("summary", event.title)
        entry.add("description", description)
        location = location_text(event)
        if location:
            entry.add("location", location)
        if event.joining_link:
            entry.add("url", event.joining_link)
        entry.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
        organiser = vCalAddress(f"mailto:{organiser_address}")
        organiser.params["cn"] = vText(event.partner.name)
        entry["organizer"] = organiser
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = vText(person.full_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        entry.add("attendee", attendee, encode=0)
        calendar.add_component(entry)
    return calendar.to_ical()
