"""Calling a handler: its Reply, or the polite sentence for how it failed, as an Outcome.

The one place that turns a handler's exception into an outcome word for the log: a database
that is down (`db_unavailable`), one we may not use (`misconfigured`, with the fix), or a bug
(`handler_error`, with the stack trace). The deadline decides where and how long it runs.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass

from . import app, router, store
from .i18n import _
from .reply import Reply
from .turn import Turn


@dataclass(frozen=True)
class Outcome:
    reply: Reply
    outcome: str          # ok / fallback / handler_error / timeout / db_unavailable / misconfigured
    detail: str = ""


def apology(kind: str) -> Reply:
    """The polite sentence for `kind` (the app's wording, see fulfillment.app), in the request's language."""
    return Reply.say(_(app.current().message(kind)))


def call(chosen: router.Intent, is_fallback: bool, turn: Turn) -> Outcome:
    """Run the handler; whatever it does (raise, return junk) becomes an Outcome with a Reply."""
    try:
        reply = chosen.handler(turn)
    except Exception as exc:          # noqa: BLE001 - every failure becomes a polite answer
        if store.is_misconfigured(exc):      # the user hears the database sentence; we get the fix
            return Outcome(apology("db_unavailable"), "misconfigured",
                           f"{type(exc).__name__}: {str(exc)[:300]} -- {store.MISCONFIGURED_FIX}")
        if store.is_unavailable(exc):
            return Outcome(apology("db_unavailable"), "db_unavailable",
                           f"{type(exc).__name__}: {exc}"[:500])
        return Outcome(apology("handler_error"), "handler_error", traceback.format_exc())
    if not isinstance(reply, Reply):
        return Outcome(apology("handler_error"), "handler_error",
                       f"handler {chosen.handler.__name__} returned {type(reply).__name__}, not a Reply")
    return Outcome(reply, "fallback" if is_fallback else "ok")
