"""Every answer leaves the same way: JSON bytes, a Server-Timing header, one log line.

The webhook and push deliveries share the two ways out that are not an answer: a refusal
at the door (`refused`) and a bug of ours (`crashed`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fulfillment import jsonio, warmup
from fulfillment.settings import settings
from fulfillment.telemetry import logline

Answer = tuple[bytes, int, dict[str, str]]  # what functions-framework sends

if TYPE_CHECKING:
    from flask import Request

    from fulfillment.http.refusal import Refusal
    from fulfillment.telemetry.timing import Measure


def respond(
    request: Request, measure: Measure, status: int, payload: Any, headers: dict[str, str] | None = None
) -> Answer:
    """The (body, status, headers) functions-framework sends; `payload` is JSON-able or bytes."""
    body = payload if isinstance(payload, bytes) else jsonio.dumps(payload)
    response_headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Server-Timing": measure.server_timing(),
        **(headers or {}),
    }
    cfg = settings()
    logline.finish(measure, request, status, len(body), cfg.project, cfg.production)
    if not warmup.first_answer_sent:  # the first answer lets the start-up work begin
        warmup.answered()
    return body, status, response_headers


def refused(request: Request, measure: Measure, refusal: Refusal) -> Answer:
    """A short JSON error with the refusal's status and headers; its outcome word is logged."""
    measure.fields.setdefault("outcome", refusal.outcome)
    measure.fields["error"] = str(refusal)
    return respond(request, measure, refusal.status, {"error": str(refusal)}, headers=refusal.headers)


def crashed(request: Request, measure: Measure, status: int, payload: Any) -> Answer:
    """A bug of ours, called from its `except`: the stack trace goes to the log line."""
    measure.fields.update(logline.crash_fields())
    return respond(request, measure, status, payload)
