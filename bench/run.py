"""Watchkeeper against the floor and its peers, interleaved in one run.

    make bench                       # or: .venv/bin/python bench/run.py [--rounds 3] [--duration 5]

Every target is served the way the function is deployed (functions-framework on gunicorn)
and gets the same ES welcome request; ours is also measured on a Firestore-backed intent
(`oncall.current`) against the emulator. Rounds interleave the targets in a shuffled
order so machine drift cancels; each figure is the median of the rounds. Writes
bench/results/latest.json and docs/benchmarks.md.
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
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import webhook_server  # noqa: E402

from fulfillment.cli.simulate import es_request  # noqa: E402

from procinfo import rss_kib  # noqa: E402

WELCOME_TARGETS = {
    "floor": BENCH / "targets" / "floor",
    "peer: dialogflow-fulfillment": BENCH / "targets" / "peer_dff",
    "peer: official types": BENCH / "targets" / "peer_types",
    "ours: welcome": ROOT,
}
FIRESTORE_TARGETS = {
    "peer: plain Firestore webhook": BENCH / "targets" / "peer_firestore",
    "ours: oncall.current": ROOT,
}
SIZES = ("small", "real")  # the simulator's ES welcome; bench/requests/assistant_welcome.json
REAL_REQUEST = BENCH / "requests" / "assistant_welcome.json"


def rows() -> dict[str, tuple[Path, str]]:
    """Row name -> (target directory, request): every welcome target at both sizes."""
    out = {f"{name} [{size}]": (path, size) for size in SIZES for name, path in WELCOME_TARGETS.items()}
    out.update({name: (path, "oncall") for name, path in FIRESTORE_TARGETS.items()})
    return out


TARGETS = {name: path for name, (path, _) in rows().items()}
GOALS = {
    "cpu_us": ("<=", 1.3),
    "instructions": ("<=", 1.3),
    "rps": (">=", 0.95),
    "p99_ms": ("<=", 1.2),
    "cold_start_ms": ("<=", 1.3),
}
FIRESTORE_GOALS = {"cold_start_ms": ("<=", 1.1), "rps": (">=", 1.0), "p99_ms": ("<=", 1.1)}
LOWER_IS_BETTER = {
    "cpu_us",
    "instructions",
    "served_instructions",
    "p99_ms",
    "p50_ms",
    "cold_start_ms",
    "import_ms",
    "peak_rss_mib",
    "first_after_start_ms",
}
PIN_SERVER, PIN_LOAD = ["taskset", "-c", "0"], ["taskset", "-c", "1"]  # 1 CPU serves, as deployed


def server_log_dir() -> Path:
    """Where the servers' output goes: a file in memory (tmpfs) where there is one. Deployed,
    stdout is a pipe read by Cloud Run's logging agent outside the instance's CPU; a file on
    this VM's disk instead made its writeback part of every request's cost (ours writes one
    line per request, the other targets none): 1,231 req/s to a disk file against 1,352 to
    tmpfs and 1,335 to /dev/null, 5 paired rounds (2026-11-28 06:10 UTC, docs/benchmarks.md)."""
    memory = Path("/dev/shm")
    where = (
        memory / "watchkeeper-bench" if memory.is_dir() and os.access(memory, os.W_OK) else ROOT / ".local" / "bench"
    )
    where.mkdir(parents=True, exist_ok=True)
    return where


def free_port() -> int:
    import emulator

    return emulator.free_port()


def body_for(target: str) -> bytes:
    kind = rows()[target][1]
    if kind == "oncall":
        return json.dumps(
            es_request("oncall.current", params={"service": "payments"}, session_id="bench", response_id="bench")
        ).encode()
    if kind == "real":
        return REAL_REQUEST.read_bytes()
    return json.dumps(es_request("welcome", session_id="bench", response_id="bench")).encode()


def pinned(command: list[str], pin: list[str]) -> list[str]:
    return [*pin, *command] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else command


def env_for(target: str, emulator_host: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIRESTORE_")}
    env.update(
        {"PYTHONUNBUFFERED": "1", "WEBHOOK_ALLOW_UNAUTHENTICATED": "1", "GOOGLE_CLOUD_PROJECT": "watchkeeper-bench"}
    )
    if rows()[target][1] == "oncall":
        env["FIRESTORE_EMULATOR_HOST"] = emulator_host
    return env


def post(url: str, body: bytes, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


def answers_well(target: str, url: str, body: bytes) -> bool:
    """Up: the target's good answer to the benchmark's request (raises OSError while down)."""
    status, answer = post(url, body, timeout=2)
    return (
        status == 200
        and b"fulfillment" in answer
        and b"Sorry" not in answer
        and (rows()[target][1] != "oncall" or b"on call" in answer)
    )


def answers_at_all(target: str, url: str, body: bytes) -> bool:
    """Up: any HTTP answer to a GET, without asking for the benchmark's request."""
    try:
        urllib.request.urlopen(url, timeout=2).read()
    except urllib.error.HTTPError:
        pass
    return True


