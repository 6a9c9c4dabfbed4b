"""Dialogflow CX v3: parse a webhook request into a Turn, render a Reply as its response.

CX bodies are proto-JSON, so a key may arrive as `sessionInfo` or `session_info`; `keys()`
normalises them once, at the door, and nothing else here needs to care.
"""

from __future__ import annotations

import logging
import re
from types import MappingProxyType
from typing import Any, Mapping

from fulfillment.reply import ItemList, Payload, Reply, Speech, Text
from fulfillment.turn import FormParameter, Turn, as_bool, as_list, as_mapping, as_str, memory_key
from fulfillment.wire import rich

log = logging.getLogger("fulfillment")

_SESSION = re.compile(r"^projects/[^/]+/locations/[^/]+/agents/[^/]+(?:/environments/[^/]+)?/sessions/(?P<id>[^/]+)$")
_SNAKE = re.compile(r"_([a-z0-9])")


def camel(key: str) -> str:
    return _SNAKE.sub(lambda m: m.group(1).upper(), key)


def keys(value: Any, _depth: int = 0) -> Any:
    """Proto-JSON objects with snake_case keys turned to lowerCamelCase, except inside
    parameter maps, whose keys are the agent's own names."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = camel(key) if isinstance(key, str) else key
            out[name] = item if name in ("parameters", "payload", "value") else keys(item, _depth + 1)
        return out
    if isinstance(value, list):
        return [keys(item, _depth + 1) for item in value]
    return value


def parse(raw_body: Mapping[str, Any]) -> Turn:
    body = keys(raw_body)
    session_info = as_mapping(body.get("sessionInfo"))
    page_info = as_mapping(body.get("pageInfo"))
    intent_info = as_mapping(body.get("intentInfo"))
    raw_session = session_info.get("session")
    session: str = raw_session if isinstance(raw_session, str) else ""
    match = _SESSION.match(session)
    session_id = match["id"] if match else session.rsplit("/", 1)[-1]

    params: dict[str, Any] = {}
    originals: dict[str, Any] = {}
    # Intent parameters are {name: {originalValue, resolvedValue}}; session params override.
    for name, info in as_mapping(intent_info.get("parameters")).items():
        info = keys(as_mapping(info))
        params[name] = info.get("resolvedValue")
        if "originalValue" in info:
            originals[name] = info["originalValue"]
    for name, value in as_mapping(session_info.get("parameters")).items():
        params[name] = value

    form = {}
    for info in as_list(as_mapping(page_info.get("formInfo")).get("parameterInfo")):
        if isinstance(info, dict) and isinstance(info.get("displayName"), str) and info["displayName"]:
            form[info["displayName"]] = FormParameter(
                name=str(info["displayName"]),
                state=as_str(info.get("state")),
                value=info.get("value"),
                required=as_bool(info.get("required")),
                just_collected=as_bool(info.get("justCollected")),
            )

    fulfillment_info = as_mapping(body.get("fulfillmentInfo"))
    payload = as_mapping(body.get("payload"))
    surface, caller = _surface(payload, session_id)
    query_text = as_str(body.get("text")) or as_str(body.get("transcript")) or as_str(body.get("dtmfDigits"))
    return Turn(
        dialect="cx",
        intent=as_str(fulfillment_info.get("tag")),
        parameters=MappingProxyType(params),
        original=MappingProxyType(originals),
        session=session,
        session_id=session_id,
        language=as_str(body.get("languageCode")),
        query_text=query_text,
        event=as_str(body.get("triggerEvent")),
        surface=surface,
        caller_id=caller or session_id,
        turn_id=as_str(body.get("detectIntentResponseId")),
        page=as_str(page_info.get("displayName")),
        form=MappingProxyType(form),
        raw=raw_body,
    )


def _surface(payload: Mapping[str, Any], session_id: str) -> tuple[str, str]:
    telephony = as_mapping(payload.get("telephony"))
    if telephony:
        caller = telephony.get("caller_id") or telephony.get("callerId")
        return "telephony", f"telephony:{caller}" if caller else ""
    source = as_str(payload.get("source")).lower()
    if rich.surface_named(source):
        return rich.surface_named(source), ""
    if session_id.lower().startswith("dfmessenger"):
        return "messenger", ""
    return (source or "console"), ""


# ---- rendering --------------------------------------------------------------------------


def render(reply: Reply, turn: Turn) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    rich_entries: list[Any] = []
    voice = turn.surface == "telephony"
    for message in reply.messages:
        if isinstance(message, Text):
            messages.append({"text": {"text": [message.text]}})
        elif isinstance(message, Speech):
            if not voice:
                messages.append({"text": {"text": [message.display]}})
            messages.append({"outputAudioText": {"ssml": message.ssml}})
        elif isinstance(message, Payload):
            if message.surface == "messenger" and "richContent" in message.data:
                rich_entries.extend(rich.rich_content_entries(message.data))
            else:
                messages.append({"payload": dict(message.data)})
        elif not voice:
            if isinstance(message, ItemList) and turn.surface != "messenger":
                messages.append({"text": {"text": [rich.list_as_text(message)]}})  # readable anywhere
            rich_entries.extend(rich.messenger_entries(message))
    if rich_entries:
        messages.append({"payload": {"richContent": [rich_entries]}})
    if reply.handoff is not None:
        messages.append({"liveAgentHandoff": {"metadata": dict(reply.handoff)}})
    if reply.end:
        messages.append({"endInteraction": {}})

    out: dict[str, Any] = {}
    if messages:
        response: dict[str, Any] = {"messages": messages}
        if reply.merge:
            response["mergeBehavior"] = reply.merge
        out["fulfillmentResponse"] = response
    params = dict(reply.session_params)
    for memory in reply.memories:  # one session parameter per memory; null deletes it
        params[memory_key(memory.name)] = dict(memory.values) if memory.lifespan > 0 else None
    for ctx in reply.contexts:  # ES contexts have no CX twin: keep their values
        log.warning("context %r set on a CX turn: its parameters become session parameters", ctx.name)
        if ctx.lifespan > 0:
            params.update(ctx.parameters)
    if params:
        out["sessionInfo"] = {"parameters": params}
    if reply.form:
        out["pageInfo"] = {
            "formInfo": {
                "parameterInfo": [
                    {
                        "displayName": p.name,
                        **({"required": p.required} if p.required is not None else {}),
                        "state": p.state,
                        **({"value": p.value} if p.value is not None else {}),
                    }
                    for p in reply.form
                ]
            }
        }
    if reply.target_page:
        out["targetPage"] = reply.target_page
    elif reply.target_flow:
        out["targetFlow"] = reply.target_flow
    if reply.followup:
        log.warning("followup event %r ignored: CX has no followup events (use goto)", reply.followup.event)
    return out
