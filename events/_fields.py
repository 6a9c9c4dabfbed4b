"""Small readers for event payloads: plain values or None, never an exception."""

from __future__ import annotations

import datetime as dt
from typing import Any

UTC = dt.timezone.utc


def text(value: Any, limit: int = 300) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def epoch(value: Any) -> dt.datetime | None:
    """Seconds since the epoch (Cloud Monitoring's started_at / ended_at)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value)
        return dt.datetime.fromtimestamp(seconds, UTC) if 0 < seconds < 32503680000 else None
    except (ValueError, OverflowError):
        return None


def rfc3339(value: Any) -> dt.datetime | None:
    """'2026-11-27T22:01:02.123456789Z' (Cloud Build's times; nanoseconds cut to micro)."""
    if not isinstance(value, str) or not value:
        return None
    stamp = value.strip().replace("Z", "+00:00")
    head, dot, rest = stamp.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits) :]
        stamp = f"{head}.{digits[:6]}{zone}"
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
