"""Create the composite indexes of firestore.indexes.json and wait until they are READY
(Cloud Build step; standard library only, runs on the Cloud CLI image's python3).

    python3 scripts/deploy_indexes.py --database=(default) [--timeout=1800] [--dry-run]

Lists first and creates only what is missing, so a re-run creates nothing. A query that
needs an index still building fails with FAILED_PRECONDITION, so the build waits."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _key(collection_group: str, scope: str, fields: list[dict]) -> tuple:
    """What makes two indexes the same, in the file's spelling and in the API's."""
    return (
        collection_group,
        scope.upper().replace("-", "_"),
        tuple(
            (f["fieldPath"], f.get("order", "").upper(), f.get("arrayConfig", "").upper())
            for f in fields
            if f["fieldPath"] != "__name__"
        ),
    )


def wanted(path: Path = ROOT / "firestore.indexes.json") -> list[dict]:
    return json.loads(path.read_text())["indexes"]


def commands(database: str, path: Path = ROOT / "firestore.indexes.json") -> list[list[str]]:
    out = []
    for index in wanted(path):
        command = [
            "gcloud",
            "firestore",
            "indexes",
            "composite",
            "create",
            f"--collection-group={index['collectionGroup']}",
            f"--query-scope={index.get('queryScope', 'COLLECTION').lower().replace('_', '-')}",
            f"--database={database}",
            "--async",
            "--quiet",
        ]
        for field in index["fields"]:
            if "arrayConfig" in field:
                command.append(f"--field-config=field-path={field['fieldPath']},array-config=contains")
            else:
                command.append(
                    f"--field-config=field-path={field['fieldPath']},order={field.get('order', 'ASCENDING').lower()}"
                )
        out.append(command)
    return out


def list_command(database: str) -> list[str]:
    return ["gcloud", "firestore", "indexes", "composite", "list", f"--database={database}", "--format=json"]


def live(database: str) -> dict[tuple, str]:
    """Existing indexes: key -> state (CREATING, READY, NEEDS_REPAIR)."""
    result = subprocess.run(_gcloud(list_command(database)), capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"cannot list indexes:\n{result.stderr}")
    out = {}
    for index in json.loads(result.stdout or "[]"):
        group = index["name"].split("/collectionGroups/")[1].split("/")[0]
        out[_key(group, index.get("queryScope", "COLLECTION"), index.get("fields", []))] = index.get("state", "")
    return out


def _gcloud(command: list[str]) -> list[str]:
    return [shutil.which("gcloud") or "gcloud", *command[1:]]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="(default)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for READY")
    parser.add_argument("--poll", type=float, default=float(os.environ.get("INDEX_POLL_SECONDS", "15")))
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    keys = [_key(i["collectionGroup"], i.get("queryScope", "COLLECTION"), i["fields"]) for i in wanted()]
    if args.dry_run:
        for command in commands(args.database):
            print(" ".join(command))
        return 0
    existing = live(args.database)
    for key, command in zip(keys, commands(args.database), strict=True):
        if key in existing:
            print(f"exists ({existing[key]}): {key[0]} {[f[0] for f in key[2]]}", flush=True)
            continue
        print(" ".join(command), flush=True)
        result = subprocess.run(_gcloud(command), capture_output=True, text=True)
        if result.returncode and "already exists" not in result.stderr.lower():
            print(result.stderr, file=sys.stderr)
            return result.returncode
    deadline = time.monotonic() + args.timeout
    while True:
        states = live(args.database)
        waiting = [k for k in keys if states.get(k) != "READY"]
        broken = [k for k in keys if states.get(k) == "NEEDS_REPAIR"]
        if broken:
            print(f"indexes need repair: {broken}", file=sys.stderr)
            return 1
        if not waiting:
            print(f"all {len(keys)} indexes READY", flush=True)
            return 0
        if time.monotonic() > deadline:
            print(f"indexes still not READY after {args.timeout:.0f} s: {waiting}", file=sys.stderr)
            return 1
        print(f"waiting for {len(waiting)} index(es) to be READY", flush=True)
        time.sleep(args.poll)


if __name__ == "__main__":
    sys.exit(main())
