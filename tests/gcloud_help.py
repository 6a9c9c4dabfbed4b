"""What the real, local gcloud accepts: command paths from the SDK's own command tree, flags
from `gcloud COMMAND --help`. gcloud is found through PATH, wherever the image keeps it
(/usr/bin on a laptop, /google-cloud-sdk/bin in google-cloud-cli:emulators). Each --help
takes a second or more, so answers are cached for the whole test run, fetched in parallel,
and kept in .local/gcloud-help/ under the SDK's version (a new gcloud asks again)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERBS = {
    "describe",
    "create",
    "list",
    "enable",
    "update",
    "deploy",
    "get-iam-policy",
    "add-iam-policy-binding",
    "access",
}


def gcloud() -> str | None:
    return shutil.which("gcloud")


@lru_cache(maxsize=1)
def tree() -> dict | None:
    """The static command tree the SDK ships (data/cli/gcloud_completions.py), if any."""
    found = gcloud()
    if not found:
        return None
    path = Path(os.path.realpath(found)).parent.parent / "data" / "cli" / "gcloud_completions.py"
    if not path.exists():
        return None
    scope: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), scope)  # a plain dict literal
    return scope["STATIC_COMPLETION_CLI_TREE"]


def command_path(argv: list[str]) -> tuple[str, ...]:
    """The command part of a gcloud argv (without 'gcloud', flags or positionals)."""
    words = [w for w in argv if not w.startswith("-")]
    node = tree()
    path: list[str] = []
    if node is not None:
        for word in words:
            if word not in node.get("commands", {}):
                break
            node = node["commands"][word]
            path.append(word)
        return tuple(path)
    for i, word in enumerate(words):  # no tree: up to the verb
        if word in VERBS:
            path = words[: i + 1]
            if word == "create" and words[i + 1 : i + 2] == ["github"]:
                path.append("github")
            return tuple(path)
    return tuple(words)


_lock = threading.Lock()


def run_help(path: tuple[str, ...]) -> str:
    """`gcloud PATH --help`, from whichever gcloud PATH finds (no cache)."""
    env = {**os.environ, "CLOUDSDK_CORE_DISABLE_PROMPTS": "1", "CLOUDSDK_CONFIG": str(ROOT / ".local" / "gcloud")}
    result = subprocess.run(
        [gcloud() or "gcloud", *path, "--help"], capture_output=True, text=True, timeout=180, env=env
    )
    assert result.returncode == 0, f"gcloud {' '.join(path)} --help: {result.stderr}"
    return result.stdout


@lru_cache(maxsize=1)
def _store() -> tuple[Path | None, dict[str, list[str]]]:
    found = gcloud()
    version_file = Path(os.path.realpath(found)).parent.parent / "VERSION" if found else None
    if not version_file or not version_file.exists():
        return None, {}
    path = ROOT / ".local" / "gcloud-help" / f"{version_file.read_text().strip()}.json"
    try:
        return path, json.loads(path.read_text())
    except (OSError, ValueError):
        return path, {}


@lru_cache(maxsize=None)
def flags(path: tuple[str, ...]) -> frozenset[str]:
    store_path, known = _store()
    key = " ".join(path)
    if key in known:
        return frozenset(known[key])
    found = frozenset(re.findall(r"--[a-z][a-z0-9-]+", run_help(path)))
    if store_path:
        with _lock:
            known[key] = sorted(found)
            store_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = store_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known, indent=0, sort_keys=True))
            tmp.replace(store_path)
    return found


def warm(paths: set[tuple[str, ...]]) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(flags, sorted(paths)))


def unknown_flags(argv: list[str]) -> set[str]:
    """Flags of a recorded command that its gcloud --help does not list."""
    given = {w.split("=", 1)[0] for w in argv if w.startswith("--")}
    return given - flags(command_path(argv))
