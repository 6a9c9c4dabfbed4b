"""The outcome words: how a request or a push went, in one vocabulary.

The log line's `outcome`, the health ring buffer, the latency report, push answers and the
monitoring filters (monitoring/*.json, *.yaml) all use these; a test holds the filters to them.
Event handlers may report words of their own (`push.Result.outcome`, e.g. "delivered").
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"  # the intent's handler answered
    FALLBACK = "fallback"  # no intent matched: the fallback answered
    TIMEOUT = "timeout"  # the deadline came first: a polite timeout
    HANDLER_ERROR = "handler_error"  # a bug: an apology, the stack trace in the log
    DB_UNAVAILABLE = "db_unavailable"  # the database failing: its sentence (push: 503)
    MISCONFIGURED = "misconfigured"  # the database refusing us: its sentence, the fix logged
    BAD_REQUEST = "bad_request"  # refused at the door (400, 405, 413, 415, 404)
    UNAUTHORIZED = "unauthorized"  # refused at the door (401, or 503 unconfigured)
    IGNORED = "ignored"  # a push that can never be used: acknowledged
    RETRY = "retry"  # a push to try again later: 503


# Counted as failures by the health check and the latency report.
FAILURES = frozenset({Outcome.HANDLER_ERROR, Outcome.TIMEOUT, Outcome.DB_UNAVAILABLE, Outcome.MISCONFIGURED})
# Logged at severity ERROR (Error Reporting): ours to fix, not the database's or the caller's.
SEVERE = frozenset({Outcome.HANDLER_ERROR, Outcome.MISCONFIGURED})
