"""`python -m fulfillment latency-report FILE...`: is latency where the users need it?

Reads our request log lines from a local capture or from `gcloud logging read
--format=json` (a JSON array or JSON lines, gzipped or not) and prints, per intent (then
per caller language, as logged: en-us, de, pt-br):
count, p50/p90/p99/max latency, error share, mean Firestore RPCs, and compliance with a
latency SLO such as `--slo 99:1000` (99% of requests under 1000 ms) with the error
budget left. `--plot FILE.png` draws each intent's latency CDF with the SLO line.
"""

from __future__ import annotations

import argparse
import gzip
import io
import itertools
import json
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from fulfillment.telemetry.outcome import FAILURES
from fulfillment.telemetry.recent import percentile


@dataclass
class IntentStats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    rpcs: int = 0

    def add(self, entry: dict) -> None:
        self.latencies.append(float(entry["latency_ms"]))
        status = int((entry.get("httpRequest") or {}).get("status") or 200)
        if entry.get("outcome") in FAILURES or status >= 500:
            self.errors += 1
        self.rpcs += int(entry.get("firestore_rpcs") or 0)


@dataclass(frozen=True)
class Slo:
    target: float  # percent of requests, e.g. 99.0
    threshold_ms: float

    @classmethod
    def parse(cls, text: str) -> "Slo":
        target, _, threshold = text.partition(":")
        slo = cls(float(target), float(threshold))
        if not (0 < slo.target < 100 and slo.threshold_ms > 0):
            raise ValueError("--slo is PERCENT:MILLISECONDS, e.g. 99:1000")
        return slo


def _open(path: str, progress: "Progress") -> io.TextIOBase:
    raw = sys.stdin.buffer if path == "-" else open(path, "rb")
    stream: Any = progress.wrap(raw, path)
    head = stream.peek(2)[:2] if hasattr(stream, "peek") else b""
    if head == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=stream)
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace")


def entries(paths: Iterable[str], progress: "Progress | None" = None) -> Iterator[dict]:
    """Our request entries from every file, whatever the wrapping (gcloud puts ours under
    `jsonPayload`, with `httpRequest` and `severity` beside it)."""
    progress = progress or Progress(enabled=False)
    for path in paths:
        with _open(path, progress) as text:
            first = ""
            while not first:
                char = text.read(1)
                if not char:
                    break
                first = char.strip()
            items: Iterable[Any]
            if first == "[":
                items = json.loads(first + text.read())
            else:
                items = _json_lines(first, text)
            for item in items:
                entry = _unwrap(item)
                if entry is not None:
                    yield entry
    progress.done()


def _json_lines(first: str, text: Any) -> Iterator[dict]:
    """One JSON object per line; other lines (server banners, tracebacks) are skipped."""
    for line in itertools.chain([first + text.readline()], text):
        line = line.strip()
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def _unwrap(item: Any) -> dict | None:
    if not isinstance(item, dict):
        return None
    entry = item
    if "jsonPayload" in item:
        entry = {
            **item["jsonPayload"],
            "httpRequest": item.get("httpRequest") or item["jsonPayload"].get("httpRequest"),
        }
    if "latency_ms" not in entry or (entry.get("httpRequest") or {}).get("requestMethod", "POST") != "POST":
        return None
    return entry


def language_of(entry: dict) -> str:
    """The caller's language as logged, one spelling per language: de-DE, de_de -> de-de."""
    language = entry.get("language")
    return language.strip().replace("_", "-").lower() if isinstance(language, str) and language.strip() else "(none)"


def summarize(all_entries: Iterable[dict], by: str = "intent") -> dict[str, IntentStats]:
    """Stats per intent (by="intent") or per caller language (by="language"), plus ALL."""
    stats: dict[str, IntentStats] = {}
    for entry in all_entries:
        if by == "language":
            name = language_of(entry)
        else:
            name = entry.get("intent") or f"({entry.get('outcome', 'unknown')})"
        stats.setdefault(name, IntentStats()).add(entry)
        stats.setdefault("ALL", IntentStats()).add(entry)
    return stats


