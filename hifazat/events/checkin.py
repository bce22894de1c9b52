"""Self check-in codes: the trainer's screen shows a QR code that changes every minute.

A code is ``COUNTER-MAC``: the minute counter and an HMAC (keyed from SECRET_KEY) over the
event day and the counter. It is accepted only on that day, for that event day, and only for
the current and the previous minute — so a photo of yesterday's code, a code from another
event, or one passed round after the session began do not work.
"""

from __future__ import annotations

import hmac
import time

from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

PERIOD = 60  # seconds a code is shown
ACCEPTED = 2  # the current code and the one before it (time to scan and load the page)


def counter(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // PERIOD)


def code_for(day, at: int) -> str:
    mac = salted_hmac(
        "hifazat.events.checkin", f"{day.pk}:{day.event.uid}:{day.date}:{at}", algorithm="sha256"
    ).hexdigest()[:16]
    return f"{at}-{mac}"


def current_code(day) -> str:
    return code_for(day, counter())


def authentic(day, code: str) -> bool:
    """Was ``code`` ever issued for ``day`` (whether or not it is still valid)?"""
    try:
        at = int(code.split("-", 1)[0])
    except (ValueError, AttributeError):
        return False
    return hmac.compare_digest(code, code_for(day, at))


def verify(day, code: str, now: float | None = None) -> str | None:
    """None when ``code`` is valid for ``day`` now, else what is wrong, in words."""
    try:
        at_text, _mac = code.split("-", 1)
        at = int(at_text)
    except (ValueError, AttributeError):
        return _("This is not a check-in code.")
    if day.date != timezone.localdate():
        return _("This code is for another day.")
    if not hmac.compare_digest(code, code_for(day, at)):
        return _("This code is not for this event.")
    age = counter(now) - at
    if age < 0 or age >= ACCEPTED:
        return _("This code has expired: scan the code on the screen now.")
    return None
