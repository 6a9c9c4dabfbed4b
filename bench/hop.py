"""What running Firestore-only handlers on the request thread gains: the same webhook with
and without `blocking="firestore"` on `oncall.current`, interleaved.

The "without" copy is this checkout in a temporary directory with that one declaration
removed (so the handler takes the worker-thread hand-off, as before). Each round serves both
pinned to one core and loads them with wrk at 1 connection (latency of one request alone)
and 16 (throughput), after a warm-up; plus in-process µs and, with valgrind, instructions.

    .venv/bin/python bench/hop.py [--rounds 3] [--duration 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import instructions
import run


def copy_without_declaration(dest: Path) -> Path:
    shutil.copytree(
        run.ROOT, dest, ignore=shutil.ignore_patterns(".venv", ".local", ".git", "node_modules", "__pycache__")
    )
    (dest / ".venv").symlink_to(run.ROOT / ".venv")
    module = dest / "intents" / "oncall_current.py"
    text = module.read_text()
    changed = re.sub(r'@intent\("oncall.current", blocking="firestore",', '@intent("oncall.current",', text)
    assert changed != text, 'oncall.current no longer declares blocking="firestore"'
    module.write_text(changed)
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    import emulator as emulator_script
    import seed

    log_dir = run.server_log_dir()
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    with tempfile.TemporaryDirectory() as tmp:
        variants = {
            'request thread (blocking="firestore")': run.ROOT,
            "worker thread (no declaration)": copy_without_declaration(Path(tmp) / "hop"),
        }
        emu = emulator_script.start()
        os.environ["FIRESTORE_EMULATOR_HOST"] = emu.host
        os.environ["GOOGLE_CLOUD_PROJECT"] = "watchkeeper-bench"
        from fulfillment import store

        seed.seed(store.client())
        samples: dict[str, dict[str, list]] = {v: {} for v in variants}
        try:
            for round_number in range(args.rounds):
                cases = [(v, c) for v in variants for c in (1, 16)]
                random.Random(round_number).shuffle(cases)
                for variant, connections in cases:
                    print(f"round {round_number + 1}: {variant} c={connections}", file=sys.stderr, flush=True)
                    run.TARGETS["ours: oncall.current"] = variants[variant]
                    figures = run.serve_and_load("ours: oncall.current", emu.host, args.duration, connections, log_dir)
                    for key in ("rps", "p50_ms", "p99_ms"):
                        samples[variant].setdefault(f"{key} c{connections}", []).append(figures[key])
                for variant in variants:
                    run.TARGETS["ours: oncall.current"] = variants[variant]
                    samples[variant].setdefault("cpu_us", []).append(
                        run.cpu_us("ours: oncall.current", emu.host, 300, log_dir)
                    )
            if instructions.available():
                body = log_dir / "hop-body.json"
                body.write_bytes(run.body_for("ours: oncall.current"))
                for variant, path in variants.items():
                    samples[variant]["instructions"] = [
                        instructions.per_request(path, body, run.env_for("ours: oncall.current", emu.host))
                    ]
        finally:
            emu.stop()
    result = {v: {k: statistics.median(x) for k, x in figures.items()} for v, figures in samples.items()}
    out = run.BENCH / "results" / "hop.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"load": load, "rounds": args.rounds, "duration": args.duration, "results": result}, indent=2)
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
