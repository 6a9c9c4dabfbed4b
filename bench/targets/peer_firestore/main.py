"""Peer: a plain Firestore webhook, written the way Google's samples write one.

A `firestore.Client()` at import, one handler, the same single query `oncall.current` makes
(the shift covering now for the service's team), no deadline, no logging, no checks. The
service's team comes from the seed data read at import, so both webhooks make one RPC per
request (ours has it in its directory cache).
"""

import datetime as dt
import json
import pathlib
from zoneinfo import ZoneInfo

import functions_framework
from google.cloud import firestore
from google.cloud.firestore_v1 import FieldFilter

db = firestore.Client()
SEED = json.loads((pathlib.Path(__file__).resolve().parents[3] / "data" / "seed.json").read_text())
TEAM_OF = {sid: s["team"] for sid, s in SEED["services"].items()}
TEAMS = SEED["teams"]


@functions_framework.http
def webhook(request):
    req = request.get_json(silent=True)
    service = req["queryResult"]["parameters"].get("service", "")
    team = TEAM_OF.get(service)
    now = dt.datetime.now(dt.timezone.utc)
    query = (
        db.collection("shifts")
        .where(filter=FieldFilter("team", "==", team))
        .where(filter=FieldFilter("ends", ">", now))
        .where(filter=FieldFilter("starts", "<=", now))
        .order_by("ends")
        .limit(1)
    )
    text = f"Nobody is on call for {service} right now."
    for doc in query.stream():
        shift = doc.to_dict()
        if shift:
            primary = shift["primary"]
            zone = ZoneInfo(primary.get("timezone") or TEAMS[team].get("timezone", "UTC"))
            start, end = shift["starts"].astimezone(zone), shift["ends"].astimezone(zone)
            text = (
                f"{primary['name']} is on call for {service.title()}, "
                f"{start:%a %H:%M} to {end:%a %H:%M} {end.tzname()} their time."
            )
            break
    return {"fulfillmentText": text, "fulfillmentMessages": [{"text": {"text": [text]}}]}
