"""What the health path shows and what each request adds to its log line."""
from __future__ import annotations

from typing import Any

from . import telemetry
from .deadline import Outcome
from .turn import Turn


def is_health_check(environ, cfg) -> bool:
    """GET on the health path (or the root, for uptime checks on the bare URL)."""
    return environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO", "").rstrip("/") in (cfg.health_path, "")


def status(registered: list[str]) -> dict[str, Any]:
    """For an uptime check: alive, which version, which intents. Nothing sensitive."""
    from .config import settings

    return {"status": "ok", "version": settings().version, "intents": registered}


def turn_fields(turn: Turn, cfg) -> dict[str, Any]:
    fields = {"dialect": turn.dialect, "intent": turn.intent, "surface": turn.surface,
              "language": turn.language, "session": telemetry.hash_session(turn.session_id)}
    if cfg.log_query_text:
        fields["query_text"] = turn.query_text[:500]
    return fields


def outcome_fields(result: Outcome) -> dict[str, Any]:
    fields: dict[str, Any] = {"outcome": result.outcome}
    if result.outcome == "handler_error":
        # Error Reporting groups entries whose message carries the stack trace.
        fields["message"] = result.detail
        fields["@type"] = "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent"
    elif result.outcome == "timeout":
        fields["timeout_stage"] = result.detail
    elif result.detail:
        fields["error"] = result.detail
    return fields


def crash_fields() -> dict[str, Any]:
    import traceback

    return {"outcome": "handler_error", "message": traceback.format_exc(),
            "@type": "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent"}


def crash_reply(body: Any) -> dict[str, Any]:
    """A valid apology in the caller's dialect when our own code failed past the handler."""
    from .deadline import MESSAGES

    text = MESSAGES["handler_error"]
    if isinstance(body, dict) and "queryResult" in body:
        return {"fulfillmentText": text, "fulfillmentMessages": [{"text": {"text": [text]}}]}
    return {"fulfillmentResponse": {"messages": [{"text": {"text": [text]}}]}}
