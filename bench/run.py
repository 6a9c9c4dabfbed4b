"""Watchkeeper against the floor and its peers, interleaved in one run.

    make bench                       # or: .venv/bin/python bench/run.py [--rounds 3] [--duration 5]

Every target is served the way the function is deployed (functions-framework on gunicorn)
and gets the same ES welcome request; ours is also measured on a Firestore-backed intent
(`oncall.current`) against the emulator. Rounds interleave the targets in a shuffled
order so machine drift cancels; each figure is the median of the rounds. Writes
bench/results/latest.json and BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import webhook_server  # noqa: E402

from fulfillment.simulate import es_request  # noqa: E402

from procinfo import rss_kib  # noqa: E402

TARGETS = {
    "floor": BENCH / "targets" / "floor",
    "peer: dialogflow-fulfillment": BENCH / "targets" / "peer_dff",
    "peer: official types": BENCH / "targets" / "peer_types",
    "ours: welcome": ROOT,
    "ours: oncall.current (Firestore)": ROOT,
}
GOALS = {"cpu_us": ("<=", 1.5), "rps": (">=", 0.9), "p99_ms": ("<=", 1.2), "cold_start_ms": ("<=", 1.3)}
LOWER_IS_BETTER = {"cpu_us", "p99_ms", "p50_ms", "cold_start_ms", "import_ms", "peak_rss_mib"}


def free_port() -> int:
    import emulator
    return emulator.free_port()


def body_for(target: str) -> bytes:
    if "oncall" in target:
        return json.dumps(es_request("oncall.current", params={"service": "payments"}, session_id="bench",
                                     response_id="bench")).encode()
    return json.dumps(es_request("welcome", session_id="bench", response_id="bench")).encode()


def env_for(target: str, emulator_host: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRESTORE_")}
    env.update({"PYTHONUNBUFFERED": "1", "WEBHOOK_ALLOW_UNAUTHENTICATED": "1", "GOOGLE_CLOUD_PROJECT": "watchkeeper-bench"})
    if "oncall" in target:
        env["FIRESTORE_EMULATOR_HOST"] = emulator_host
    return env


def post(url: str, body: bytes, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


def serve_and_load(target: str, emulator_host: str, duration: float, connections: int, log_dir: Path) -> dict:
    """Cold start to first good answer, then a wrk run, sampling peak RSS."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    body = body_for(target)
    log = open(log_dir / f"{re.sub(r'[^a-z]+', '-', target)}-{port}.log", "wb")
    started = time.perf_counter()
    process = subprocess.Popen(webhook_server.command(port, source=str(TARGETS[target] / "main.py")),
                               cwd=TARGETS[target], env=env_for(target, emulator_host), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    figures: dict = {}
    try:
        while True:
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError(f"{target} did not start; see {log.name}")
            try:
                status, answer = post(url, body, timeout=2)
                if status == 200 and b"fulfillment" in answer and b"Sorry" not in answer:
                    break
            except OSError:
                time.sleep(0.005)
        figures["cold_start_ms"] = (time.perf_counter() - started) * 1000
        for _ in range(200):                                  # warm up before measuring load
            post(url, body)
        peak = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kib(process.pid))
                time.sleep(0.05)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        body_file = log_dir / "body.json"
        body_file.write_bytes(body)
        result = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency",
                                 "-s", str(BENCH / "post.lua"), url], capture_output=True, text=True,
                                env={**os.environ, "WRK_BODY_FILE": str(body_file)}, timeout=duration + 60)
        stop.set()
        sampler.join()
        if "Requests/sec" not in result.stdout:
            raise RuntimeError(f"wrk failed for {target}: {result.stdout}{result.stderr}")
        figures.update(parse_wrk(result.stdout))
        figures["peak_rss_mib"] = peak[0] / 1024
        if "oncall" in target:
            time.sleep(0.3)
            rpcs = [json.loads(item).get("firestore_rpcs", 0) for item in open(log.name, encoding="utf-8", errors="replace")
                    if item.startswith("{") and '"latency_ms"' in item]
            steady = rpcs[1:]                    # the first request also fills the name cache
            figures["rpcs_per_request"] = statistics.mean(steady) if steady else None
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
    return figures


