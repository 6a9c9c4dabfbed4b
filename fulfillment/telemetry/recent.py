"""This instance's recent webhook latencies: the ring buffer behind `webhook.health`."""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

from fulfillment.telemetry.outcome import FAILURES

_recent: collections.deque = collections.deque(maxlen=1000)  # (time, latency_ms, intent, outcome)
_lock = threading.Lock()


def record(latency_ms: float, intent: str, outcome: str) -> None:
    """One answered webhook turn (not a Pub/Sub push)."""
    with _lock:
        _recent.append((time.time(), latency_ms, intent, outcome))


def stats(window_s: float = 3600.0) -> dict[str, Any]:
    """This instance's recent webhook latencies and failures (behind `webhook.health`).

    stats = recent_stats(600)      # {"count": 12, "errors": 0, "p50": 8.1, "p99": 40.2}
    """
    cutoff = time.time() - window_s
    with _lock:
        latencies = sorted(ms for at, ms, _, _ in _recent if at >= cutoff)
        errors = sum(1 for at, _, _, outcome in _recent if at >= cutoff and outcome in FAILURES)
    return {
        "count": len(latencies),
        "errors": errors,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks: numpy's default method."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
