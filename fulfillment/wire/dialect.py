"""Which Dialogflow is calling: ES v2, CX v3, or something we must refuse.

The one place that looks at a body's top-level keys to decide; `es` and `cx` do the rest.
"""

from __future__ import annotations

from typing import Any

from fulfillment import i18n
from fulfillment.http.refusal import Refusal
from fulfillment.reply import Reply
from fulfillment.turn import Turn
from fulfillment.wire import cx, es

_CX_KEYS = {
    "fulfillmentInfo",
    "fulfillment_info",
    "sessionInfo",
    "session_info",
    "pageInfo",
    "page_info",
    "intentInfo",
    "intent_info",
    "detectIntentResponseId",
    "detect_intent_response_id",
    "triggerEvent",
    "trigger_event",
    "triggerIntent",
    "trigger_intent",
}


def detect(body: Any) -> str:
    if not isinstance(body, dict):
        raise Refusal("the body must be a JSON object")
    if "queryResult" in body or "query_result" in body:
        query = body.get("queryResult", body.get("query_result"))
        if not isinstance(query, dict):
            raise Refusal("queryResult must be an object")
        return "es"
    if "result" in body and ("lang" in body or "sessionId" in body or "originalRequest" in body):
        raise Refusal(
            i18n.translate(
                i18n.from_body(body),
                i18n.N_(
                    "Dialogflow ES v1 (api.ai) requests are obsolete and not supported; switch the agent to the v2 API"
                ),
            )
        )
    if _CX_KEYS & body.keys():
        for key in ("sessionInfo", "session_info", "pageInfo", "page_info", "fulfillmentInfo", "fulfillment_info"):
            if key in body and not isinstance(body[key], (dict, type(None))):
                raise Refusal(f"{key} must be an object")
        return "cx"
    raise Refusal("not a Dialogflow webhook request: expected queryResult (ES v2) or fulfillmentInfo/sessionInfo (CX)")


def parse(body: Any) -> Turn:
    if detect(body) == "es":
        if "query_result" in body and "queryResult" not in body:
            body = cx.keys(body)  # proto-JSON snake_case from a direct API caller
        return es.parse(body)
    return cx.parse(body)


def apology(body: Any, text: str) -> dict[str, Any]:
    """A minimal valid answer in the caller's dialect, for when our own code failed and no
    Turn may exist: ES if the body looks like ES, CX otherwise."""
    if isinstance(body, dict) and ("queryResult" in body or "query_result" in body):
        return {"fulfillmentText": text, "fulfillmentMessages": [{"text": {"text": [text]}}]}
    return {"fulfillmentResponse": {"messages": [{"text": {"text": [text]}}]}}


def render(reply: Reply, turn: Turn) -> dict[str, Any]:
    return (es if turn.dialect == "es" else cx).render(reply, turn)