def parse_wrk(text: str) -> dict:
    def found(pattern: str) -> str:
        match = re.search(pattern, text, re.M)
        if match is None:
            raise RuntimeError(f"wrk output has no {pattern!r}:\n{text}")
        return match.group(1)

    def ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    rps = float(found(r"Requests/sec:\s+([\d.]+)"))
    p50 = ms(found(r"^\s+50%\s+(\S+)"))
    p99 = ms(found(r"^\s+99%\s+(\S+)"))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def import_ms(target: str, emulator_host: str) -> float:
    code = "import time; t = time.perf_counter(); import main; print((time.perf_counter() - t) * 1000)"
    result = subprocess.run([sys.executable, "-c", code], cwd=TARGETS[target], capture_output=True, text=True,
                            env=env_for(target, emulator_host), timeout=120)
    return float(result.stdout.strip().splitlines()[-1])


def cpu_us(target: str, emulator_host: str, n: int, log_dir: Path) -> float:
    body_file = log_dir / f"inprocess-{re.sub(r'[^a-z]+', '-', target)}.json"
    body_file.write_bytes(body_for(target))
    result = subprocess.run([sys.executable, str(BENCH / "inprocess.py"), str(TARGETS[target]), str(body_file), str(n)],
                            cwd=TARGETS[target], capture_output=True, text=True, env=env_for(target, emulator_host),
                            timeout=600)
    if result.returncode:
        raise RuntimeError(result.stderr[-2000:])
    return float(result.stdout.strip().splitlines()[-1])


def measure(rounds: int, duration: float, connections: int, cpu_n: int) -> dict:
    import emulator as emulator_script
    import seed

    log_dir = ROOT / ".local" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    emu = emulator_script.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emu.host
    os.environ["GOOGLE_CLOUD_PROJECT"] = "watchkeeper-bench"
    from fulfillment import store
    seed.seed(store.client())
    samples: dict[str, dict[str, list]] = {t: {} for t in TARGETS}
    try:
        for round_number in range(rounds):
            order = list(TARGETS)
            random.Random(round_number).shuffle(order)
            for target in order:
                print(f"round {round_number + 1}/{rounds}: {target}", file=sys.stderr, flush=True)
                figures = serve_and_load(target, emu.host, duration, connections, log_dir)
                figures["import_ms"] = import_ms(target, emu.host)
                figures["cpu_us"] = cpu_us(target, emu.host, cpu_n, log_dir)
                for key, value in figures.items():
                    samples[target].setdefault(key, []).append(value)
    finally:
        emu.stop()
    medians = {}
    for target, figures in samples.items():
        medians[target] = {k: (statistics.median(v) if all(isinstance(x, (int, float)) for x in v if x is not None)
                               and None not in v else v[-1]) for k, v in figures.items()}
    return medians


def verdicts(results: dict) -> list[str]:
    floor, notes = results["floor"], []
    ours = results["ours: welcome"]
    for key, (op, limit) in GOALS.items():
        ratio = ours[key] / floor[key]
        ok = ratio <= limit if op == "<=" else ratio >= limit
        notes.append(f"{key}: ours/floor = {ratio:.2f} (target {op} {limit}) {'met' if ok else 'MISSED'}")
    for peer in ("peer: dialogflow-fulfillment", "peer: official types"):
        behind = [k for k in ("cpu_us", "rps", "p50_ms", "p99_ms", "cold_start_ms", "import_ms", "peak_rss_mib")
                  if (ours[k] > results[peer][k] if k in LOWER_IS_BETTER else ours[k] < results[peer][k])]
        notes.append(f"vs {peer}: " + ("ahead on every figure" if not behind else f"BEHIND on {', '.join(behind)}"))
    return notes


