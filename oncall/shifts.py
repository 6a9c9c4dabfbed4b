"""Who is on call: the shift covering a moment in a team's rotation (one query)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fulfillment import store, warmup
from oncall.clock import now
from oncall.directory import directory


@dataclass(frozen=True)
class Shift:
    team: str
    starts: dt.datetime
    ends: dt.datetime
    primary: dict[str, Any]
    secondary: dict[str, Any] | None


def current_shift(team_id: str, at: dt.datetime | None = None) -> Shift | None:
    """The shift covering `at` in the team's rotation; where shifts overlap (a hand-over, a
    cover shift inside a long one), the one that ends first. One query that returns that
    shift and nothing else: started by `at`, ending after it, soonest end first, limit 1
    (an inequality on two fields: the shifts index with team, ends and starts in
    firestore.indexes.json), so the stream ends after one document."""
    from google.cloud.firestore_v1 import FieldFilter

    at = at or now()
    query = (
        store.client()
        .collection("shifts")
        .where(filter=FieldFilter("team", "==", team_id))
        .where(filter=FieldFilter("ends", ">", at))
        .where(filter=FieldFilter("starts", "<=", at))
        .order_by("ends")
        .limit(1)
    )
    docs = list(query.stream(timeout=store.timeout()))  # read to the end (the RPC completes): one document
    if not docs:
        return None
    d = docs[0].to_dict() or {}
    return Shift(team_id, d["starts"], d["ends"], d.get("primary") or {}, d.get("secondary") or None)


def _warm() -> None:
    """At instance start: the directory cached and the shift query run once, so the first
    "who is on call" pays its one round trip and nothing else."""
    directory()
    current_shift("")


warmup.on_start(_warm)
