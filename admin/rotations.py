"""Import an on-call rotation from an iCalendar feed (PagerDuty, Opsgenie and Google Calendar
export them) into a team's shifts.

Each event is a shift; the person is the event's attendee (CN or e-mail) or the known
person whose name its SUMMARY contains (else the SUMMARY itself). An event whose SUMMARY
says "secondary" (or "level 2") is the secondary of the primary shift it overlaps.
Recurring events are expanded by `recurring-ical-events` (RRULE, RDATE, EXDATE, moved
occurrences), time zones by `icalendar` (VTIMEZONE, TZID, UTC, Google's X-WR-TIMEZONE).
The import replaces the team's shifts in the imported window and nothing outside it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

UTC = dt.timezone.utc
SECONDARY = re.compile(r"\b(secondary|level 2|backup)\b", re.IGNORECASE)


class FeedError(Exception):
    """The feed is wrong: every problem with its line and field; nothing was changed."""

    def __init__(self, path: str, problems: list[str]):
        super().__init__("\n".join(f"{path}:{p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    timezone: str = "UTC"
    email: str = ""


def _event_lines(text: str) -> list[int]:
    """Line number of each BEGIN:VEVENT, in order (to point errors at the right event)."""
    return [n + 1 for n, line in enumerate(text.splitlines()) if line.strip().upper() == "BEGIN:VEVENT"]


def parse(path: str, text: str) -> Any:
    """The calendar, or `FeedError` with the line and field of every problem."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(text)
    except ValueError as exc:
        quoted = re.search(r"'([^']*)'", str(exc))
        line = next((n + 1 for n, raw in enumerate(text.splitlines()) if quoted and raw.strip() == quoted.group(1)), 0)
        raise FeedError(
            path, [f"{line or '?'}: {str(exc).split(':', 1)[0]}: {quoted.group(1) if quoted else exc}"]
        ) from None
    if calendar.name != "VCALENDAR":
        raise FeedError(path, ["1: not an iCalendar file (BEGIN:VCALENDAR)"])
    problems: list[str] = []
    lines = _event_lines(text)
    for index, event in enumerate(calendar.walk("VEVENT")):
        line = lines[index] if index < len(lines) else 0
        uid = str(event.get("UID", f"event {index + 1}"))
        for name, message in getattr(event, "errors", []):
            if name is None:  # a line that is no property at all
                quoted = re.search(r"'([^']*)'", message)
                bad = quoted.group(1) if quoted else ""
                at = next((n + 1 for n, raw in enumerate(text.splitlines()) if bad and raw.strip() == bad), line)
                problems.append(f"{at}: {message.split(':', 1)[0]}: {bad} (in {uid})")
            else:
                problems.append(f"{_field_line(text, line, name)}: {name} of {uid}: {message}")
        if "DTSTART" not in event:
            problems.append(f"{line}: DTSTART of {uid}: missing")
        elif "DTEND" not in event and "DURATION" not in event:
            problems.append(f"{line}: DTEND of {uid}: missing (or DURATION)")
        elif not getattr(event, "errors", []):
            try:
                start, end = event.decoded("DTSTART"), _end(event)
                if end <= start:
                    problems.append(f"{_field_line(text, line, 'DTEND')}: DTEND of {uid}: not after DTSTART")
            except (ValueError, TypeError) as exc:
                problems.append(f"{line}: DTSTART of {uid}: {exc}")
        if not str(event.get("SUMMARY", "")).strip() and "ATTENDEE" not in event:
            problems.append(f"{line}: SUMMARY of {uid}: missing (who is on call?)")
    if problems:
        raise FeedError(path, problems)
    return calendar


def _field_line(text: str, event_line: int, name: str) -> int:
    for n, raw in enumerate(text.splitlines()[event_line:], start=event_line + 1):
        if raw.upper().startswith(name.upper()):
            return n
        if raw.strip().upper() == "END:VEVENT":
            break
    return event_line


def _end(event: Any) -> Any:
    if "DTEND" in event:
        return event.decoded("DTEND")
    return event.decoded("DTSTART") + event.decoded("DURATION")


