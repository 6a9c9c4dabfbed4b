"""CPU per request as an instruction count: repeatable whatever else the machine runs.

Wall-clock and process-time figures move with the other load on a shared machine; the
number of instructions a request executes does not. `valgrind --tool=callgrind` counts
them for two runs of `inprocess.py --once` that differ only in the number of calls, so
start-up, imports and warm-up cancel out:

    instructions per request = (Ir(N2 calls) - Ir(N1 calls)) / (N2 - N1)

    .venv/bin/python bench/instructions.py TARGET_DIR BODY_FILE [--served]  ->  prints it

`--served` counts the whole app functions-framework serves (Flask's request and response,
its wrappers and after-request hooks) around the entry function: the CPU a request costs
short of gunicorn's own parsing and socket work.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
N1, N2 = 20, 220


def available() -> bool:
    return shutil.which("valgrind") is not None


def _collected(target_dir: Path, body_file: Path, n: int, env: dict, mode: str = "--once") -> int:
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/cg.out",
                sys.executable,
                str(BENCH / "inprocess.py"),
                str(target_dir),
                str(body_file),
                str(n),
                mode,
            ],
            cwd=target_dir,
            capture_output=True,
            text=True,
            env={**env, "PYTHONHASHSEED": "0"},
            timeout=1800,
        )
    match = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode or match is None:
        raise RuntimeError(f"callgrind failed for {target_dir}: {result.stderr[-2000:]}")
    return int(match.group(1))


def per_request(target_dir: Path, body_file: Path, env: dict | None = None, served: bool = False) -> float:
    """Per call of the entry function, or (`served`) of the whole WSGI app around it."""
    env = dict(os.environ if env is None else env)
    mode = "--once-served" if served else "--once"
    return (_collected(target_dir, body_file, N2, env, mode) - _collected(target_dir, body_file, N1, env, mode)) / (
        N2 - N1
    )


if __name__ == "__main__":
    print(f"{per_request(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(), served='--served' in sys.argv):.0f}")
