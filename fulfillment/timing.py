"""The measure of one request: its stages, its Firestore RPCs, its deadline.

A `Measure` lives in a context variable for the length of one request, so code far from
the HTTP layer (the gRPC interceptor in `store`, a warning logged by a renderer) can add
to it without being handed it; `logline.finish` writes it out.
"""
from __future__ import annotations

import contextvars
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

_current: contextvars.ContextVar["Measure | None"] = contextvars.ContextVar("measure", default=None)
TIMED_STAGES = ("parse", "handler", "render")     # plus "firestore", from the interceptor


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
        parts = [f"{name};dur={self.stages[name]:.1f}" for name in TIMED_STAGES if name in self.stages]
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


def end() -> None:
    """The request is answered: code running later (a late handler thread) sees no measure."""
    _current.set(None)
