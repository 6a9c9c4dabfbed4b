"""Watchkeeper's operator tools. Both show what would change and need --apply to change it.

    python -m admin directory FILE.yaml [--apply] [--prune]
    python -m admin rotation TEAM FEED.ics [--days 42] [--apply]

Firestore from the environment (GOOGLE_CLOUD_PROJECT, FIRESTORE_DATABASE, or
FIRESTORE_EMULATOR_HOST). A bad file prints every problem as FILE:LINE: field: why,
exits 2 and changes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from admin import directory, rotations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m admin", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("directory", help="sync services, teams and people from YAML")
    d.add_argument("file")
    d.add_argument("--apply", action="store_true", help="write the changes (default: only show them)")
    d.add_argument("--prune", action="store_true", help="also delete documents missing from the file")
    r = sub.add_parser("rotation", help="import a team's on-call shifts from an iCalendar feed")
    r.add_argument("team")
    r.add_argument("feed")
    r.add_argument("--days", type=int, default=42, help="how far ahead to expand recurring shifts")
    r.add_argument("--apply", action="store_true")
    args = parser.parse_args(argv)
    try:
        text = Path(args.file if args.command == "directory" else args.feed).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read the file: {exc}", file=sys.stderr)
        return 2
    try:
        return _directory(args, text) if args.command == "directory" else _rotation(args, text)
    except (directory.FileError, rotations.FeedError) as exc:
        print(f"{exc}\nnothing was changed", file=sys.stderr)
        return 2


def _db() -> Any:
    from fulfillment import store

    return store.client()


def _directory(args: argparse.Namespace, text: str) -> int:
    wanted = directory.load(args.file, text)
    db = _db()
    plan = directory.plan(db, wanted)
    for line in directory.describe(plan):
        print(line)
    if plan.empty and not (args.prune and any(plan.extra.values())):
        print("already in sync")
        return 0
    if not args.apply:
        print("dry run: add --apply to write these changes")
        return 0
    print(f"applied: {directory.apply(db, plan, prune=args.prune)} documents written")
    return 0


def _rotation(args: argparse.Namespace, text: str) -> int:
    calendar = rotations.parse(args.feed, text)
    db = _db()
    team = db.collection("teams").document(args.team).get(timeout=30)
    if not team.exists:
        raise rotations.FeedError(args.feed, [f"0: team {args.team!r} is not in the directory (sync it first)"])
    people = {
        doc.id: rotations.Person(
            doc.id, str(d.get("name", doc.id)), str(d.get("timezone", "UTC")), str(d.get("email", ""))
        )
        for doc in db.collection("people").stream(timeout=30)
        for d in [doc.to_dict() or {}]
    }
    start = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    end = start + dt.timedelta(days=args.days)
    new = rotations.shifts(calendar, args.team, str((team.to_dict() or {}).get("timezone", "UTC")), people, start, end)
    delete, _ = rotations.replace(db, args.team, new, start, end)
    for ident, doc in new[:10]:
        second = f", secondary {doc['secondary']['name']}" if doc.get("secondary") else ""
        print(
            f"+ shifts/{ident}: {doc['primary']['name']}{second}, {doc['starts']:%a %d %b %H:%M} to "
            f"{doc['ends']:%a %d %b %H:%M} UTC"
        )
    if len(new) > 10:
        print(f"  ... and {len(new) - 10} more")
    print(
        f"{len(new)} shifts from the feed between {start:%Y-%m-%d} and {end:%Y-%m-%d}; "
        f"{len(delete)} existing shifts of {args.team} in that window replaced"
    )
    if not args.apply:
        print("dry run: add --apply to write these changes")
        return 0
    rotations.apply(db, new, delete)
    print("applied")
    return 0


if __name__ == "__main__":
    sys.exit(main())