def launch(
    target: str,
    emulator_host: str,
    log_dir: Path,
    extra_env: dict | None = None,
    ready: Callable[[str, str, bytes], bool] = answers_well,
    log_prefix: str = "",
):
    """Start the target's server and wait until it is `ready`: (process, url, log, ms)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    body = body_for(target)
    log = open(log_dir / f"{log_prefix}{re.sub(r'[^a-z]+', '-', target)}-{port}.log", "wb")
    started = time.perf_counter()
    process = subprocess.Popen(
        pinned(webhook_server.command(port, source=str(TARGETS[target] / "main.py")), PIN_SERVER),
        cwd=TARGETS[target],
        env={**env_for(target, emulator_host), **(extra_env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        while True:
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError(f"{target} did not start; see {log.name}")
            try:
                if ready(target, url, body):
                    break
            except OSError:
                time.sleep(0.005)
    except BaseException:
        stop(process, log)
        raise
    return process, url, log, (time.perf_counter() - started) * 1000


def stop(process: subprocess.Popen, log) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


def cold_start(target: str, emulator_host: str, log_dir: Path) -> float:
    """One more launch to the first good answer, nothing else: a launch's time varies far more
    than a request's (250-480 ms for the same server here), so each round adds several."""
    process, _, log, ms = launch(target, emulator_host, log_dir)
    stop(process, log)
    return ms


