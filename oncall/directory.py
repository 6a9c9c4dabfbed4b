"""The service and team directory: every name a service or team goes by, cached.

Services and teams change rarely; their directory is cached per process for
DIRECTORY_TTL_S seconds (default 60) so that name resolution costs no round trip. A name
the cache does not know reloads it once before it is called unknown (a service added a
moment ago), at most every DIRECTORY_MISS_REFRESH_S seconds (default 10), so a flood of
unknown names costs Firestore one reload, not one each.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from fulfillment import store
from oncall.settings import oncall_settings


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
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # spoken name -> (kind, id)
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
    """Services and teams by every name they go by (2 RPCs, side by side, when the cache is cold).
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
        teams = store.alongside(lambda: list(db.collection("teams").stream(timeout=store.timeout())))
        for doc in db.collection("services").stream(timeout=store.timeout()):
            d = doc.to_dict() or {}
            fresh.services[doc.id] = Service(
                doc.id, d.get("name", doc.id), d.get("team", ""), int(d.get("tier", 0)), tuple(d.get("aliases", ()))
            )
        for doc in teams():
            d = doc.to_dict() or {}
            fresh.teams[doc.id] = Team(
                doc.id, d.get("name", doc.id), d.get("timezone", "UTC"), tuple(d.get("aliases", ()))
            )
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
    if key not in known.names and known.loaded_at < started:  # added since the cache was loaded? look again
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


def service_named(name: str) -> Service | None:
    """The Service a name, id or alias means; None for a team's name or an unknown one."""
    found = resolve(name)
    return found[1] if found and isinstance(found[1], Service) else None


def suggestions(name: str, limit: int = 3) -> list[str]:
    """Display names of services/teams that sound like `name`."""
    import difflib  # only unknown names need it

    names = directory().names
    close = difflib.get_close_matches(_norm(name), list(names), n=8, cutoff=0.5)
    out: list[str] = []
    for spoken in close:
        kind, ident = names[spoken]
        display = directory().services[ident].name if kind == "service" else directory().teams[ident].name
        if display not in out:
            out.append(display)
    return out[:limit]


def known_services(limit: int = 5) -> list[str]:
    return sorted(s.name for s in directory().services.values())[:limit]


def team_of(kind: str, thing: Service | Team) -> Team | None:
    if isinstance(thing, Team):
        return thing
    return directory().teams.get(thing.team)


def get_service_doc(service_id: str) -> dict | None:
    snapshot = store.client().collection("services").document(service_id).get(timeout=store.timeout())
    return snapshot.to_dict() if snapshot.exists else None
