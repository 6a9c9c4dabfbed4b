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
import time
import traceback
from typing import TYPE_CHECKING, NamedTuple

from fulfillment import app, router, store
from fulfillment.i18n import _
from fulfillment.reply import Reply
from fulfillment.telemetry import timing
from fulfillment.telemetry.outcome import Outcome
from fulfillment.turn import Turn

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from fulfillment.settings import Settings

log = logging.getLogger("fulfillment")


class Handled(NamedTuple):
    """A handler's Reply and how it went (a named tuple: one is made per request)."""

    reply: Reply
    outcome: Outcome
    detail: str = ""


def apology(kind: str) -> Reply:
    """The polite sentence for `kind` (the app's wording, see fulfillment.app), in the request's language."""
    return Reply.say(_(app.current().message(kind)))


def call(chosen: router.Intent, turn: Turn) -> Handled:
    """Run the handler; whatever it does (raise, return junk) becomes a Reply and its outcome word."""
    try:
        reply = chosen.handler(turn)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a polite answer
        if store.is_misconfigured(exc):  # the user hears the database sentence; we get the fix
            return Handled(
                apology(Outcome.DB_UNAVAILABLE),
                Outcome.MISCONFIGURED,
                f"{type(exc).__name__}: {str(exc)[:300]} -- {store.MISCONFIGURED_FIX}",
            )
        if store.is_unavailable(exc):
            return Handled(
                apology(Outcome.DB_UNAVAILABLE), Outcome.DB_UNAVAILABLE, f"{type(exc).__name__}: {exc}"[:500]
            )
        return Handled(apology(Outcome.HANDLER_ERROR), Outcome.HANDLER_ERROR, traceback.format_exc())
    if not isinstance(reply, Reply):
        return Handled(
            apology(Outcome.HANDLER_ERROR),
            Outcome.HANDLER_ERROR,
            f"handler {chosen.handler.__name__} returned {type(reply).__name__}, not a Reply",
        )
    return Handled(reply, Outcome.FALLBACK if chosen.fallback else Outcome.OK)


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


def run(chosen: router.Intent, turn: Turn, measure: timing.Measure) -> Handled:
    """The handler's outcome, or a polite timeout once the measure's deadline passes."""
    started = time.perf_counter()
    try:
        if chosen.inline or (chosen.on_request_thread and store.healthy()):  # router.intent(blocking=...)
            token = store.on_request_thread.set(True)
            try:
                result = call(chosen, turn)
            finally:
                store.on_request_thread.reset(token)
            if result.outcome == Outcome.DB_UNAVAILABLE and measure.remaining() <= 0:  # as the worker path
                return Handled(apology(Outcome.TIMEOUT), Outcome.TIMEOUT, "firestore")  # would say it
            return result
        context = contextvars.copy_context()  # the handler thread sees this request's Measure
        future = _workers().submit(context.run, call, chosen, turn)
        try:
            return future.result(timeout=max(measure.remaining(), 0.0))
        except TimeoutError:  # concurrent.futures' is the builtin since 3.11
            return Handled(
                apology(Outcome.TIMEOUT), Outcome.TIMEOUT, "firestore" if store.in_flight(measure) else "handler"
            )
    finally:
        measure.add("handler", started)