def table(results: dict) -> str:
    columns = [("cold_start_ms", "cold start ms"), ("import_ms", "import ms"), ("cpu_us", "in-process µs/req"),
               ("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("peak_rss_mib", "peak RSS MiB"),
               ("errors", "non-2xx"), ("rpcs_per_request", "RPCs/req")]
    floor = results["floor"]
    lines = ["| target | " + " | ".join(title for _, title in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for target, figures in results.items():
        cells = []
        for key, _ in columns:
            value = figures.get(key)
            if value is None:
                cells.append("–")
            elif key in ("errors",):
                cells.append(str(int(value)))
            elif key == "rpcs_per_request":
                cells.append(f"{value:.2f}")
            else:
                ratio = f" ({value / floor[key]:.2f}×)" if target != "floor" and floor.get(key) else ""
                cells.append(f"{value:.1f}{ratio}")
        lines.append(f"| {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(results: dict, args) -> str:
    cpu = next((item.split(":", 1)[1].strip() for item in Path("/proc/cpuinfo").read_text().splitlines()
                if item.startswith("model name")), platform.processor())
    markdown = "\n".join([
        "# Benchmarks", "",
        "Reproduce with `make bench` (or `.venv/bin/python bench/run.py --rounds N --duration S`); "
        "`bench/README.md` says what each figure means.", "",
        f"Latest run: {getattr(args, 'when', None) or time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}; {args.rounds} interleaved rounds, wrk {args.duration:g} s × "
        f"{args.connections} connections per target per round; medians; (×) is the ratio to the floor.", "",
        table(results), "", "## Against the targets", "",
        *[f"- {line}" for line in verdicts(results)], "",
        "## Notes", "",
        "- *ours: welcome* does everything a production request does: auth check, parsing into a Turn, the",
        "  handler under the deadline, rendering, the 64 KiB check, the structured log line and",
        "  Server-Timing. The floor does none of it. The Firestore row's cost is the round trip to the",
        "  emulator (a Java process on the same two cores), not our code: see its RPCs/req.",
        "- Cold start is process launch to first good answer, so it includes Python, gunicorn and",
        "  functions-framework (the same for every target) and, for the Firestore row, creating the",
        "  client and the first queries against the emulator.",
        "- google-cloud-logging's StructuredLogHandler would have written the log line for us, but",
        "  `from google.cloud.logging_v2.handlers import StructuredLogHandler` alone took 310-335 ms",
        "  (google-cloud-logging 3.17.0, three fresh interpreters on this machine, 2026-11-27): more than",
        "  our whole entry module including functions-framework. `fulfillment/telemetry.py` writes the",
        "  same JSON shape Cloud Logging parses in about forty lines instead.",
        "- Where a target is missed, what it would take: throughput (and with it p99) trails the",
        "  floor although our in-process cost is close to it. Under 16 connections on one GIL-bound",
        "  gunicorn worker, every blocking call hands the GIL to another thread. Ours makes one more",
        "  than the floor per request, the log line's write(2): switching the log line off gained",
        "  1-13% req/s in two paired runs, and response headers made no difference. The log line is a",
        "  requirement and must be written before the response on Cloud Functions, where CPU is",
        "  throttled afterwards, so it cannot move to a background thread. What is left: more than one",
        "  gunicorn worker per instance (every target here runs one, as Cloud Functions does by",
        "  default), or fewer threads per worker. Run-to-run noise is about ±0.1× on these ratios.",
        "- Against dialogflow-fulfillment: it does no logging, no measuring, no deadline, no request",
        "  checks and no surface rendering, and it stays within a few percent of the floor; we trail",
        "  it by about the cost of those features.",
        "- Handlers that do no I/O (`inline=True`: welcome, help, fallback) run on the request thread;",
        "  the others go to a worker thread so the deadline can be kept, which costs ~100 µs per request",
        "  (measured when welcome still took the hand-off: 185 µs vs 85 µs in-process).",
        "- Measured and kept: log lines as one write(2) with no process-wide lock (+15% req/s against a",
        "  locked write and flush), WSGI environ reads instead of werkzeug's parsed headers, constant",
        "  Replies built once at import (they are immutable).",
        "",
    ])
    (ROOT / "BENCHMARKS.md").write_text(markdown)
    return markdown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of wrk load per target per round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--cpu-requests", type=int, default=2000, help="in-process calls per sample")
    parser.add_argument("--out", default=str(BENCH / "results" / "latest.json"))
    parser.add_argument("--no-report", action="store_true", help="do not rewrite BENCHMARKS.md")
    parser.add_argument("--report-only", action="store_true", help="rewrite BENCHMARKS.md from --out's results")
    args = parser.parse_args()
    if args.report_only:
        saved = json.loads(Path(args.out).read_text())
        for key in ("rounds", "duration", "connections", "when"):
            setattr(args, key, saved["args"].get(key))
        print(write_report(saved["results"], args))
        return 0
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    results = measure(args.rounds, args.duration, args.connections, args.cpu_requests)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    args.when = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    Path(args.out).write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    print(table(results))
    print("\n".join(verdicts(results)))
    if not args.no_report:
        write_report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
