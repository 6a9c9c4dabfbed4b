"""Pay the first Firestore request's extra costs as the instance starts, not on a user.

Without this, the first request that needs the database imports `google.cloud.firestore`
(about 250 ms), opens the gRPC channel and fills the application's caches (an on-call
directory: two more round trips) before its own query. Here a background thread does all of
that as soon as the serving process exists, so a health check or a welcome is not held up and
the first Firestore answer pays one round trip.

When: functions-framework imports `main` in gunicorn's master and then forks the worker
that serves. A thread or a gRPC channel does not survive a fork (and an import running
while the fork happens could leave a lock held in the child), so the thread starts in the
forked child (`os.register_at_fork`). A process that never forks (the Flask dev server, a
test calling `main.webhook` directly) starts it on its first request instead (`ensure`).

The thread then waits for the instance's first answer (`answered`, called as every answer
leaves), or for IDLE_START_S without any request (an instance started ahead of traffic),
before it does anything: an instance is usually started by the request it must answer,
and the import shares the one CPU with it (that made the first welcome 15-100 ms slower,
docs/benchmarks.md). A first request that needs the database does the work itself.

`WARMUP=0` turns it off. The work runs under its own budget (`WARMUP_BUDGET_S`, default
5 s), so an unreachable database cannot keep the caches' locks for long.
"""

from __future__ import annotations

import contextvars
import logging
import os
import sys
import threading
import time
from typing import Callable

from fulfillment import store
from fulfillment.settings import settings
from fulfillment.telemetry import timing

log = logging.getLogger("fulfillment")

_hooks: list[Callable[[], object]] = []
_started = False
_lock = threading.Lock()
_registered = False
done = threading.Event()  # set when the warm-up has finished (or failed)
_answered = threading.Event()  # the instance has sent its first answer
first_answer_sent = False  # the same, read per request without a call
_arrived = False  # a request has come in
IDLE_START_S = 0.25  # no request this long after start: warm up anyway
AFTER_ANSWER_S = 0.05  # time for that answer to be written out: loading the
# client's extension modules holds the GIL for ms at a time


def on_start(hook: Callable[[], object]) -> None:
    """Run `hook` in the warm-up (fill a cache, run a representative query once). It gets the
    client from `store.client()` itself, so it holds its cache's lock while the client is
    made; its RPCs go through `store`, so they are bounded."""
    _hooks.append(hook)


def enabled() -> bool:
    return bool(_hooks) and settings().warmup


def start() -> None:
    """Called once at import by the entry module: warm up in the serving process."""
    global _registered
    if not enabled() or _registered:
        return
    _registered = True
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_forked)


def ensure() -> None:
    """Called per request: starts the warm-up if no fork has (a process serving by itself)."""
    global _arrived
    _arrived = True
    if not _started and enabled():
        _start_thread()


def answered() -> None:
    """Called as the first answer leaves (`respond` checks `first_answer_sent`): the warm-up may begin."""
    global first_answer_sent
    first_answer_sent = True
    _answered.set()


def wait(timeout: float | None = None) -> bool:
    """Block until a started warm-up has finished (benchmarks measuring steady state)."""
    return done.wait(timeout) if _started else True


def _forked() -> None:
    global _started, _lock, _arrived, first_answer_sent
    _started, _lock, _arrived = False, threading.Lock(), False  # the parent's state does not apply here
    first_answer_sent = False
    _answered.clear()
    _start_thread()


def _start_thread() -> None:
    global _started
    with _lock:
        if _started:
            return
        _started = True
        done.clear()
    threading.Thread(target=_run, name="warmup", daemon=True).start()


def _run() -> None:
    began = time.perf_counter()
    if _answered.wait(IDLE_START_S) or (_arrived and _answered.wait(_budget())):
        reason = "after the first answer"  # (a first request under way is let finish)
        time.sleep(AFTER_ANSWER_S)
    else:
        reason = f"after {IDLE_START_S:g} s without a request"
    log.info("warm-up begins %s", reason)
    # While this thread imports and builds, let the request thread take the GIL back sooner
    # than the default 5 ms, so a request arriving meanwhile waits less for it.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, 0.0005))
    started = time.perf_counter()
    try:
        rpcs = contextvars.Context().run(_work)  # its own Measure, gone when it returns
        log.info(
            "warm-up done in %.0f ms, %.0f ms after start: Firestore client, channel, %d hooks, %d RPCs",
            (time.perf_counter() - started) * 1000,
            (started - began) * 1000,
            len(_hooks),
            rpcs,
        )
    except Exception as exc:  # noqa: BLE001 - the first request will retry
        log.info("warm-up stopped early (the first request will do it): %s: %s", type(exc).__name__, exc)
    finally:
        sys.setswitchinterval(interval)
        done.set()


def _work() -> int:
    measure = timing.begin()  # a budget for the warm-up's own RPCs
    measure.deadline = measure.started + _budget()
    for hook in _hooks:  # first: a hook takes its cache's lock before the slow import,
        hook()  # so a request arriving meanwhile waits for it, not redoes it
    store.client()
    return measure.rpc_count


def _budget() -> float:
    return settings().warmup_budget_s
