"""Create the composite indexes of firestore.indexes.json with gcloud (Cloud Build step).

    python3 scripts/deploy_indexes.py --database=(default) [--dry-run]

Indexes that already exist are left alone; any other failure fails the build."""
import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands(database: str, path: Path = ROOT / "firestore.indexes.json") -> list[list[str]]:
    out = []
    for index in json.loads(path.read_text())["indexes"]:
        command = ["gcloud", "firestore", "indexes", "composite", "create",
                   f"--collection-group={index['collectionGroup']}",
                   f"--query-scope={index.get('queryScope', 'COLLECTION').lower().replace('_', '-')}",
                   f"--database={database}", "--async", "--quiet"]
        for field in index["fields"]:
            order = field.get("order", "ASCENDING").lower()
            command.append(f"--field-config=field-path={field['fieldPath']},order={order}")
        out.append(command)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="(default)")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    for command in commands(args.database):
        print(" ".join(command), flush=True)
        if args.dry_run:
            continue
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode and "already exists" not in result.stderr.lower():
            print(result.stderr, file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
