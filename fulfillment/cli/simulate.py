"""Build the webhook request Dialogflow would send for a turn (ES v2 or CX v3).

Used by `python -m fulfillment say` and by the tests, so both speak exactly what
Dialogflow speaks: full session paths, contexts carried as `outputContexts`, parameters
with their `.original` spellings, a fresh `responseId` per turn.
"""

from __future__ import annotations

import uuid
from typing import Any


def es_request(
    intent: str,
    text: str = "",
    params: dict | None = None,
    *,
    project: str = "demo-local",
    session_id: str = "",
    contexts: list[dict] | None = None,
    language: str = "en",
    source: str | None = None,
    payload: dict | None = None,
    response_id: str = "",
    session_path: str = "",
) -> dict[str, Any]:
    """An ES v2 WebhookRequest. `contexts` are short-named {"name", "lifespanCount", "parameters"}."""
    session = session_path or f"projects/{project}/agent/sessions/{session_id or uuid.uuid4()}"
    params = dict(params or {})
    parameters = {**params, **{f"{k}.original": str(v) for k, v in params.items() if isinstance(v, (str, int, float))}}
    output_contexts = []
    for ctx in contexts or []:
        name = ctx["name"] if "/" in ctx["name"] else f"{session}/contexts/{ctx['name']}"
        entry = {"name": name, "lifespanCount": ctx.get("lifespanCount", 5)}
        if ctx.get("parameters"):
            entry["parameters"] = ctx["parameters"]
        output_contexts.append(entry)
    body: dict[str, Any] = {
        "responseId": response_id or f"{uuid.uuid4()}-{uuid.uuid4().hex[:8]}",
        "session": session,
        "queryResult": {
            "queryText": text or intent,
            "parameters": parameters,
            "allRequiredParamsPresent": True,
            "fulfillmentMessages": [{"text": {"text": [""]}}],
            "outputContexts": output_contexts,
            "intent": {
                "name": f"projects/{project}/agent/intents/{uuid.uuid5(uuid.NAMESPACE_DNS, intent)}",
                "displayName": intent,
            },
            "intentDetectionConfidence": 1,
            "languageCode": language,
        },
        "originalDetectIntentRequest": {"payload": payload or {}},
    }
    if source is not None:
        body["originalDetectIntentRequest"]["source"] = source
    return body


def cx_request(
    tag: str,
    text: str = "",
    params: dict | None = None,
    *,
    project: str = "demo-local",
    agent: str = "00000000-0000-0000-0000-000000000000",
    session_id: str = "",
    language: str = "en",
    payload: dict | None = None,
    response_id: str = "",
    location: str = "global",
    page: str = "Start Page",
) -> dict[str, Any]:
    """A CX v3 WebhookRequest with `params` as session parameters."""
    agent_path = f"projects/{project}/locations/{location}/agents/{agent}"
    body: dict[str, Any] = {
        "detectIntentResponseId": response_id or str(uuid.uuid4()),
        "pageInfo": {
            "currentPage": f"{agent_path}/flows/00000000-0000-0000-0000-000000000000/pages/START_PAGE",
            "displayName": page,
        },
        "sessionInfo": {
            "session": f"{agent_path}/sessions/{session_id or uuid.uuid4().hex[:28]}",
            "parameters": dict(params or {}),
        },
        "fulfillmentInfo": {"tag": tag},
        "text": text or tag,
        "languageCode": language,
    }
    if payload:
        body["payload"] = payload
    return body
