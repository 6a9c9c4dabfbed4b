"""Time for Watchkeeper's answers: now in UTC, and moments said the caller's way."""

from __future__ import annotations

import datetime as dt

UTC = dt.timezone.utc


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def local_window(starts: dt.datetime, ends: dt.datetime, timezone: str) -> str:
    """'Fri 09:00 to Sat 09:00 CET' in the person's own time zone, in the caller's language."""
    from fulfillment import fmt

    return fmt.window(starts, ends, timezone)


def ago(moment: dt.datetime) -> str:
    """'50 minutes ago', 'vor 50 Minuten': in the caller's language."""
    from fulfillment import fmt

    return fmt.ago(moment, now())
