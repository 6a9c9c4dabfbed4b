"""Compile the function's own modules to bytecode that is uploaded with its source
(cloudbuild.yaml's `bytecode` step; bench/run.py does the same before it measures).

Why: Google's Python buildpack compiles the dependencies it installs, not the function's
source, and bytecode written at run time dies with the instance. Without this, every new
instance compiles our ~60 modules before it can answer: about 45 ms of its cold start
(docs/benchmarks.md). `checked-hash`: a .pyc is used only while the hash of its source matches,
whatever the upload does to file times, so a stale one can never run. Run it with the
function's Python minor: a 3.12 runtime ignores cpython-311 files.

    python scripts/compile_bytecode.py [ROOT]
"""

from __future__ import annotations

import compileall
import py_compile
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("main.py", "fulfillment", "intents", "oncall", "events")  # what the function imports of ours
MODE = py_compile.PycInvalidationMode.CHECKED_HASH


def compile_all(root: Path = ROOT) -> bool:
    ok = True
    for name in SOURCES:
        path = root / name
        if path.is_dir():
            ok = bool(compileall.compile_dir(path, quiet=1, force=True, invalidation_mode=MODE)) and ok
        else:
            ok = bool(compileall.compile_file(path, quiet=1, force=True, invalidation_mode=MODE)) and ok
    return ok


if __name__ == "__main__":
    sys.exit(0 if compile_all(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT) else 1)
