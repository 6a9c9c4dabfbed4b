"""Every request measured: stage timings, Firestore RPCs, one structured log line.

A `Measure` lives in a context variable for the length of one request, so code far from
the HTTP layer (the gRPC interceptor in `store`, a warning logged by a renderer) can add
to it without being handed it. The log line is the JSON that Cloud Logging parses from
Cloud Functions' stdout; `latency_ms`, `intent` and `outcome` feed the log-based metric in
`monitoring/`.

Why not google-cloud-logging's StructuredLogHandler: importing it took 310-335 ms here
(google-cloud-logging 3.17.0; it pulls in grpc and the API core), more than our whole entry
module, for a JSON line this module writes itself; see BENCHMARKS.md.
"""
from __future__ import annotations

import collections
import contextvars
import functools
import hashlib
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping

if TYPE_CHECKING:
    from flask import Request

    from .deadline import Outcome
    from .turn import Turn


from . import jsonio

_current: contextvars.ContextVar["Measure | None"] = contextvars.ContextVar("measure", default=None)
_write_lock = threading.Lock()
_recent: collections.deque = collections.deque(maxlen=1000)   # (time, latency_ms, intent, outcome)
_recent_lock = threading.Lock()
_TIMED_STAGES = ("parse", "handler", "render")     # plus "firestore", from the interceptor
# The caller writes these: capped so that one request's line stays far under Cloud Logging's
# 256 KB entry limit (a cut value ends in "…" and is named in the line's "cut" field).
FIELD_CAPS = {"intent": 200, "surface": 40, "language": 35}
MAX_LINE_BYTES = 100_000             # a last guard for whatever else grows (stack traces, warnings)
MAX_WARNING_CHARS = 1000

@dataclass
class Measure:
    started: float = field(default_factory=time.perf_counter)
    deadline: float = float("inf")                   # perf_counter time the answer is due
    stages: dict[str, float] = field(default_factory=dict)   # ms
    rpc_count: int = 0
    rpc_open: int = 0                                # Firestore RPCs under way
    rpc_ms: float = 0.0
    fields: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def remaining(self) -> float:
        return self.deadline - time.perf_counter()

    def stage(self, name: str) -> "_Stage":
        """`with measure.stage("parse"):` adds the block's time to that stage."""
        return _Stage(self, name)

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def server_timing(self) -> str:
        parts = [f"{name};dur={self.stages[name]:.1f}" for name in _TIMED_STAGES if name in self.stages]
        if self.rpc_count:
            parts.append(f'firestore;dur={self.rpc_ms:.1f};desc="{self.rpc_count} rpc"')
        parts.append(f"total;dur={self.elapsed_ms():.1f}")
        return ", ".join(parts)


class _Stage:
    """A plain context manager: @contextmanager's generator costs more than the stages it times."""

    __slots__ = ("measure", "name", "start")

    def __init__(self, measure: Measure, name: str):
        self.measure, self.name = measure, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> Literal[False]:
        stages = self.measure.stages
        stages[self.name] = stages.get(self.name, 0.0) + (time.perf_counter() - self.start) * 1000
        return False


def begin() -> Measure:
    measure = Measure()
    _current.set(measure)
    return measure


def current() -> Measure | None:
    return _current.get()


@functools.lru_cache(maxsize=4096)
def hash_session(session_id: str) -> str:
    """A stable pseudonym for a session, for logs and stored records instead of the id
    (conversations repeat it every turn, hence the cache).

        record["session"] = hash_session(turn.session_id)
    """
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:16] if session_id else ""


def trace_fields(headers: Mapping[str, Any], project: str) -> dict[str, Any]:
    """Cloud Logging trace correlation from X-Cloud-Trace-Context or W3C traceparent
    (`headers` is the WSGI environ: HTTP_* keys)."""
    out: dict[str, Any] = {}
    cloud = headers.get("HTTP_X_CLOUD_TRACE_CONTEXT", "")
    parent = headers.get("HTTP_TRACEPARENT", "")
    trace = span = ""
    sampled = None
    if cloud:
        trace, _, rest = cloud.partition("/")
        span, _, options = rest.partition(";")
        sampled = options.strip() == "o=1" if options else None
    elif parent.count("-") == 3:
        _, trace, span, flags = parent.split("-")
        sampled = bool(int(flags, 16) & 1) if all(c in "0123456789abcdefABCDEF" for c in flags) else None
    trace = "".join(c for c in trace if c.isalnum())[:64]
    if trace:
        out["logging.googleapis.com/trace"] = f"projects/{project}/traces/{trace}"
        if span:
            out["logging.googleapis.com/spanId"] = "".join(c for c in span if c.isalnum())[:32]
        if sampled is not None:
            out["logging.googleapis.com/trace_sampled"] = sampled
    return out


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
    """What the log line says about how the handler went (a `deadline.Outcome`)."""
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
    """Write the request's one log line and remember its latency for `recent_stats`.

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
        "stages_ms": {name: round(measure.stages.get(name, 0.0), 2) for name in _TIMED_STAGES}
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
        with _recent_lock:
            _recent.append((time.time(), latency_ms, entry.get("intent", ""), outcome))
    _current.set(None)
    return entry


def remote_ip(environ: Any, trust_forwarded: bool) -> str:
    """The caller's address. Behind Google's front end, the last X-Forwarded-For entry is the
    one the front end appended; the entries before it are whatever the client sent."""
    if trust_forwarded:
        last = environ.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if last and _is_ip(last):
            return last
    return str(environ.get("REMOTE_ADDR") or "")


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


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


def recent_stats(window_s: float = 3600.0) -> dict[str, Any]:
    """This instance's recent request latencies (behind the `webhook.health` intent)."""
    cutoff = time.time() - window_s
    with _recent_lock:
        latencies = sorted(ms for at, ms, _, _ in _recent if at >= cutoff)
        errors = sum(1 for at, _, _, outcome in _recent if at >= cutoff and outcome in ("handler_error", "timeout", "db_unavailable", "misconfigured"))
    return {"count": len(latencies), "errors": errors,
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99)}


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks: numpy's default method."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


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
