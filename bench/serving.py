"""Which gunicorn WORKERS × THREADS serves 16 concurrent requests best on 1 CPU.

Cloud Functions (2nd gen) runs functions-framework, which reads WORKERS (default 1) and
THREADS (default 4 × CPUs) from the environment. With --concurrency=16 and 1 CPU, every
setting below gets 16 connections from wrk on the other core while the server is pinned to
one; rounds interleave the settings, figures are medians. Writes bench/results/serving.json,
which `bench/run.py` (and `--report-only`) puts into docs/benchmarks.md.

    .venv/bin/python bench/serving.py [--rounds 2] [--duration 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

import run

SETTINGS = [(1, 16), (1, 8), (1, 4), (2, 8), (4, 4)]
REQUESTS = {"welcome [real]": "ours: welcome [real]", "oncall.current": "ours: oncall.current"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    import emulator as emulator_script
    import seed

    log_dir = run.server_log_dir()
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    emu = emulator_script.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emu.host
    os.environ["GOOGLE_CLOUD_PROJECT"] = "watchkeeper-bench"
    from fulfillment import store

    seed.seed(store.client())
    samples: dict[tuple, dict[str, list]] = {}
    try:
        for round_number in range(args.rounds):
            cases = [(w, t, r) for w, t in SETTINGS for r in REQUESTS]
            random.Random(round_number).shuffle(cases)
            for workers, threads, request in cases:
                print(
                    f"round {round_number + 1}/{args.rounds}: {workers}x{threads} {request}",
                    file=sys.stderr,
                    flush=True,
                )
                figures = run.serve_and_load(
                    REQUESTS[request],
                    emu.host,
                    args.duration,
                    16,
                    log_dir,
                    {"WORKERS": str(workers), "THREADS": str(threads)},
                )
                for key, value in figures.items():
                    samples.setdefault((workers, threads, request), {}).setdefault(key, []).append(value)
    finally:
        emu.stop()
    rows = []
    for (workers, threads, request), figures in samples.items():
        rows.append(
            {
                "workers": workers,
                "threads": threads,
                "request": request,
                **{
                    k: statistics.median(v)
                    for k, v in figures.items()
                    if k in ("rps", "p50_ms", "p99_ms", "peak_rss_mib", "errors")
                },
            }
        )
    rows.sort(key=lambda r: (r["request"], -r["rps"]))
    best = {request: max((r for r in rows if r["request"] == request), key=lambda r: r["rps"]) for request in REQUESTS}
    verdict = "Fastest by req/s: " + "; ".join(
        f"{request}: {b['workers']} × {b['threads']}" for request, b in best.items()
    )
    setting = (
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {args.rounds} interleaved rounds, wrk "
        f"{args.duration:g} s × 16 connections, server pinned to one core; load average at start {load}."
    )
    out = run.BENCH / "results" / "serving.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"setting": setting, "rows": rows, "verdict": verdict}, indent=2))
    print("\n".join(run.serving_section()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
