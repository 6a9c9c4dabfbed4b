"""Dates, durations, numbers and lists in the current request's language (Babel).

Babel is imported on the first call in a language other than English, not at start: the
first formatting of a process costs ~70 ms (import of babel.dates plus the locale data;
~20 ms for each further locale; measured on the dev machine under load), which must not
land on a cold start's first answer. English, the default, is formatted with the standard library in
exactly Babel's English forms ("Fri 09:00", "50 minutes ago", "99.9%"), so English traffic
never pays for Babel. Everything here is a pure function of its arguments and
`i18n.current()`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Sequence

from fulfillment import i18n
from fulfillment.i18n import _


def _zone(timezone: str) -> Any:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(timezone or "UTC")
    except Exception:  # an unknown zone name in the data: fall back to UTC
        return ZoneInfo("UTC")


def _english() -> bool:
    return i18n.current() == i18n.DEFAULT


def weekday_time(moment: dt.datetime, timezone: str) -> str:
    """'Fri 09:00', 'Fr., 09:00', '9:00 (金)': weekday and time in `timezone`."""
    local = moment.astimezone(_zone(timezone))
    if _english():
        return f"{local:%a %H:%M}"
    from babel.dates import format_skeleton

    return format_skeleton("EHm", local, locale=i18n.current())


def window(starts: dt.datetime, ends: dt.datetime, timezone: str) -> str:
    """'Fri 09:00 to Sat 09:00 CET' in the person's own time zone and the caller's language."""
    end = ends.astimezone(_zone(timezone))
    return _(
        "{start} to {end} {zone}",
        start=weekday_time(starts, timezone),
        end=weekday_time(ends, timezone),
        zone=end.tzname() or "",
    )


def ago(moment: dt.datetime, now: dt.datetime) -> str:
    """'50 minutes ago', 'vor 50 Minuten', '50 分前'; 'just now' under a minute."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return _("just now")
    if _english():
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if seconds >= size:
                n = int(seconds // size)
                return f"{n} {unit}{'s' if n != 1 else ''} ago"
    from babel.dates import format_timedelta

    return format_timedelta(-dt.timedelta(seconds=seconds), add_direction=True, threshold=1, locale=i18n.current())


def join(items: Sequence[str], style: Literal["standard", "or"] = "standard") -> str:
    """'a, b and c' (style "standard") or 'a, b or c' (style "or") in the current language."""
    if len(items) < 2:
        return "".join(items)
    if _english():
        last = " or " if style == "or" else " and "
        return f"{', '.join(items[:-1])}{',' if len(items) > 2 else ''}{last}{items[-1]}"
    from babel.lists import format_list

    return format_list(list(items), style=style, locale=i18n.current())


def percent(value: float) -> str:
    """A percentage as given (99.9 -> '99.9%', '99,9 %', '99.9%'), the locale's separators."""
    from decimal import Decimal

    if _english():
        return f"{Decimal(str(value)).normalize():f}%"
    from babel.numbers import format_percent

    return format_percent(Decimal(str(value)) / 100, decimal_quantization=False, locale=i18n.current())
