"""Dialogflow ES v2: parse a webhook request into a Turn, render a Reply as its response.

Every ES-specific rule lives here: session paths (plain, regional, environment), contexts
by short name, surfaces from `originalDetectIntentRequest`, and per-surface rich output
(Google Assistant `payload.google`, Dialogflow Messenger `richContent`, telephony SSML).
"""

from __future__ import annotations

import logging
import re
from types import MappingProxyType
from typing import Any, Mapping

from fulfillment.lazy import Lazy
from fulfillment.reply import Card, Chips, ContextSet, Image, ItemList, LinkOut, Message, Payload, Reply, Speech, Text
from fulfillment.turn import Context, Turn, as_list, as_mapping, as_number, as_str, built
from fulfillment.wire import rich

log = logging.getLogger("fulfillment")

# projects/P/agent/sessions/S, projects/P/locations/L/agent/sessions/S,
# projects/P/agent/environments/E/users/U/sessions/S (and the regional form of that).
_SESSION = re.compile(
    r"^(?P<path>projects/[^/]+(?:/locations/[^/]+)?/agent"
    r"(?:/environments/[^/]+(?:/users/[^/]+)?)?/sessions/(?P<id>[^/]+))(?:/contexts/(?P<ctx>[^/]+))?$"
)

# Surface names for ES `originalDetectIntentRequest.source` values (lowercased, substring).
_PLATFORMS = {
    "facebook": "FACEBOOK",
    "slack": "SLACK",
    "telegram": "TELEGRAM",
    "kik": "KIK",
    "skype": "SKYPE",
    "line": "LINE",
    "viber": "VIBER",
    "hangouts": "GOOGLE_HANGOUTS",
}


def split_session(name: str) -> tuple[str, str]:
    """(full session path, session id) from a session or context name; ("", "") if neither."""
    parts = name.split("/") if name else ()
    if (
        len(parts) == 5
        and parts[0] == "projects"
        and parts[2] == "agent"
        and parts[3] == "sessions"
        and parts[1]
        and parts[4]
    ):  # the usual projects/P/agent/sessions/S, without the regex
        return name, parts[4]
    match = _SESSION.match(name or "")
    return (match["path"], match["id"]) if match else ("", "")


def parse(body: Mapping[str, Any]) -> Turn:
    """The Turn for an ES body. Contexts and parameters are normalised on first access
    (`lazy.Lazy`): a handler that reads neither, like a welcome, does not pay for them."""
    query = as_mapping(body.get("queryResult"))
    raw_session = body.get("session")
    session: str = raw_session if isinstance(raw_session, str) else ""
    if not session:  # rare: the session only shows in context names
        session = next((path for path in (split_session(raw["name"])[0] for raw in _raw_contexts(query)) if path), "")
    session_path, session_id = split_session(session)
    if not session_path and session:  # an odd session string: keep it whole
        session_path, session_id = session, session.rsplit("/", 1)[-1]

    if query.get("outputContexts") or query.get("parameters"):
        deferred = _Deferred(query)
        parameters: Mapping[str, Any] = Lazy(deferred.parameters)
        original: Mapping[str, Any] = Lazy(deferred.original)
        contexts: Mapping[str, Any] = Lazy(deferred.contexts)
    else:  # nothing to normalise (a welcome): no lazy objects
        parameters = original = contexts = _NOTHING
    intent = as_mapping(query.get("intent"))
    surface, user_id = detect_surface(as_mapping(body.get("originalDetectIntentRequest")), session_id)
    return built(
        {
            "dialect": "es",
            "intent": as_str(intent.get("displayName")),
            "parameters": parameters,
            "original": original,
            "contexts": contexts,
            "session": session_path,
            "session_id": session_id,
            "language": as_str(query.get("languageCode")),
            "query_text": as_str(query.get("queryText")),
            "surface": surface,
            "caller_id": user_id or session_id,
            "turn_id": as_str(body.get("responseId")),
            "raw": body,
        }
    )


def _raw_contexts(query: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        raw
        for raw in as_list(query.get("outputContexts"))
        if isinstance(raw, dict) and isinstance(raw.get("name"), str)
    ]


