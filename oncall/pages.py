"""Pages that reach a person: the page document is the outbox.

A page is stored first (status "queued", `published_at` None), then handed to the Pub/Sub
topic `PAGES_TOPIC`; `published_at` is set once Pub/Sub has it. A page stored but never
published (Pub/Sub down, the instance gone) is found by `flush_outbox` and published
again. Publishing twice is harmless: delivery (events/pages.py) claims the page document
before sending and acknowledges a page already delivered without sending it again.

Statuses: queued -> delivering -> delivered | retrying -> ... -> failed (after
PAGE_MAX_ATTEMPTS failed attempts). Every attempt is recorded on the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import unicodedata
from typing import Any

from fulfillment import Turn, hash_session, store
from fulfillment.i18n import _
from fulfillment.settings import settings
from oncall import clock
from oncall.settings import oncall_settings

log = logging.getLogger("fulfillment")
_publisher: Any = None
_publisher_lock = threading.Lock()


def page_id(turn_id: str, fallback: str) -> str:
    return hashlib.sha256((turn_id or fallback).encode()).hexdigest()[:32]


PAGE_RETENTION = dt.timedelta(days=30)  # Firestore's TTL policy on pages.expires_at deletes them after


def create_page(page_key: str, data: dict) -> bool:
    """Create the page once, queued for delivery (see _pages: the page is the outbox);
    False if this very page already exists (a redelivered turn). `expires_at` is what the TTL
    policy (make bootstrap) reads, so pages do not grow forever."""
    from google.api_core.exceptions import AlreadyExists, Conflict

    ref = store.client().collection("pages").document(page_key)
    created = clock.now()
    try:
        ref.create(
            {
                **data,
                "created_at": created,
                "expires_at": created + PAGE_RETENTION,
                "status": "queued",
                "published_at": None,
                "attempts": [],
            },
            timeout=store.timeout(),
        )
    except (AlreadyExists, Conflict):
        return False
    return True


def topic() -> str:
    """Full topic path from PAGES_TOPIC (a short name or projects/.../topics/...), or ""."""
    name = oncall_settings().pages_topic
    if not name or name.startswith("projects/"):
        return name
    return f"projects/{settings().project}/topics/{name}"


def max_attempts() -> int:
    return max(1, oncall_settings().page_max_attempts)


def asker(turn: Turn) -> tuple[str, str]:
    """(who asked, their session) as pages store them: a caller known only by the session
    is stored as the session's pseudonym, like the logs."""
    session = hash_session(turn.session_id)
    return (session if turn.caller_id == turn.session_id else turn.caller_id), session


def person_id(name: str) -> str:
    """'Luis García' -> 'luis-garcia': how people documents are keyed."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


def publisher() -> Any:
    """The process's Pub/Sub publisher (imported and created on first page, not at start)."""
    global _publisher
    if _publisher is None:
        with _publisher_lock:
            if _publisher is None:
                from google.cloud.pubsub_v1 import PublisherClient

                _publisher = PublisherClient()
    return _publisher


def publish(page_key: str, timeout: float = 3.0) -> bool:
    """Hand the page to Pub/Sub and note when; False leaves it queued for `flush_outbox`."""
    path = topic()
    if not path:
        return False
    try:
        future = publisher().publish(path, json.dumps({"page": page_key}).encode(), page_id=page_key)
        future.result(timeout=timeout)
    except Exception as exc:  # Pub/Sub down or slow: the outbox sweep publishes it later
        log.warning("page %s stays queued: publishing failed (%s)", page_key, type(exc).__name__)
        return False
    try:
        store.client().collection("pages").document(page_key).update(
            {"published_at": clock.now()}, timeout=store.timeout()
        )
    except Exception as exc:  # published all the same; a second publish is harmless
        log.warning("page %s published but not marked (%s)", page_key, type(exc).__name__)
    return True


def flush_outbox(older_than_s: float | None = None, limit: int = 50) -> int:
    """Publish pages stored but never published, older than OUTBOX_AFTER_S (30 s: longer
    than a turn could still be publishing its own page)."""
    from google.cloud.firestore_v1 import FieldFilter

    if older_than_s is None:
        older_than_s = oncall_settings().outbox_after_s
    cutoff = clock.now() - dt.timedelta(seconds=older_than_s)
    query = store.client().collection("pages").where(filter=FieldFilter("published_at", "==", None)).limit(limit)
    sent = 0
    for doc in list(query.stream(timeout=store.timeout())):
        page = doc.to_dict() or {}
        if page.get("created_at") and page["created_at"] <= cutoff and page.get("status") == "queued":
            sent += publish(doc.id)
    return sent


def latest_by(caller: str, person: str = "", limit: int = 10) -> dict[str, Any] | None:
    """The caller's most recent page (to `person`, when named)."""
    from google.cloud.firestore_v1 import FieldFilter, Query

    query = (
        store.client()
        .collection("pages")
        .where(filter=FieldFilter("by", "==", caller))
        .order_by("created_at", direction=Query.DESCENDING)
        .limit(limit)
    )
    wanted = person_id(person) if person else ""
    for doc in list(query.stream(timeout=store.timeout())):
        page = doc.to_dict() or {}
        name = person_id(str(page.get("oncall", "")))
        if not wanted or wanted == name or wanted in name.split("-"):
            return page
    return None


def person_route(name: str) -> tuple[str, dict[str, Any] | None, str]:
    """(person id, their route {kind, url}, their language) from people/{id}; route None and
    language "" when the directory does not say."""
    ident = person_id(name)
    if not ident:
        return ident, None, ""
    snapshot = store.client().collection("people").document(ident).get(timeout=store.timeout())
    person = (snapshot.to_dict() or {}) if snapshot.exists else {}
    route, language = person.get("route"), person.get("language")
    return ident, route if isinstance(route, dict) else None, language if isinstance(language, str) else ""


def when(moment: dt.datetime | None) -> str:
    return _("{time} UTC", time=f"{moment:%H:%M}") if moment else _("an unknown time")
