"""The pair's recurring 1:1 (`[agenda] meeting = "thursday 10:00"`): when the next one is,
in the pair's time zone, across daylight-saving changes. Pure: `now` is always given."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MEETING = re.compile(r"^\s*([a-z]+)\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


def parse_meeting(meeting: str) -> tuple[int, time]:
    """("thursday 10:00") -> (3, 10:00); ValueError with the expected shape otherwise."""
    match = _MEETING.match(meeting)
    day = match.group(1).lower() if match else ""
    if not match or day not in WEEKDAYS or int(match.group(2)) > 23 or int(match.group(3)) > 59:
        raise ValueError('expected a weekday and a 24-hour time, such as "thursday 10:00"')
    return WEEKDAYS.index(day), time(int(match.group(2)), int(match.group(3)))


def next_meeting(meeting: str, zone: ZoneInfo, now: datetime) -> datetime:
    """The first meeting that has not started at `now` (an aware datetime in `zone`)."""
    weekday, at = parse_meeting(meeting)
    local = now.astimezone(zone)
    for days in range(8):
        day = (local + timedelta(days=days)).date()
        if day.weekday() != weekday:
            continue
        start = datetime.combine(day, at, tzinfo=zone)
        if start > local:
            return start
    raise AssertionError("unreachable: a weekday recurs within 8 days")