class _Deferred:
    """The parts of one ES body a handler may never read, built when first read."""

    __slots__ = ("_query", "_contexts", "_merged")

    def __init__(self, query: Mapping[str, Any]) -> None:
        self._query = query
        self._contexts: dict[str, Context] | None = None
        self._merged: tuple[dict[str, Any], dict[str, Any]] | None = None

    def contexts(self) -> dict[str, Context]:
        if self._contexts is None:
            contexts: dict[str, Context] = {}
            for raw in _raw_contexts(self._query):
                short = raw["name"].rsplit("/", 1)[-1].lower()
                lifespan = as_number(raw.get("lifespanCount"), None)
                contexts[short] = Context(
                    short,
                    None if lifespan is None else int(lifespan),
                    MappingProxyType(dict(as_mapping(raw.get("parameters")))),
                )
            self._contexts = contexts
        return self._contexts

    def _merge(self) -> tuple[dict[str, Any], dict[str, Any]]:
        if self._merged is None:
            self._merged = merge_parameters(
                [c.parameters for c in self.contexts().values() if not c.name.startswith("__")],
                as_mapping(self._query.get("parameters")),
            )
        return self._merged

    def parameters(self) -> dict[str, Any]:
        return self._merge()[0]

    def original(self) -> dict[str, Any]:
        return self._merge()[1]


def merge_parameters(context_params: list[Mapping[str, Any]], query_params: Mapping[str, Any]) -> tuple[dict, dict]:
    """Query parameters win; context parameters fill what the query left unfilled.
    `.original` spellings are kept apart so handlers never mistake them for values."""
    values: dict[str, Any] = {}
    originals: dict[str, Any] = {}
    for source in [*context_params, query_params]:
        for key, value in source.items():
            key = str(key)
            if key.endswith(".original"):
                if value not in ("", None, []) or key[:-9] not in originals:
                    originals[key[:-9]] = value
            elif value not in ("", None, [], {}) or key not in values:
                values[key] = value
    return values, originals


_NOTHING: Mapping[str, Any] = MappingProxyType({})


def detect_surface(original: Mapping[str, Any], session_id: str) -> tuple[str, str]:
    """(surface, user id or "") from `originalDetectIntentRequest`."""
    payload = as_mapping(original.get("payload"))
    if not payload and original.get("source") in (None, ""):  # the console, the simulator, the API
        return ("messenger" if session_id.lower().startswith("dfmessenger") else "console"), ""
    source = (as_str(original.get("source")) or as_str(payload.get("source"))).lower()
    surface = rich.surface_named(source) if source else ""
    if not surface:
        if "telephony" in payload:
            surface = "telephony"
        elif "conversation" in payload and "inputs" in payload:
            surface = "google_assistant"
        elif session_id.lower().startswith("dfmessenger"):
            surface = "messenger"
        elif source:
            surface = source
        else:
            surface = "console"
    return surface, _user_id(surface, payload)


def _user_id(surface: str, payload: Mapping[str, Any]) -> str:
    if not payload:
        return ""
    data = as_mapping(payload.get("data"))
    if surface == "google_assistant":
        candidates = [as_mapping(payload.get("user")).get("userId")]
    elif surface == "slack":
        candidates = [data.get("user"), as_mapping(data.get("event")).get("user")]
    elif surface == "telegram":
        candidates = [
            as_mapping(as_mapping(data.get("message")).get("from")).get("id"),
            as_mapping(data.get("from")).get("id"),
        ]
    elif surface == "facebook":
        candidates = [as_mapping(data.get("sender")).get("id")]
    elif surface == "telephony":
        candidates = [as_mapping(payload.get("telephony")).get("caller_id")]
    else:
        candidates = []
    candidates += [as_mapping(payload.get("user")).get("userId"), payload.get("userId")]
    found = next((c for c in candidates if c not in (None, "")), "")
    return f"{surface}:{found}" if found else ""


# ---- rendering --------------------------------------------------------------------------


