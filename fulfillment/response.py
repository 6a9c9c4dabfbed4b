"""Every answer leaves the same way: JSON bytes, a Server-Timing header, one log line."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import limits, logline, warmup
from .settings import settings

if TYPE_CHECKING:
    from flask import Request

    from .timing import Measure


def respond(request: Request, measure: Measure, status: int, payload: Any,
            headers: dict[str, str] | None = None) -> tuple[bytes, int, dict[str, str]]:
    """The (body, status, headers) functions-framework sends; `payload` is JSON-able or bytes."""
    body = payload if isinstance(payload, bytes) else limits.encode(payload)
    response_headers = {"Content-Type": "application/json; charset=utf-8",
                        "Server-Timing": measure.server_timing(), **(headers or {})}
    cfg = settings()
    logline.finish(measure, request, status, len(body), cfg.project, cfg.production)
    if not warmup.first_answer_sent:      # the first answer lets the start-up work begin
        warmup.answered()
    return body, status, response_headers
