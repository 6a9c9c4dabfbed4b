"""Watchkeeper's domain queries, shared by the intents (not part of the framework).

Collections (see data/seed.json and firestore.indexes.json):
  services/{id}   name, aliases[], tier, team, status, slo_target, error_budget_remaining
  teams/{id}      name, timezone
  shifts/{id}     team, starts, ends, primary{name,timezone}, secondary{name,timezone}
                  (names denormalised so "who is on call" is one query)
  incidents/{n}   number, title, service, severity, status, opened_at, acknowledged_*, resolved_*
  deploys/{id}    service, version, by, at, status
  pages/{id}      id derived from the Dialogflow turn, so a redelivered turn pages once;
                  status queued/delivering/delivered/retrying/failed, attempts[] (see _pages)
  people/{id}     name, timezone, route{kind: chat|slack|webhook, url} (id: _pages.person_id)
  alerts/{hash}   Cloud Monitoring incident id -> incident number (events/alerts.py)

Services and teams change rarely; their directory is cached per process for
DIRECTORY_TTL_S seconds (default 60) so that name resolution costs no round trip. A name
the cache does not know reloads it once before it is called unknown (a service added a
moment ago), at most every DIRECTORY_MISS_REFRESH_S seconds (default 10), so a flood of
unknown names costs Firestore one reload, not one each.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fulfillment import store, warmup
from intents._settings import oncall_settings

UTC = dt.timezone.utc
OPEN_STATES = ["open", "acknowledged"]
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1       # Firestore's integers


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    team: str
    tier: int = 0
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    timezone: str = "UTC"
    aliases: tuple[str, ...] = ()


@dataclass
class _Directory:
    services: dict[str, Service] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)   # spoken name -> (kind, id)
    loaded_at: float = -1e9


_directory = _Directory()
_directory_lock = threading.Lock()
_miss_lock = threading.Lock()
_last_miss_reload = -1e9


def _ttl() -> float:
    return oncall_settings().directory_ttl_s


def _miss_refresh_s() -> float:
    return oncall_settings().directory_miss_refresh_s


def directory(force: bool = False) -> _Directory:
    """Services and teams by every name they go by (2 RPCs when the cache is cold).
    `force` reloads it unless another thread did while this one waited."""
    global _directory
    asked = time.monotonic()
    if not force and asked - _directory.loaded_at < _ttl():
        return _directory
    # Another thread (the warm-up, another request) may be loading it: wait no longer than
    # this request's budget, as for an RPC, since the handler may run on the request thread.
    if not _directory_lock.acquire(timeout=store.timeout()):
        raise store.DeadlineExpired("the service directory is still loading")
    try:
        if (_directory.loaded_at >= asked) if force else (time.monotonic() - _directory.loaded_at < _ttl()):
            return _directory
        db = store.client()
        fresh = _Directory()
        for doc in db.collection("services").stream(timeout=store.timeout()):
            d = doc.to_dict() or {}
            fresh.services[doc.id] = Service(doc.id, d.get("name", doc.id), d.get("team", ""),
                                             int(d.get("tier", 0)), tuple(d.get("aliases", ())))
        for doc in db.collection("teams").stream(timeout=store.timeout()):
            d = doc.to_dict() or {}
            fresh.teams[doc.id] = Team(doc.id, d.get("name", doc.id), d.get("timezone", "UTC"),
                                       tuple(d.get("aliases", ())))
        for kind, items in (("team", fresh.teams), ("service", fresh.services)):
            for item in items.values():
                for name in (item.id, item.name, *item.aliases):
                    fresh.names[_norm(name)] = (kind, item.id)
        fresh.loaded_at = time.monotonic()
        _directory = fresh
        return fresh
    finally:
        _directory_lock.release()


def _norm(name: str) -> str:
    name = " ".join(str(name).lower().replace("_", " ").replace("-", " ").split())
    for suffix in (" service", " team", " squad"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name.removeprefix("the ")


def resolve(name: str) -> tuple[str, Service | Team] | None:
    """("service" | "team", the thing) for a spoken name, id or alias, any case."""
    global _last_miss_reload
    started = time.monotonic()
    key, known = _norm(name), directory()
    if key not in known.names and known.loaded_at < started:   # added since the cache was loaded? look again
        with _miss_lock:
            due = time.monotonic() - _last_miss_reload >= _miss_refresh_s()
            if due:
                _last_miss_reload = time.monotonic()
        if due:
            known = directory(force=True)
    found = known.names.get(key)
    if found is None:
        return None
    kind, ident = found
    return kind, (known.services[ident] if kind == "service" else known.teams[ident])


def suggestions(name: str, limit: int = 3) -> list[str]:
    """Display names of services/teams that sound like `name`."""
    import difflib  # only unknown names need it

    names = directory().names
    close = difflib.get_close_matches(_norm(name), list(names), n=8, cutoff=0.5)
    out: list[str] = []
    for spoken in close:
        kind, ident = names[spoken]
        display = (directory().services[ident].name if kind == "service" else directory().teams[ident].name)
        if display not in out:
            out.append(display)
    return out[:limit]


def known_services(limit: int = 5) -> list[str]:
    return sorted(s.name for s in directory().services.values())[:limit]


def team_of(kind: str, thing: Service | Team) -> Team | None:
    if isinstance(thing, Team):
        return thing
    return directory().teams.get(thing.team)


# ---- on-call -------------------------------------------------------------------------

@dataclass(frozen=True)
class Shift:
    team: str
    starts: dt.datetime
    ends: dt.datetime
    primary: dict[str, Any]
    secondary: dict[str, Any] | None


def current_shift(team_id: str, at: dt.datetime | None = None) -> Shift | None:
    """The shift covering `at` in the team's rotation: one query (shifts ending after now,
    soonest first; the first that has started is the one)."""
    from google.cloud.firestore_v1 import FieldFilter

    at = at or now()
    query = (store.client().collection("shifts")
             .where(filter=FieldFilter("team", "==", team_id))
             .where(filter=FieldFilter("ends", ">", at))
             .order_by("ends").limit(3))
    for doc in list(query.stream(timeout=store.timeout())):   # read to the end: the RPC completes
        d = doc.to_dict() or {}
        if d["starts"] <= at:
            return Shift(team_id, d["starts"], d["ends"], d.get("primary") or {}, d.get("secondary") or None)
    return None


def _warm() -> None:
    """At instance start: the directory cached and the shift query run once, so the first
    "who is on call" pays its one round trip and nothing else."""
    directory()
    current_shift("")


warmup.on_start(_warm)


def local_window(starts: dt.datetime, ends: dt.datetime, timezone: str) -> str:
    """'Fri 09:00 to Sat 09:00 CET' in the person's own time zone, in the caller's language."""
    from fulfillment import fmt

    return fmt.window(starts, ends, timezone)


# ---- incidents -----------------------------------------------------------------------

def open_incidents(service_id: str = "", severity: int | None = None, limit: int = 5) -> list[dict]:
    from google.cloud.firestore_v1 import FieldFilter

    query = store.client().collection("incidents").where(filter=FieldFilter("status", "in", OPEN_STATES))
    if service_id:
        query = query.where(filter=FieldFilter("service", "==", service_id))
    if severity is not None:
        if not INT64_MIN <= int(severity) <= INT64_MAX:     # Firestore cannot even be asked
            return []
        query = query.where(filter=FieldFilter("severity", "==", int(severity)))
    query = query.order_by("severity").order_by("opened_at").limit(limit)
    return [doc.to_dict() or {} for doc in query.stream(timeout=store.timeout())]


def count_open(service_id: str) -> int:
    from google.cloud.firestore_v1 import FieldFilter

    query = (store.client().collection("incidents")
             .where(filter=FieldFilter("status", "in", OPEN_STATES))
             .where(filter=FieldFilter("service", "==", service_id)))
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
    field_by, field_at, new_status = (("acknowledged_by", "acknowledged_at", "acknowledged")
                                      if action == "acknowledge" else
                                      ("resolved_by", "resolved_at", "resolved"))
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
            ref.update(changes, option=db.write_option(last_update_time=snapshot.update_time),
                       timeout=store.timeout())
        except FailedPrecondition:
            continue                      # someone changed it first: look again
        return "done", {**incident, **changes}
    raise TimeoutError(f"incident {number} kept changing under us")


# ---- deploys and pages ---------------------------------------------------------------

def latest_deploy(service_id: str) -> dict | None:
    from google.cloud.firestore_v1 import FieldFilter, Query

    query = (store.client().collection("deploys")
             .where(filter=FieldFilter("service", "==", service_id))
             .order_by("at", direction=Query.DESCENDING).limit(1))
    docs = list(query.stream(timeout=store.timeout()))
    return docs[0].to_dict() if docs else None


def page_id(turn_id: str, fallback: str) -> str:
    return hashlib.sha256((turn_id or fallback).encode()).hexdigest()[:32]


PAGE_RETENTION = dt.timedelta(days=30)      # Firestore's TTL policy on pages.expires_at deletes them after


def create_page(page_key: str, data: dict) -> bool:
    """Create the page once, queued for delivery (see _pages: the page is the outbox);
    False if this very page already exists (a redelivered turn). `expires_at` is what the TTL
    policy (make bootstrap) reads, so pages do not grow forever."""
    from google.api_core.exceptions import AlreadyExists, Conflict

    ref = store.client().collection("pages").document(page_key)
    created = now()
    try:
        ref.create({**data, "created_at": created, "expires_at": created + PAGE_RETENTION, "status": "queued",
                    "published_at": None, "attempts": []},
                   timeout=store.timeout())
    except (AlreadyExists, Conflict):
        return False
    return True


def get_service_doc(service_id: str) -> dict | None:
    snapshot = store.client().collection("services").document(service_id).get(timeout=store.timeout())
    return snapshot.to_dict() if snapshot.exists else None


def ago(moment: dt.datetime) -> str:
    """'50 minutes ago', 'vor 50 Minuten': in the caller's language."""
    from fulfillment import fmt

    return fmt.ago(moment, now())
