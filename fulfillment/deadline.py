"""Answer before Dialogflow gives up, whatever the handler or the database does.

The handler runs on a worker thread, and the request thread waits for it only as long as
the budget allows. Handlers declared `inline` (no I/O) or `blocking="firestore"` (their only
waits are Firestore RPCs, each cut by `store` to the time left) run on the request thread:
the interceptor already keeps their deadline, so the hand-off would buy nothing. That holds
while the database answers; after a failed RPC they take the worker thread for a while
(`store.healthy`), because the client's sleeps between retries are not bounded by the
interceptor.

A late worker's reply is simply dropped: Replies are immutable and the response was already
built from another one, so nothing the late thread does can reach it. Firestore calls made
by the late thread fail fast, because `store` gives each RPC the time that is left (none,
by then).
"""
from __future__ import annotations

import contextvars
import logging
import threading
from typing import TYPE_CHECKING

from . import router, store, timing
from .dispatch import Outcome, apology, call
from .turn import Turn

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from .settings import Settings

log = logging.getLogger("fulfillment")

_pool = None
_pool_lock = threading.Lock()


def _workers() -> ThreadPoolExecutor:
    """The handler threads, started on the first request that needs one."""
    global _pool
    with _pool_lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor
            _pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="handler")
    return _pool


def budget_for(turn: Turn, settings: Settings) -> float:
    return settings.es_budget_s if turn.dialect == "es" else settings.cx_deadline_s


def run(chosen: router.Intent, is_fallback: bool, turn: Turn, measure: timing.Measure) -> Outcome:
    """The handler's outcome, or a polite timeout once the measure's deadline passes."""
    with measure.stage("handler"):
        if chosen.inline or (chosen.on_request_thread and store.healthy()):   # router.intent(blocking=...)
            token = store.on_request_thread.set(True)
            try:
                result = call(chosen, is_fallback, turn)
            finally:
                store.on_request_thread.reset(token)
            if result.outcome == "db_unavailable" and measure.remaining() <= 0:    # as the worker path
                return Outcome(apology("timeout"), "timeout", "firestore")           # would say it
            return result
        context = contextvars.copy_context()     # the handler thread sees this request's Measure
        future = _workers().submit(context.run, call, chosen, is_fallback, turn)
        try:
            return future.result(timeout=max(measure.remaining(), 0.0))
        except TimeoutError:                   # concurrent.futures' is the builtin since 3.11
            return Outcome(apology("timeout"), "timeout",
                           "firestore" if store.in_flight(measure) else "handler")