def render(reply: Reply, turn: Turn) -> dict[str, Any]:
    surface = turn.surface
    out: dict[str, Any] = {}
    texts = reply.texts
    if texts:
        speech = [m.ssml for m in reply.messages if isinstance(m, Speech)]
        out["fulfillmentText"] = speech[0] if surface == "telephony" and speech else "\n".join(texts)

    messages: list[dict[str, Any]] = []
    rich_entries: list[Any] = []
    platform_payload: dict[str, Any] = {}
    for message in reply.messages:
        if isinstance(message, Text):
            messages.append({"text": {"text": [message.text]}})
        elif isinstance(message, Speech):
            messages.append({"text": {"text": [message.display]}})
        elif isinstance(message, Payload):
            _custom_payload(message, messages, platform_payload, rich_entries)
        elif surface == "messenger":
            rich_entries.extend(rich.messenger_entries(message))
        else:
            messages.extend(_generic(message))
    if rich_entries:
        messages.append({"payload": {"richContent": [rich_entries]}})
    if messages:
        out["fulfillmentMessages"] = messages

    if surface == "google_assistant":
        platform_payload["google"] = {**rich.google_payload(reply), **platform_payload.get("google", {})}
    if platform_payload:
        out["payload"] = platform_payload

    contexts = _contexts(reply, turn)
    if contexts:
        out["outputContexts"] = contexts
    if reply.followup:
        if messages or texts:
            log.warning(
                "followup event %r set together with messages: Dialogflow ES drops "
                "the messages when it follows an event",
                reply.followup.event,
            )
        event: dict[str, Any] = {
            "name": reply.followup.event,
            "languageCode": reply.followup.language or turn.language or "en",
        }
        if reply.followup.parameters:
            event["parameters"] = dict(reply.followup.parameters)
        out["followupEventInput"] = event
    return out


def _generic(message: Message) -> list[dict[str, Any]]:
    """Messages every ES integration understands (the console, Slack, Telegram, API)."""
    if isinstance(message, Chips):
        return [{"quickReplies": {"quickReplies": list(message.labels)}}] if message.labels else []
    if isinstance(message, Card):
        card: dict[str, Any] = {"title": message.title}
        if message.subtitle:
            card["subtitle"] = message.subtitle
        if message.image_url:
            card["imageUri"] = message.image_url
        if message.buttons:
            card["buttons"] = [{"text": b.title, "postback": b.url} for b in message.buttons]
        return [{"card": card}]
    if isinstance(message, Image):
        image = {"imageUri": message.url}
        if message.alt:
            image["accessibilityText"] = message.alt
        return [{"image": image}]
    if isinstance(message, ItemList):
        return [{"text": {"text": [rich.list_as_text(message)]}}]
    if isinstance(message, LinkOut):
        return [{"card": {"title": message.title, "buttons": [{"text": message.title, "postback": message.url}]}}]
    return []


def _custom_payload(message: Payload, messages: list, platform_payload: dict, rich_entries: list) -> None:
    surface = message.surface.lower()
    if surface in ("google", "google_assistant"):
        platform_payload.setdefault("google", {}).update(message.data)
    elif surface == "messenger" and "richContent" in message.data:
        rich_entries.extend(rich.rich_content_entries(message.data))
    elif surface in _PLATFORMS:
        messages.append({"payload": dict(message.data), "platform": _PLATFORMS[surface]})
    else:
        messages.append({"payload": dict(message.data)})


def _contexts(reply: Reply, turn: Turn) -> list[dict[str, Any]]:
    """Output contexts: the reply's own, and each memory as the context of its name."""
    if not reply.contexts and not reply.memories:
        return []
    if not turn.session:
        log.warning("reply sets contexts but the request named no session; contexts dropped")
        return []
    out = []
    for ctx in (*reply.contexts, *(ContextSet(m.name, m.lifespan, m.values) for m in reply.memories)):
        entry: dict[str, Any] = {
            "name": f"{turn.session}/contexts/{ctx.name}",
            "lifespanCount": max(0, int(ctx.lifespan)),
        }
        if ctx.parameters and ctx.lifespan > 0:
            entry["parameters"] = dict(ctx.parameters)
        out.append(entry)
    return out