def serve_and_load(
    target: str, emulator_host: str, duration: float, connections: int, log_dir: Path, extra_env: dict | None = None
) -> dict:
    """Cold start to first good answer, then a wrk run, sampling peak RSS."""
    process, url, log, cold_ms = launch(target, emulator_host, log_dir, extra_env)
    port = url.rsplit(":", 1)[1].strip("/")
    body = body_for(target)
    figures: dict = {"cold_start_ms": cold_ms}
    try:
        for _ in range(200):  # warm up before measuring load
            post(url, body)
        peak = [0]
        sampled = threading.Event()

        def sample():
            while not sampled.is_set():
                peak[0] = max(peak[0], rss_kib(process.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        body_file = log_dir / f"body-{port}.json"
        body_file.write_bytes(body)
        result = subprocess.run(
            pinned(
                [
                    "wrk",
                    f"-t{min(2, connections)}",
                    f"-c{connections}",
                    f"-d{max(1, round(duration))}s",
                    "--latency",
                    "-s",
                    str(BENCH / "post.lua"),
                    url,
                ],
                PIN_LOAD,
            ),
            capture_output=True,
            text=True,
            env={**os.environ, "WRK_BODY_FILE": str(body_file)},
            timeout=duration + 60,
        )
        sampled.set()
        sampler.join()
        if "Requests/sec" not in result.stdout:
            raise RuntimeError(f"wrk failed for {target}: {result.stdout}{result.stderr}")
        figures.update(parse_wrk(result.stdout))
        figures["peak_rss_mib"] = peak[0] / 1024
        if target == "ours: oncall.current":
            time.sleep(0.3)
            rpcs = [
                json.loads(item).get("firestore_rpcs", 0)
                for item in open(log.name, encoding="utf-8", errors="replace")
                if item.startswith("{") and '"latency_ms"' in item
            ]
            steady = rpcs[1:]  # the first request also fills the name cache
            figures["rpcs_per_request"] = statistics.mean(steady) if steady else None
    finally:
        stop(process, log)
    return figures


def first_after_start(target: str, emulator_host: str, log_dir: Path, idle_s: float = 1.0) -> float:
    """ms for the first Firestore request to an instance that is up and has been idle for
    `idle_s` (a conversation's welcome, then the user's question): what is left of the
    cold tax once start-up work can run in the background."""
    process, url, log, _ = launch(target, emulator_host, log_dir, ready=answers_at_all, log_prefix="first-")
    try:
        time.sleep(idle_s)
        asked = time.perf_counter()
        status, answer = post(url, body_for(target), timeout=30)
        if status != 200 or b"on call" not in answer:
            raise RuntimeError(f"{target}: first answer was {status} {answer[:200]!r}")
        return (time.perf_counter() - asked) * 1000
    finally:
        stop(process, log)


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
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def import_ms(target: str, emulator_host: str) -> float:
    code = "import time; t = time.perf_counter(); import main; print((time.perf_counter() - t) * 1000)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=TARGETS[target],
        capture_output=True,
        text=True,
        env=env_for(target, emulator_host),
        timeout=120,
    )
    return float(result.stdout.strip().splitlines()[-1])


def cpu_us(target: str, emulator_host: str, n: int, log_dir: Path) -> float:
    body_file = log_dir / f"inprocess-{re.sub(r'[^a-z]+', '-', target)}.json"
    body_file.write_bytes(body_for(target))
    result = subprocess.run(
        [sys.executable, str(BENCH / "inprocess.py"), str(TARGETS[target]), str(body_file), str(n)],
        cwd=TARGETS[target],
        capture_output=True,
        text=True,
        env=env_for(target, emulator_host),
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(result.stderr[-2000:])
    return float(result.stdout.strip().splitlines()[-1])


def measure(
    rounds: int, duration: float, connections: int, cpu_n: int, count_instructions: bool, launches: int = 0
) -> dict:
    import compile_bytecode
    import instructions

    import emulator as emulator_script
    import seed

    log_dir = server_log_dir()
    compile_bytecode.compile_all()  # ours is deployed with its bytecode (cloudbuild.yaml)
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
                firestore = rows()[target][1] == "oncall"
                figures["cpu_us"] = cpu_us(target, emu.host, max(cpu_n // 10, 50) if firestore else cpu_n, log_dir)
                if firestore:
                    figures["first_after_start_ms"] = first_after_start(target, emu.host, log_dir)
                for key, value in figures.items():
                    samples[target].setdefault(key, []).append(value)
            for _ in range(launches):  # more cold starts, interleaved the same way
                for target in order:
                    samples[target]["cold_start_ms"].append(cold_start(target, emu.host, log_dir))
        partial = ROOT / ".local" / "bench" / "rounds.json"  # kept if the counting below fails
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(samples, indent=1))
        if count_instructions and instructions.available():
            from concurrent.futures import ThreadPoolExecutor

            def count(target: str) -> None:  # the same every time: counted once
                print(f"callgrind: {target}", file=sys.stderr, flush=True)
                body_file = log_dir / f"instructions-{re.sub(r'[^a-z]+', '-', target)}.json"
                body_file.write_bytes(body_for(target))
                try:
                    samples[target]["instructions"] = [
                        instructions.per_request(TARGETS[target], body_file, env_for(target, emu.host))
                    ]
                    samples[target]["served_instructions"] = [
                        instructions.per_request(TARGETS[target], body_file, env_for(target, emu.host), served=True)
                    ]
                except (RuntimeError, subprocess.TimeoutExpired) as exc:  # the timed figures still count
                    print(f"callgrind: {target} failed: {str(exc)[-300:]}", file=sys.stderr, flush=True)

            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # counts do not mind sharing
                list(pool.map(count, TARGETS))
    finally:
        emu.stop()
    medians = {}
    for target, figures in samples.items():
        medians[target] = {
            k: (
                statistics.median(v)
                if all(isinstance(x, (int, float)) for x in v if x is not None) and None not in v
                else v[-1]
            )
            for k, v in figures.items()
        }
        medians[target]["launches"] = len(figures["cold_start_ms"])
    return medians


def _ratio_ok(ratio: float, op: str, limit: float) -> bool:
    return ratio <= limit if op == "<=" else ratio >= limit


def verdicts(results: dict) -> list[str]:
    notes = []
    for size in SIZES:
        floor, ours = results[f"floor [{size}]"], results[f"ours: welcome [{size}]"]
        for key, (op, limit) in GOALS.items():
            if key not in ours or key not in floor:
                continue
            ratio = ours[key] / floor[key]
            notes.append(
                f"[{size}] {key}: ours/floor = {ratio:.2f} (target {op} {limit}) "
                f"{'met' if _ratio_ok(ratio, op, limit) else 'MISSED'}"
            )
        for peer in ("peer: dialogflow-fulfillment", "peer: official types"):
            other = results[f"{peer} [{size}]"]
            behind = [
                k
                for k in (
                    "cpu_us",
                    "instructions",
                    "served_instructions",
                    "rps",
                    "p50_ms",
                    "p99_ms",
                    "cold_start_ms",
                    "import_ms",
                    "peak_rss_mib",
                )
                if k in ours and k in other and (ours[k] > other[k] if k in LOWER_IS_BETTER else ours[k] < other[k])
            ]
            notes.append(
                f"[{size}] vs {peer}: " + ("ahead on every figure" if not behind else f"BEHIND on {', '.join(behind)}")
            )
    plain, ours = results["peer: plain Firestore webhook"], results["ours: oncall.current"]
    for key, (op, limit) in FIRESTORE_GOALS.items():
        ratio = ours[key] / plain[key]
        notes.append(
            f"[Firestore] {key}: ours/plain = {ratio:.2f} (target {op} {limit}) "
            f"{'met' if _ratio_ok(ratio, op, limit) else 'MISSED'}"
        )
    if "first_after_start_ms" in ours:
        notes.append(
            f"[Firestore] first answer after an idle start (not a target): ours "
            f"{ours['first_after_start_ms']:.1f} ms, plain {plain['first_after_start_ms']:.1f} ms"
        )
    return notes


COLUMNS = [
    ("cold_start_ms", "cold start ms"),
    ("import_ms", "import ms"),
    ("cpu_us", "in-process µs/req"),
    ("instructions", "k instr/req"),
    ("served_instructions", "k instr/req served"),
    ("rps", "req/s"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
    ("peak_rss_mib", "peak RSS MiB"),
    ("errors", "non-2xx"),
]
FIRESTORE_COLUMNS = [
    ("cold_start_ms", "cold start → 1st Firestore answer ms"),
    ("first_after_start_ms", "1st Firestore answer after idle start ms"),
    ("cpu_us", "in-process µs/req"),
    ("instructions", "k instr/req"),
    ("served_instructions", "k instr/req served"),
    ("rps", "req/s"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
    ("peak_rss_mib", "peak RSS MiB"),
    ("errors", "non-2xx"),
    ("rpcs_per_request", "RPCs/req"),
]


def table(results: dict, names: list[str], base: str, columns: list[tuple[str, str]]) -> str:
    """Rows `names`, each figure with its ratio to the row `base`."""
    lines = ["| target | " + " | ".join(title for _, title in columns) + " |", "|---|" + "---|" * len(columns)]
    for target in names:
        figures, reference = results[target], results[base]
        cells = []
        for key, _ in columns:
            value = figures.get(key)
            if value is None:
                cells.append("–")
            elif key == "errors":
                cells.append(str(int(value)))
            elif key == "rpcs_per_request":
                cells.append(f"{value:.2f}")
            else:
                shown = f"{value / 1000:.1f}" if key.endswith("instructions") else f"{value:.1f}"
                ratio = f" ({value / reference[key]:.2f}×)" if target != base and reference.get(key) else ""
                cells.append(f"{shown}{ratio}")
        lines.append(f"| {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tables(results: dict) -> str:
    parts = []
    for size in SIZES:
        title = (
            "small: the simulator's ES welcome (~1 KB)"
            if size == "small"
            else "real: Assistant welcome, 8 contexts with parameters, full originalDetectIntentRequest "
            "(bench/requests/assistant_welcome.json, 4.6 KB)"
        )
        parts += [
            f"### {title}",
            "",
            table(results, [f"{n} [{size}]" for n in WELCOME_TARGETS], f"floor [{size}]", COLUMNS),
            "",
        ]
    parts += [
        "### Firestore: `oncall.current` against the plain Firestore webhook (ratios to the plain one)",
        "",
        table(results, list(FIRESTORE_TARGETS), "peer: plain Firestore webhook", FIRESTORE_COLUMNS),
        "",
    ]
    return "\n".join(parts)


SERVING = BENCH / "results" / "serving.json"
NOTES_FILE = BENCH / "NOTES.md"


def serving_section() -> list[str]:
    """Workers x threads (bench/serving.py), when it has been run."""
    if not SERVING.exists():
        return []
    saved = json.loads(SERVING.read_text())
    lines = [
        "## Serving configuration: gunicorn WORKERS × THREADS on 1 CPU, 16 connections",
        "",
        saved.get("setting", ""),
        "",
        "| WORKERS × THREADS | request | req/s | p50 ms | p99 ms | peak RSS MiB | non-2xx |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in saved["rows"]:
        lines.append(
            f"| {row['workers']} × {row['threads']} | {row['request']} | {row['rps']:.1f} | {row['p50_ms']:.1f} | "
            f"{row['p99_ms']:.1f} | {row['peak_rss_mib']:.1f} | {int(row['errors'])} |"
        )
    return lines + ["", saved.get("verdict", ""), ""]


HOP = BENCH / "results" / "hop.json"


def hop_section() -> list[str]:
    """Request thread against worker thread for oncall.current (bench/hop.py), when run."""
    if not HOP.exists():
        return []
    saved = json.loads(HOP.read_text())
    names = list(saved["results"])
    keys = [
        ("cpu_us", "in-process µs/req"),
        ("instructions", "k instr/req"),
        ("p50_ms c1", "p50 ms, 1 conn"),
        ("p99_ms c1", "p99 ms, 1 conn"),
        ("rps c1", "req/s, 1 conn"),
        ("rps c16", "req/s, 16 conn"),
        ("p50_ms c16", "p50 ms, 16 conn"),
        ("p99_ms c16", "p99 ms, 16 conn"),
    ]
    lines = [
        '## Request thread or worker thread: `oncall.current` with and without `blocking="firestore"`',
        "",
        f"`bench/hop.py`: {saved['rounds']} interleaved rounds, wrk {saved['duration']:g} s, server pinned to one "
        f"core; load average at start {saved['load']}.",
        "",
        "| figure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, title in keys:
        values = [saved["results"][n].get(key) for n in names]
        if any(v is None for v in values):
            continue
        shown = [f"{v / 1000:.1f}" if key == "instructions" else f"{v:.1f}" for v in values]
        lines.append(f"| {title} | " + " | ".join(shown) + " |")
    return lines + [""]


def cold_starts(args) -> str:
    launches = getattr(args, "launches", None) or 0
    return f"{args.rounds * (1 + launches)} launches per target ({1 + launches} a round)"


def write_report(results: dict, args) -> str:
    cpu = next(
        (
            item.split(":", 1)[1].strip()
            for item in Path("/proc/cpuinfo").read_text().splitlines()
            if item.startswith("model name")
        ),
        platform.processor(),
    )
    load = getattr(args, "load", None)
    markdown = "\n".join(
        [
            "# Benchmarks",
            "",
            "Reproduce with `make bench` (or `.venv/bin/python bench/run.py --rounds N --duration S`); "
            "`bench/README.md` says what each figure means.",
            "",
            f"Latest run: {getattr(args, 'when', None) or time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
            f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}; {args.rounds} interleaved rounds, "
            f"wrk {args.duration:g} s × {args.connections} connections per target per round, server pinned to one "
            f"core and wrk to the other; cold start: {cold_starts(args)}; medians; (×) is the ratio to the first "
            f"row of each table."
            + (f" Load average when the run began: {load} (the machine is shared: see Notes)." if load else ""),
            "",
            tables(results),
            "## Against the targets",
            "",
            *[f"- {line}" for line in verdicts(results)],
            "",
            *serving_section(),
            *hop_section(),
            NOTES_FILE.read_text() if NOTES_FILE.exists() else "",
        ]
    )
    (ROOT / "docs/benchmarks.md").write_text(markdown)
    return markdown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of wrk load per target per round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--launches", type=int, default=5, help="cold starts per target per round beyond the one before its wrk run"
    )
    parser.add_argument("--cpu-requests", type=int, default=2000, help="in-process calls per sample")
    parser.add_argument("--out", default=str(BENCH / "results" / "latest.json"))
    parser.add_argument("--no-report", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--no-instructions", action="store_true", help="skip the callgrind instruction counts")
    parser.add_argument("--report-only", action="store_true", help="rewrite docs/benchmarks.md from --out's results")
    args = parser.parse_args()
    if args.report_only:
        saved = json.loads(Path(args.out).read_text())
        for key in ("rounds", "duration", "connections", "when", "load", "launches"):
            setattr(args, key, saved["args"].get(key))
        print(write_report(saved["results"], args))
        return 0
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    args.load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    results = measure(
        args.rounds, args.duration, args.connections, args.cpu_requests, not args.no_instructions, args.launches
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    args.when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    Path(args.out).write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    print(tables(results))
    print("\n".join(verdicts(results)))
    if not args.no_report:
        write_report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
