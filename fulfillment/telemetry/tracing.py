"""Who called and under which trace: the fields Cloud Logging correlates a line by.

Google's front end sends X-Cloud-Trace-Context (or W3C traceparent) and appends the caller's
address to X-Forwarded-For; both arrive as WSGI environ keys.
"""

from __future__ import annotations

from typing import Any, Mapping


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
