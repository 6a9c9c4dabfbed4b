"""The measure of one request: its stages, its Firestore RPCs, its deadline.

A `Measure` lives in a context variable for the length of one request, so code far from
the HTTP layer (the gRPC interceptor in `store`, a warning logged by a renderer) can add
to it without being handed it; `logline.finish` writes it out.
"""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Any, Literal

_current: contextvars.ContextVar["Measure | None"] = contextvars.ContextVar("measure", default=None)
TIMED_STAGES = ("parse", "handler", "render")  # plus "firestore", from the interceptor (logline spells them out)


class Measure:
    """One request's figures. A plain class with slots, not a dataclass: one is made per
    request, and the dataclass's default factories cost more than the fields they fill."""

    __slots__ = ("started", "deadline", "stages", "rpc_count", "rpc_open", "rpc_ms", "fields", "warnings", "lock")

    def __init__(self, started: float | None = None, deadline: float = float("inf")) -> None:
        self.started: float = time.perf_counter() if started is None else started
        self.deadline: float = deadline  # perf_counter time the answer is due
        self.stages: dict[str, float] = {}  # ms
        self.rpc_count = 0
        self.rpc_open = 0  # Firestore RPCs under way
        self.rpc_ms = 0.0
        self.fields: dict[str, Any] = {}
        self.warnings: list[str] = []
        self.lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Measure(stages={self.stages!r}, rpc_count={self.rpc_count}, fields={self.fields!r})"

    def remaining(self) -> float:
        return self.deadline - time.perf_counter()

    def stage(self, name: str) -> "_Stage":
        """`with measure.stage("parse"):` adds the block's time to that stage."""
        return _Stage(self, name)

    def add(self, name: str, started: float) -> None:
        """Add the time since `started` (a perf_counter reading) to stage `name`: what
        `stage` does, for the request path, without a context manager object."""
        stages = self.stages
        stages[name] = stages.get(name, 0.0) + (time.perf_counter() - started) * 1000

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def server_timing(self) -> str:
        stages = self.stages
        text = ""
        for name in TIMED_STAGES:
            if name in stages:
                text += f"{name};dur={stages[name]:.1f}, "
        if self.rpc_count:
            text += f'firestore;dur={self.rpc_ms:.1f};desc="{self.rpc_count} rpc", '
        return f"{text}total;dur={self.elapsed_ms():.1f}"


class _Stage:
    """A plain context manager: @contextmanager's generator costs more than the stages it times."""

    __slots__ = ("measure", "name", "start")

    def __init__(self, measure: Measure, name: str):
        self.measure, self.name = measure, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> Literal[False]:
        self.measure.add(self.name, self.start)
        return False


def begin() -> Measure:
    measure = Measure()
    _current.set(measure)
    return measure


def current() -> Measure | None:
    return _current.get()


def end() -> None:
    """The request is answered: code running later (a late handler thread) sees no measure."""
    _current.set(None)
