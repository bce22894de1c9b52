"""When each recipient's message may go: spread over the business hours between a campaign's
start and its "send by", in each recipient's time zone, with jitter."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from hifazat.orgs.models import inherited


def org_time_zones() -> dict[int, str]:
    """Each organisation's effective time zone: its own, else the nearest ancestor's, else the
    platform's."""
    return {pk: zone or settings.TIME_ZONE for pk, zone in inherited("time_zone").items()}


def business_windows(
    start: datetime,
    end: datetime,
    zone: str,
    days: Iterable[int],
    opens: time,
    closes: time,
) -> list[tuple[datetime, datetime]]:
    tz = ZoneInfo(zone)
    days = set(days)
    windows = []
    day: date = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if day.weekday() in days:
            lo = max(start, datetime.combine(day, opens, tz))
            hi = min(end, datetime.combine(day, closes, tz))
            if hi > lo:
                windows.append((lo, hi))
        day += timedelta(days=1)
    return windows


def spread(
    count: int,
    windows: list[tuple[datetime, datetime]],
    jitter_minutes: int,
    rng: random.Random,
) -> list[datetime]:
    """``count`` moments evenly spaced over the windows, each moved by up to ± jitter but kept
    inside its window, returned in random order."""
    total = sum((hi - lo).total_seconds() for lo, hi in windows)
    if count == 0:
        return []
    assert total > 0, "no business time in the window"
    moments = []
    for i in range(count):
        offset = (i + 0.5) * total / count
        for lo, hi in windows:
            length = (hi - lo).total_seconds()
            if offset <= length:
                jitter = rng.uniform(-jitter_minutes * 60, jitter_minutes * 60)
                at = min(max(offset + jitter, 0), length)
                moments.append(lo + timedelta(seconds=at))
                break
            offset -= length
        else:  # rounding at the very end
            moments.append(windows[-1][1])
    rng.shuffle(moments)
    return moments