def rows(stats: dict[str, IntentStats], slo: Slo | None) -> list[dict]:
    out = []
    for name in sorted(stats, key=lambda n: (n == "ALL", n)):
        s = stats[name]
        ordered = sorted(s.latencies)
        row = {
            "intent": name,
            "count": len(ordered),
            "p50": percentile(ordered, 50),
            "p90": percentile(ordered, 90),
            "p99": percentile(ordered, 99),
            "max": ordered[-1],
            "error_share": s.errors / len(ordered),
            "rpcs": s.rpcs / len(ordered),
        }
        if slo:
            good = sum(1 for ms in ordered if ms <= slo.threshold_ms)
            allowed_bad = (1 - slo.target / 100) * len(ordered)
            bad = len(ordered) - good
            row["slo_met"] = 100 * good / len(ordered)
            row["budget_left"] = 1 - bad / allowed_bad if allowed_bad else (1.0 if bad == 0 else float("-inf"))
        out.append(row)
    return out


def format_table(table: list[dict], slo: Slo | None, first: str = "intent") -> str:
    headers = [first, "count", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "rpcs/req"]
    if slo:
        headers += [f"<= {slo.threshold_ms:g} ms", f"budget ({slo.target:g}%)"]
    lines = []
    for row in table:
        cells = [
            row["intent"],
            str(row["count"]),
            f"{row['p50']:.1f}",
            f"{row['p90']:.1f}",
            f"{row['p99']:.1f}",
            f"{row['max']:.1f}",
            f"{100 * row['error_share']:.1f}%",
            f"{row['rpcs']:.2f}",
        ]
        if slo:
            budget = row["budget_left"]
            cells += [
                f"{row['slo_met']:.2f}%" + ("" if row["slo_met"] >= slo.target else " MISSED"),
                "exhausted" if budget < 0 else f"{100 * budget:.0f}% left",
            ]
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) for i, h in enumerate(headers)]
    render = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )
    return "\n".join([render(headers), render(["-" * w for w in widths]), *map(render, lines)])


def plot(stats: dict[str, IntentStats], slo: Slo | None, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 6), dpi=110)
    for name in sorted(n for n in stats if n != "ALL"):
        ordered = sorted(stats[name].latencies)
        ys = [(i + 1) / len(ordered) * 100 for i in range(len(ordered))]
        ax.step(ordered, ys, where="post", label=f"{name} (n={len(ordered)})")
    if slo:
        ax.axvline(
            slo.threshold_ms, color="red", linestyle="--", label=f"SLO: {slo.target:g}% ≤ {slo.threshold_ms:g} ms"
        )
        ax.axhline(slo.target, color="red", linestyle=":", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("latency (ms, log scale)")
    ax.set_ylabel("requests answered within (%)")
    ax.set_title("Webhook latency per intent (cumulative)")
    ax.set_ylim(0, 100.5)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


class Progress:
    """A progress bar on stderr for inputs over a few MB (bytes read of total size)."""

    def __init__(self, enabled: bool = True, min_bytes: int = 5_000_000):
        self.enabled, self.min_bytes = enabled, min_bytes
        self.total = self.read = 0
        self.shown = -1

    def wrap(self, raw: Any, path: str) -> io.BufferedReader:
        import os

        if path != "-":
            self.total += os.path.getsize(path)
        progress = self

        class Counting(io.RawIOBase):
            def readable(self) -> bool:
                return True

            def readinto(self, buffer: Any) -> int | None:
                n = raw.readinto(buffer)
                progress.tick(n or 0)
                return n

            def close(self) -> None:
                raw.close()
                super().close()

        return io.BufferedReader(Counting(), buffer_size=1 << 20)

    def tick(self, n: int) -> None:
        self.read += n
        if not self.enabled or self.total < self.min_bytes:
            return
        percent = int(100 * self.read / self.total)
        if percent != self.shown:
            self.shown = percent
            bar = "#" * (percent // 4)
            sys.stderr.write(f"\rreading logs [{bar:<25}] {percent:3d}%")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.shown >= 0:
            sys.stderr.write("\n")


def main(args: argparse.Namespace) -> int:
    slo = Slo.parse(args.slo) if args.slo else None
    all_entries = list(entries(args.files, Progress(enabled=not args.quiet)))
    stats = summarize(all_entries)
    if not stats:
        print("no request log entries found", file=sys.stderr)
        return 1
    print(format_table(rows(stats, slo), slo))
    print()
    print(format_table(rows(summarize(all_entries, by="language"), slo), slo, first="language"))
    if args.plot:
        plot(stats, slo, args.plot)
        print(f"wrote {args.plot}")
    return 0
