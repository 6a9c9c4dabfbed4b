"""One structured log line per request, and nothing else on stdout.

The line is the JSON that Cloud Logging parses from Cloud Functions' stdout; `latency_ms`,
`intent` and `outcome` feed the log-based metric in `monitoring/`. Framework warnings join
the current request's line (`install_log_handler`).

Why not google-cloud-logging's StructuredLogHandler: importing it took 310-335 ms here
(google-cloud-logging 3.17.0; it pulls in grpc and the API core), more than our whole entry
module, for a JSON line this module writes itself; see docs/benchmarks.md.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING, Any

from fulfillment import jsonio
from fulfillment.telemetry import recent
from fulfillment.telemetry.outcome import SEVERE, Outcome
from fulfillment.telemetry.timing import Measure, current, end
from fulfillment.telemetry.tracing import remote_ip, trace_fields

if TYPE_CHECKING:
    from flask import Request

    from fulfillment.deadline import Handled
    from fulfillment.turn import Turn

_write_lock = threading.Lock()
# The caller writes these: capped so that one request's line stays far under Cloud Logging's
# 256 KB entry limit (a cut value ends in "…" and is named in the line's "cut" field).
FIELD_CAPS = {"intent": 200, "surface": 40, "language": 35}
MAX_LINE_BYTES = 100_000  # a last guard for whatever else grows (stack traces, warnings)
MAX_WARNING_CHARS = 1000


@functools.lru_cache(maxsize=4096)
def hash_session(session_id: str) -> str:
    """A stable pseudonym for a session, for logs and stored records instead of the id
    (conversations repeat it every turn, hence the cache).

        record["session"] = hash_session(turn.session_id)
    """
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:16] if session_id else ""


_ERROR_EVENT = "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent"


def turn_fields(turn: Turn, log_query_text: bool = False) -> dict[str, Any]:
    """What the log line says about the turn (the session only as a pseudonym)."""
    intent, surface, language = turn.intent, turn.surface, turn.language
    fields: dict[str, Any] = {
        "dialect": turn.dialect,
        "session": hash_session(turn.session_id),
        "intent": intent,
        "surface": surface,
        "language": language,
    }
    if (
        len(intent) > FIELD_CAPS["intent"]
        or len(surface) > FIELD_CAPS["surface"]
        or len(language) > FIELD_CAPS["language"]
    ):
        cut = []
        for name, value in (("intent", intent), ("surface", surface), ("language", language)):
            if len(value) > FIELD_CAPS[name]:
                fields[name] = value[: FIELD_CAPS[name] - 1] + "…"
                cut.append(name)
        fields["cut"] = cut
    if log_query_text:
        fields["query_text"] = turn.query_text[:500]
    return fields


def outcome_fields(result: Handled) -> dict[str, Any]:
    """What the log line says about how the handler went (`deadline.Handled`)."""
    fields: dict[str, Any] = {"outcome": result.outcome}
    if result.outcome == Outcome.HANDLER_ERROR:
        # Error Reporting groups entries whose message carries the stack trace.
        fields.update({"message": result.detail, "@type": _ERROR_EVENT})
    elif result.outcome == Outcome.TIMEOUT:
        fields["timeout_stage"] = result.detail
    elif result.detail:
        fields["error"] = result.detail
    return fields


def crash_fields() -> dict[str, Any]:
    """Our own code failed outside any handler: the exception being handled, for Error Reporting."""
    import traceback

    return {"outcome": Outcome.HANDLER_ERROR, "message": traceback.format_exc(), "@type": _ERROR_EVENT}


_WARNING_OUTCOMES = frozenset((Outcome.TIMEOUT, Outcome.FALLBACK, Outcome.DB_UNAVAILABLE, Outcome.UNAUTHORIZED))


def finish(
    measure: Measure, request: Request, status: int, response_bytes: int, project: str, trust_forwarded: bool = False
) -> dict[str, Any]:
    """Write the request's one log line and remember its latency (`recent.stats`).

    `trust_forwarded`: a Google front end stands before us and appends the address it saw
    to X-Forwarded-For (deployed); otherwise the header is the client's own word.
    Written out flat rather than from helpers: it runs once per request (see docs/benchmarks.md)."""
    latency_ms = measure.elapsed_ms()
    whole_ms = int(latency_ms + 0.5)  # integer arithmetic: cheaper than formatting floats
    environ = request.environ
    get = environ.get
    method, path = get("REQUEST_METHOD", ""), get("PATH_INFO", "") or "/"
    fields = measure.fields
    outcome = fields.get("outcome", "ok")
    severity = fields.pop("severity", None) or (
        "ERROR" if outcome in SEVERE else "WARNING" if status >= 400 or outcome in _WARNING_OUTCOMES else "INFO"
    )
    message = fields.pop("message", None)
    if not message:
        intent = fields.get("intent", "")
        message = (
            f"{method} {path} {status} {outcome} {intent} {whole_ms}ms"
            if intent
            else f"{method} {path} {status} {outcome} {whole_ms}ms"
        )
    stages = measure.stages
    entry: dict[str, Any] = {
        "severity": severity,
        "message": message,
        "httpRequest": {
            "requestMethod": method,
            "requestUrl": path,
            "status": status,
            "latency": f"{whole_ms // 1000}.{whole_ms % 1000:03d}s",
            "userAgent": get("HTTP_USER_AGENT", "")[:200],
            "remoteIp": remote_ip(environ, trust_forwarded) if trust_forwarded else str(get("REMOTE_ADDR") or ""),
            "requestSize": get("CONTENT_LENGTH") or "0",
            "responseSize": str(response_bytes),
        },
    }
    if "HTTP_X_CLOUD_TRACE_CONTEXT" in environ or "HTTP_TRACEPARENT" in environ:
        entry.update(trace_fields(environ, project))
    entry["outcome"] = outcome
    entry["latency_ms"] = int(latency_ms * 100 + 0.5) / 100  # ms to 2 decimals
    entry["stages_ms"] = {
        "parse": int(stages.get("parse", 0.0) * 100 + 0.5) / 100,
        "handler": int(stages.get("handler", 0.0) * 100 + 0.5) / 100,
        "render": int(stages.get("render", 0.0) * 100 + 0.5) / 100,
        "firestore": int(measure.rpc_ms * 100 + 0.5) / 100,
    }
    entry["firestore_rpcs"] = measure.rpc_count
    entry.update(fields)
    if measure.warnings:
        entry["warnings"] = measure.warnings[:20]
    line = jsonio.dumps(entry)
    if len(line) > MAX_LINE_BYTES:
        line = _shrunk(entry)
    emit(line)
    if method == "POST" and "event" not in fields:  # webhook turns only, not Pub/Sub pushes
        recent.record(latency_ms, fields.get("intent", ""), outcome)
    end()
    return entry


def _shrunk(entry: dict[str, Any]) -> bytes:
    """The entry with its long strings cut (and named in "cut"), under MAX_LINE_BYTES."""
    cut = list(entry.get("cut", []))
    small: dict[str, Any] = {}
    for key, value in entry.items():
        if isinstance(value, str) and len(value) > 4000:
            small[key] = value[:4000] + "…"
            cut.append(key)
        elif key == "warnings":
            small[key] = [str(w)[:500] for w in value[:5]]
            cut.append(key)
        else:
            small[key] = value
    small["cut"] = cut
    line = jsonio.dumps(small)
    if len(line) <= MAX_LINE_BYTES:
        return line
    keep = ("severity", "httpRequest", "outcome", "latency_ms", "logging.googleapis.com/trace")
    return jsonio.dumps(
        {k: entry[k] for k in keep if k in entry} | {"message": str(entry.get("message", ""))[:4000], "cut": ["*"]}
    )


def emit(line: bytes) -> None:
    """One log line to stdout, whole. Every write takes the lock: a pipe (Cloud Run's stdout)
    may accept part of a long line, and another thread's line must not land in the gap."""
    data = line + b"\n"
    with _write_lock:
        try:
            fd = sys.stdout.fileno()
        except (AttributeError, ValueError, OSError):  # redirected to an in-memory stream
            sys.stdout.write(data.decode())
            sys.stdout.flush()
            return
        while data:
            data = data[os.write(fd, data) :]


class _ToRequestLog(logging.Handler):
    """Framework warnings join the current request's log line instead of making another;
    outside a request they are written as structured lines of their own."""

    def emit(self, record: logging.LogRecord) -> None:
        measure = current()
        message = record.getMessage()
        if measure is not None and record.levelno < logging.ERROR:
            measure.warnings.append(message[:MAX_WARNING_CHARS])
            return
        entry = {"severity": record.levelname, "message": message, "logger": record.name}
        if record.exc_info:
            entry["message"] += "\n" + logging.Formatter().formatException(record.exc_info)
        entry["message"] = entry["message"][: MAX_LINE_BYTES // 4]  # 4 bytes a character at most
        emit(jsonio.dumps(entry))


def install_log_handler() -> None:
    logger = logging.getLogger("fulfillment")
    if not any(isinstance(h, _ToRequestLog) for h in logger.handlers):
        logger.addHandler(_ToRequestLog())
        logger.setLevel(logging.INFO)
        logger.propagate = False
