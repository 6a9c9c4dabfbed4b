"""One structured log line per request, and nothing else on stdout.

The line is the JSON that Cloud Logging parses from Cloud Functions' stdout; `latency_ms`,
`intent` and `outcome` feed the log-based metric in `monitoring/`. Framework warnings join
the current request's line (`install_log_handler`).

Why not google-cloud-logging's StructuredLogHandler: importing it took 310-335 ms here
(google-cloud-logging 3.17.0; it pulls in grpc and the API core), more than our whole entry
module, for a JSON line this module writes itself; see BENCHMARKS.md.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING, Any

from . import jsonio, recent
from .timing import TIMED_STAGES, Measure, current, end
from .tracing import remote_ip, trace_fields

if TYPE_CHECKING:
    from flask import Request

    from .dispatch import Outcome
    from .turn import Turn

_write_lock = threading.Lock()
# The caller writes these: capped so that one request's line stays far under Cloud Logging's
# 256 KB entry limit (a cut value ends in "…" and is named in the line's "cut" field).
FIELD_CAPS = {"intent": 200, "surface": 40, "language": 35}
MAX_LINE_BYTES = 100_000             # a last guard for whatever else grows (stack traces, warnings)
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
    fields: dict[str, Any] = {"dialect": turn.dialect, "session": hash_session(turn.session_id)}
    cut = []
    for name, value in (("intent", turn.intent), ("surface", turn.surface), ("language", turn.language)):
        fields[name] = value if len(value) <= FIELD_CAPS[name] else value[:FIELD_CAPS[name] - 1] + "…"
        if len(value) > FIELD_CAPS[name]:
            cut.append(name)
    if log_query_text:
        fields["query_text"] = turn.query_text[:500]
    if cut:
        fields["cut"] = cut
    return fields


def outcome_fields(result: Outcome) -> dict[str, Any]:
    """What the log line says about how the handler went (a `dispatch.Outcome`)."""
    fields: dict[str, Any] = {"outcome": result.outcome}
    if result.outcome == "handler_error":
        # Error Reporting groups entries whose message carries the stack trace.
        fields.update({"message": result.detail, "@type": _ERROR_EVENT})
    elif result.outcome == "timeout":
        fields["timeout_stage"] = result.detail
    elif result.detail:
        fields["error"] = result.detail
    return fields


def crash_fields() -> dict[str, Any]:
    """Our own code failed outside any handler: the exception being handled, for Error Reporting."""
    import traceback

    return {"outcome": "handler_error", "message": traceback.format_exc(), "@type": _ERROR_EVENT}


def finish(measure: Measure, request: Request, status: int, response_bytes: int, project: str,
           trust_forwarded: bool = False) -> dict[str, Any]:
    """Write the request's one log line and remember its latency (`recent.stats`).

    `trust_forwarded`: a Google front end stands before us and appends the address it saw
    to X-Forwarded-For (deployed); otherwise the header is the client's own word."""
    latency_ms = measure.elapsed_ms()
    environ = request.environ
    method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "") or "/"
    outcome = measure.fields.get("outcome", "ok")
    severity = measure.fields.pop("severity", None) or (
        "ERROR" if outcome in ("handler_error", "misconfigured") else
        "WARNING" if outcome in ("timeout", "fallback", "db_unavailable", "unauthorized") or status >= 400 else "INFO")
    entry: dict[str, Any] = {
        "severity": severity,
        "message": measure.fields.pop("message", None) or
        f"{method} {path} {status} {outcome} {measure.fields.get('intent', '')} {latency_ms:.0f}ms".replace("  ", " "),
        "httpRequest": {
            "requestMethod": method,
            "requestUrl": path,
            "status": status,
            "latency": f"{latency_ms / 1000:.3f}s",
            "userAgent": environ.get("HTTP_USER_AGENT", "")[:200],
            "remoteIp": remote_ip(environ, trust_forwarded),
            "requestSize": environ.get("CONTENT_LENGTH") or "0",
            "responseSize": str(response_bytes),
        },
        **trace_fields(environ, project),
        "outcome": outcome,
        "latency_ms": round(latency_ms, 2),
        "stages_ms": {name: round(measure.stages.get(name, 0.0), 2) for name in TIMED_STAGES}
        | {"firestore": round(measure.rpc_ms, 2)},
        "firestore_rpcs": measure.rpc_count,
        **measure.fields,
    }
    if measure.warnings:
        entry["warnings"] = measure.warnings[:20]
    line = jsonio.dumps(entry)
    if len(line) > MAX_LINE_BYTES:
        line = _shrunk(entry)
    emit(line)
    if method == "POST" and "event" not in entry:      # webhook turns only, not Pub/Sub pushes
        recent.record(latency_ms, entry.get("intent", ""), outcome)
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
    return jsonio.dumps({k: entry[k] for k in keep if k in entry} |
                        {"message": str(entry.get("message", ""))[:4000], "cut": ["*"]})


def emit(line: bytes) -> None:
    """One log line to stdout, whole. Every write takes the lock: a pipe (Cloud Run's stdout)
    may accept part of a long line, and another thread's line must not land in the gap."""
    data = line + b"\n"
    with _write_lock:
        try:
            fd = sys.stdout.fileno()
        except (AttributeError, ValueError, OSError):       # redirected to an in-memory stream
            sys.stdout.write(data.decode())
            sys.stdout.flush()
            return
        while data:
            data = data[os.write(fd, data):]


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
        entry["message"] = entry["message"][:MAX_LINE_BYTES // 4]     # 4 bytes a character at most
        emit(jsonio.dumps(entry))


def install_log_handler() -> None:
    logger = logging.getLogger("fulfillment")
    if not any(isinstance(h, _ToRequestLog) for h in logger.handlers):
        logger.addHandler(_ToRequestLog())
        logger.setLevel(logging.INFO)
        logger.propagate = False
