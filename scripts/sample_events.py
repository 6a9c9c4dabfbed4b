"""Send a sample Cloud Monitoring alert or Cloud Build notification to a local Watchkeeper,
as the Pub/Sub push would (`make run` in another terminal first).

    python scripts/sample_events.py alert [open|closed] [--service checkout] [--id 0.demo]
    python scripts/sample_events.py build [--service checkout] [--status SUCCESS] [--version v2.42.0]

Then ask: "any open incidents?" / "when was checkout last deployed?".
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid


def notification(incident_id: str, state: str, service: str) -> dict:
    """A Cloud Monitoring notification, JSON schema version 1.2."""
    now = int(time.time())
    return {
        "version": "1.2",
        "incident": {
            "incident_id": incident_id,
            "scoping_project_id": "watchkeeper-local",
            "state": state,
            "started_at": now - 120,
            "ended_at": now if state == "closed" else None,
            "policy_name": f"{service} error rate above 5%",
            "policy_user_labels": {"service": service},
            "condition_name": "5xx ratio > 0.05",
            "severity": "Error",
            "summary": f"Error ratio for {service} is above the threshold of 0.05 with a value of 0.12.",
            "url": "https://console.cloud.google.com/monitoring/alerting",
            "resource": {"type": "cloud_run_revision"},
        },
    }


def build(service: str, status: str, version: str) -> dict:
    """A Cloud Build notification's data: the Build resource."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {
        "id": str(uuid.uuid4()),
        "status": status,
        "startTime": stamp,
        "finishTime": stamp,
        "substitutions": {"_SERVICE": service, "TAG_NAME": version, "TRIGGER_NAME": f"{service}-deploy"},
        "logUrl": "https://console.cloud.google.com/cloud-build/builds",
    }


def send(url: str, data: dict) -> int:
    body = {
        "message": {"data": base64.b64encode(json.dumps(data).encode()).decode(), "messageId": uuid.uuid4().hex},
        "subscription": "projects/watchkeeper-local/subscriptions/sample",
    }
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            print(response.status, response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(exc.code, exc.read().decode())
        return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["alert", "build"])
    parser.add_argument("state", nargs="?", default="open", choices=["open", "closed"])
    parser.add_argument("--service", default="checkout")
    parser.add_argument("--id", default="0.demo-alert")
    parser.add_argument("--status", default="SUCCESS")
    parser.add_argument("--version", default="v2.42.0")
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT', '8080')}")
    args = parser.parse_args()
    if args.kind == "alert":
        return send(f"{args.url}/events/alerts", notification(args.id, args.state, args.service))
    return send(f"{args.url}/events/builds", build(args.service, args.status, args.version))


if __name__ == "__main__":
    sys.exit(main())
