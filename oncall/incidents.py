"""Incidents: the open ones, how many, and acknowledging or resolving one exactly once."""

from __future__ import annotations

from typing import Any

from fulfillment import store
from oncall.clock import now

OPEN_STATES = ["open", "acknowledged"]
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # Firestore's integers


def open_incidents(service_id: str = "", severity: int | None = None, limit: int = 5) -> list[dict]:
    from google.cloud.firestore_v1 import FieldFilter

    query = store.client().collection("incidents").where(filter=FieldFilter("status", "in", OPEN_STATES))
    if service_id:
        query = query.where(filter=FieldFilter("service", "==", service_id))
    if severity is not None:
        if not INT64_MIN <= int(severity) <= INT64_MAX:  # Firestore cannot even be asked
            return []
        query = query.where(filter=FieldFilter("severity", "==", int(severity)))
    query = query.order_by("severity").order_by("opened_at").limit(limit)
    return [doc.to_dict() or {} for doc in query.stream(timeout=store.timeout())]


def count_open(service_id: str) -> int:
    from google.cloud.firestore_v1 import FieldFilter

    query = (
        store.client()
        .collection("incidents")
        .where(filter=FieldFilter("status", "in", OPEN_STATES))
        .where(filter=FieldFilter("service", "==", service_id))
    )
    counted: Any = query.count(alias="open")
    result = counted.get(timeout=store.timeout())
    return int(result[0][0].value) if result else 0


def change_incident(number: int, action: str, caller: str) -> tuple[str, dict | None]:
    """Acknowledge or resolve, atomically: of any number of simultaneous callers exactly
    one wins. Returns (what happened, the incident): "done", "already" (someone did it
    first), "resolved" (acknowledging a resolved one), or "missing".

    Optimistic concurrency: read, then write only if the document is unchanged since
    (an `update_time` precondition, checked by Firestore in the commit); a caller who lost
    the race re-reads and is told who won. A locking transaction gives the same outcome,
    but concurrent lockers wait on each other (2 s per conflict measured on the emulator,
    see tests/test_reliability.py): too slow for a 5-second conversation turn."""
    from google.api_core.exceptions import FailedPrecondition

    db = store.client()
    ref = db.collection("incidents").document(str(int(number)))
    field_by, field_at, new_status = (
        ("acknowledged_by", "acknowledged_at", "acknowledged")
        if action == "acknowledge"
        else ("resolved_by", "resolved_at", "resolved")
    )
    for _ in range(20):
        snapshot = ref.get(timeout=store.timeout())
        if not snapshot.exists:
            return "missing", None
        incident = snapshot.to_dict() or {}
        if incident.get("status") == "resolved":
            return ("already" if action == "resolve" else "resolved"), incident
        if action == "acknowledge" and incident.get("status") == "acknowledged":
            return "already", incident
        stamp = now()
        changes = {"status": new_status, field_by: caller, field_at: stamp}
        if action == "resolve" and not incident.get("acknowledged_by"):
            changes.update({"acknowledged_by": caller, "acknowledged_at": stamp})
        try:
            ref.update(changes, option=db.write_option(last_update_time=snapshot.update_time), timeout=store.timeout())
        except FailedPrecondition:
            continue  # someone changed it first: look again
        return "done", {**incident, **changes}
    raise TimeoutError(f"incident {number} kept changing under us")