def _aware(moment: Any, zone: Any) -> dt.datetime:
    if not isinstance(moment, dt.datetime):  # an all-day event: midnight there
        moment = dt.datetime.combine(moment, dt.time(), zone)
    elif moment.tzinfo is None:  # floating time: the team's zone
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def who(event: Any, people: dict[str, Person]) -> Person:
    """The person an event puts on call."""
    attendees = event.get("ATTENDEE")
    for attendee in attendees if isinstance(attendees, list) else [attendees] if attendees else []:
        email = str(attendee).removeprefix("mailto:").removeprefix("MAILTO:").lower()
        name = str(getattr(attendee, "params", {}).get("CN", ""))
        for person in people.values():
            if (person.email and person.email.lower() == email) or (name and person.name.lower() == name.lower()):
                return person
        if name:
            return Person(_slug(name), name)
    summary = str(event.get("SUMMARY", "")).strip()
    for person in sorted(people.values(), key=lambda p: -len(p.name)):
        if person.name.lower() in summary.lower():
            return person
    name = SECONDARY.sub("", summary).strip(" -:()") or summary
    return Person(_slug(name), name)


def _slug(name: str) -> str:
    from oncall.pages import person_id

    return person_id(name)


def shifts(
    calendar: Any, team: str, team_zone: str, people: dict[str, Person], start: dt.datetime, end: dt.datetime
) -> list[tuple[str, dict[str, Any]]]:
    """(shift id, shift document) for every occurrence between start and end, in UTC."""
    from zoneinfo import ZoneInfo

    import recurring_ical_events

    zone = ZoneInfo(team_zone or "UTC")
    primaries: list[dict[str, Any]] = []
    secondaries: list[dict[str, Any]] = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        person = who(event, people)
        begins = _aware(event.decoded("DTSTART"), zone)
        ends = _aware(_end(event), zone)
        entry = {
            "team": team,
            "starts": begins,
            "ends": ends,
            "person": {"name": person.name, "timezone": person.timezone, "person": person.id},
        }
        (secondaries if SECONDARY.search(str(event.get("SUMMARY", ""))) else primaries).append(entry)
    out: list[tuple[str, dict[str, Any]]] = []
    for entry in sorted(primaries, key=lambda e: e["starts"]):
        doc = {
            "team": team,
            "starts": entry["starts"],
            "ends": entry["ends"],
            "primary": entry["person"],
            "source": "ical",
        }
        backup = next((s for s in secondaries if s["starts"] < entry["ends"] and s["ends"] > entry["starts"]), None)
        if backup:
            doc["secondary"] = backup["person"]
        out.append((f"{team}-{entry['starts']:%Y%m%dT%H%M}-ical", doc))
    return out


def replace(
    db: Any, team: str, new: list[tuple[str, dict[str, Any]]], start: dt.datetime, end: dt.datetime
) -> tuple[list[str], list[str]]:
    """(ids to delete, ids to write) for the team's shifts in [start, end)."""
    from google.cloud.firestore_v1 import FieldFilter

    query = (
        db.collection("shifts")
        .where(filter=FieldFilter("team", "==", team))
        .where(filter=FieldFilter("ends", ">", start))
    )
    old = [doc.id for doc in query.stream(timeout=30) if (doc.to_dict() or {})["starts"] < end]
    keep = {ident for ident, _ in new}
    return [i for i in old if i not in keep], [ident for ident, _ in new]


def apply(db: Any, new: list[tuple[str, dict[str, Any]]], delete: list[str]) -> None:
    ops: list[tuple[str, dict[str, Any] | None]] = [(i, None) for i in delete] + [(i, d) for i, d in new]
    for first in range(0, len(ops), 400):
        batch = db.batch()
        for ident, doc in ops[first : first + 400]:
            ref = db.collection("shifts").document(ident)
            if doc is None:
                batch.delete(ref)
            else:
                batch.set(ref, doc)
        batch.commit(timeout=30)
