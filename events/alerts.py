"""Cloud Monitoring alert notifications (Pub/Sub channel, JSON schema version 1.2) -> incidents.

The alert policy's user label `service` names the service (id, name or alias). An `open`
notification opens an incident with the next incident number; `closed` resolves it.
Monitoring's incident id is the key (`alerts/{hash}` -> incident number), so redelivered
and out-of-order notifications leave exactly one incident: open twice is one incident;
closed first records it resolved and the late open changes nothing (a Monitoring incident
never reopens). Closing never touches a human's acknowledgement or resolution.

With the policy label `page: "true"`, a newly opened incident pages the service's on-call
through the same path as a page asked for in conversation.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from fulfillment import i18n, store
from fulfillment.i18n import N_
from fulfillment.push import Ignore, Message, Result
from oncall import clock, directory, pages, shifts

from ._fields import epoch, mapping, text

SOURCE = "Cloud Monitoring"
ALERT_MESSAGE = N_("Incident {number} on {service}: {title}")  # a page's message, retold in the person's language
SEVERITY = {"critical": 1, "error": 2, "warning": 3}
_allocate = threading.Lock()  # numbers: one allocator per process; create() guards across instances


def handle(message: Message) -> Result:
    body = message.json()
    if not isinstance(body, dict) or not isinstance(body.get("incident"), dict):
        raise Ignore("not a Cloud Monitoring notification (no incident object)")
    version = text(body.get("version"))
    if version and not version.startswith("1."):
        raise Ignore(f"unsupported notification schema version {version}")
    incident = body["incident"]
    alert_id = text(incident.get("incident_id"), 200)
    state = text(incident.get("state")).lower()
    if not alert_id:
        raise Ignore("notification has no incident_id")
    if state not in ("open", "closed"):
        raise Ignore(f"incident state {state or 'missing'} is neither open nor closed")
    labels = {str(k).lower(): str(v) for k, v in mapping(incident.get("policy_user_labels")).items()}
    wanted = labels.get("service", "")
    if not wanted:
        raise Ignore("alert policy has no `service` user label")
    service = directory.service_named(wanted)
    if service is None:
        raise Ignore(f"unknown service {wanted!r} in the policy's `service` label")
    key = hashlib.sha256(alert_id.encode()).hexdigest()[:40]
    fields: dict[str, Any] = {"alert_state": state, "service": service.id}
    db = store.client()
    alert_ref = db.collection("alerts").document(key)
    for _ in range(20):
        link = alert_ref.get(timeout=store.timeout())
        if link.exists:
            known = link.to_dict() or {}
            number = fields["incident"] = int(known["number"])
            if state == "closed":
                return Result(_close(number, incident), fields)
            if known.get("first_state") == "closed":
                return Result("already_closed", fields)  # the open arrived after the close
            fields["page"] = _page(number, incident, labels, service, key)
            return Result("duplicate", fields)
        opened = _open(alert_ref, alert_id, incident, labels, service.id, state)
        if opened is None:
            continue  # someone else recorded it or took the number: look again
        number = fields["incident"] = opened
        if state == "open":
            fields["page"] = _page(number, incident, labels, service, key)
        return Result("opened" if state == "open" else "recorded_closed", fields)
    raise TimeoutError(f"alert {alert_id} kept changing under us")


def _open(
    alert_ref: Any, alert_id: str, incident: dict[str, Any], labels: dict[str, str], service_id: str, state: str
) -> int | None:
    """Create incident N+1 and the alert link in one atomic write; None if either exists."""
    from google.api_core.exceptions import AlreadyExists, Conflict, FailedPrecondition
    from google.cloud.firestore_v1 import Query

    db = store.client()
    started = epoch(incident.get("started_at")) or clock.now()
    record: dict[str, Any] = {
        "title": text(incident.get("policy_name"), 200) or text(incident.get("summary"), 200) or "Alert",
        "service": service_id,
        "severity": _severity(incident, labels),
        "status": "open",
        "opened_at": started,
        "source": SOURCE,
        "alert_incident_id": alert_id,
        "summary": text(incident.get("summary"), 1000),
        "url": text(incident.get("url"), 500),
        "resource_type": text(mapping(incident.get("resource")).get("type"), 100),
    }
    if state == "closed":
        record.update(
            {"status": "resolved", "resolved_by": SOURCE, "resolved_at": epoch(incident.get("ended_at")) or clock.now()}
        )
    with _allocate:
        if alert_ref.get(timeout=store.timeout()).exists:
            return None
        top = list(
            db.collection("incidents")
            .order_by("number", direction=Query.DESCENDING)
            .limit(1)
            .stream(timeout=store.timeout())
        )
        number = int((top[0].to_dict() or {}).get("number", 0)) + 1 if top else 1
        batch = db.batch()
        batch.create(db.collection("incidents").document(str(number)), {**record, "number": number})
        batch.create(
            alert_ref, {"number": number, "incident_id": alert_id, "first_state": state, "first_seen": clock.now()}
        )
        try:
            batch.commit(timeout=store.timeout())
        except (AlreadyExists, Conflict, FailedPrecondition):
            return None
    return number


def _close(number: int, incident: dict[str, Any]) -> str:
    """Resolve incident `number` as Cloud Monitoring, unless it already is; a human's
    acknowledgement stays (the write is conditioned on what was read, as acknowledge is)."""
    from google.api_core.exceptions import FailedPrecondition

    db = store.client()
    ref = db.collection("incidents").document(str(number))
    for _ in range(20):
        snapshot = ref.get(timeout=store.timeout())
        if not snapshot.exists:
            return "missing"
        if (snapshot.to_dict() or {}).get("status") == "resolved":
            return "duplicate"
        changes = {
            "status": "resolved",
            "resolved_by": SOURCE,
            "resolved_at": epoch(incident.get("ended_at")) or clock.now(),
        }
        try:
            ref.update(changes, option=db.write_option(last_update_time=snapshot.update_time), timeout=store.timeout())
        except FailedPrecondition:
            continue  # a person acknowledged or resolved it meanwhile: look again
        return "closed"
    raise TimeoutError(f"incident {number} kept changing under us")


def _severity(incident: dict[str, Any], labels: dict[str, str]) -> int:
    digits = "".join(c for c in labels.get("severity", "") if c.isdigit())
    if digits and 1 <= int(digits[:2]) <= 5:
        return int(digits[:2])
    return SEVERITY.get(text(incident.get("severity")).lower(), 3)


def _page(number: int, incident: dict[str, Any], labels: dict[str, str], service: directory.Service, key: str) -> str:
    """Page the on-call once per alert (the page id comes from the alert); '' when not asked."""
    if labels.get("page", "").lower() not in ("true", "yes", "1"):
        return ""
    team = directory.directory().teams.get(service.team)
    shift = shifts.current_shift(team.id) if team else None
    if shift is None:
        return "nobody on call"
    page_key = "alert-" + key[:27]
    title = text(incident.get("policy_name"), 200) or text(incident.get("summary"), 200)
    created = pages.create_page(
        page_key,
        {
            "service": service.id,
            "oncall": shift.primary.get("name", ""),
            "incident": number,
            "message": i18n.translate(i18n.DEFAULT, ALERT_MESSAGE, number=number, service=service.name, title=title),
            "title": title,
            "service_name": service.name,
            "by": f"{SOURCE} alert",
            "url": text(incident.get("url"), 500),
            "source": "alert",
        },
    )
    if created or not _published(page_key):
        pages.publish(page_key, timeout=min(store.timeout(), 3.0))
    return page_key


def _published(page_key: str) -> bool:
    snapshot = store.client().collection("pages").document(page_key).get(timeout=store.timeout())
    return bool(snapshot.exists and (snapshot.to_dict() or {}).get("published_at"))
