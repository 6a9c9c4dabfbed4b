"""Load data/seed.json into Firestore (the emulator, for `make run` and the tests).

Times in the file are relative ("minutes ago"), and each team's rotation is expanded
into concrete shifts from a week before now to several weeks after, so the demo data
never goes stale.

    FIRESTORE_EMULATOR_HOST=127.0.0.1:8080 python scripts/seed.py [data/seed.json]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed.json"
UTC = dt.timezone.utc


def documents(data: dict, now: dt.datetime) -> list[tuple[str, str, dict]]:
    """(collection, id, fields) for everything in the seed file, times made absolute."""
    ago = lambda minutes: now - dt.timedelta(minutes=minutes)  # noqa: E731
    docs: list[tuple[str, str, dict]] = []
    for sid, service in data["services"].items():
        docs.append(("services", sid, service))
    for tid, team in data["teams"].items():
        rotation = team.get("rotation", {})
        docs.append(("teams", tid, {k: v for k, v in team.items() if k != "rotation"}))
        hours = int(rotation.get("shift_hours", 24))
        people = rotation.get("people", [])
        start = (now - dt.timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
        for i in range(int(rotation.get("weeks", 4)) * 7 * 24 // hours):
            begins = start + dt.timedelta(hours=i * hours)
            shift = {
                "team": tid,
                "starts": begins,
                "ends": begins + dt.timedelta(hours=hours),
                "primary": people[i % len(people)],
            }
            if rotation.get("secondary") and len(people) > 1:
                shift["secondary"] = people[(i + 1) % len(people)]
            docs.append(("shifts", f"{tid}-{begins:%Y%m%dT%H}", shift))
    for pid, person in data.get("people", {}).items():
        docs.append(("people", pid, person))
    for number, incident in data["incidents"].items():
        fields = {k: v for k, v in incident.items() if not k.endswith("_minutes_ago")}
        for key, minutes in incident.items():
            if key.endswith("_minutes_ago"):
                fields[key.removesuffix("_minutes_ago") + "_at"] = ago(minutes)
        docs.append(("incidents", number, fields))
    for deploy in data["deploys"]:
        fields = {k: v for k, v in deploy.items() if k != "minutes_ago"}
        fields["at"] = ago(deploy["minutes_ago"])
        docs.append(("deploys", f"{deploy['service']}-{deploy['version']}", fields))
    return docs


def seed(db, path: Path = SEED, now: dt.datetime | None = None) -> int:
    data = json.loads(Path(path).read_text())
    docs = documents(data, now or dt.datetime.now(UTC))
    for start in range(0, len(docs), 400):
        batch = db.batch()
        for collection, ident, fields in docs[start : start + 400]:
            batch.set(db.collection(collection).document(ident), fields)
        batch.commit(timeout=30)
    return len(docs)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from fulfillment import store

    count = seed(store.client(), Path(sys.argv[1]) if len(sys.argv) > 1 else SEED)
    print(f"seeded {count} documents")
