"""Smoke test of a deployed webhook (last Cloud Build step): a real ES request with
credentials must get a valid, fast answer.

    python3 scripts/smoke.py URL [--user USER --password-file FILE] [--max-seconds 2]"""
import argparse
import base64
import json
import sys
import time
import urllib.request
import uuid


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--user", default="")
    parser.add_argument("--password-file", default="")
    parser.add_argument("--max-seconds", type=float, default=2.0)
    args = parser.parse_args()
    body = {"responseId": str(uuid.uuid4()), "session": f"projects/smoke/agent/sessions/smoke-{uuid.uuid4().hex[:8]}",
            "queryResult": {"queryText": "hi", "parameters": {}, "languageCode": "en",
                            "intent": {"displayName": "welcome"}}, "originalDetectIntentRequest": {}}
    headers = {"Content-Type": "application/json", "User-Agent": "watchkeeper-smoke"}
    if args.user:
        password = open(args.password_file).read().strip() if args.password_file else ""
        headers["Authorization"] = "Basic " + base64.b64encode(f"{args.user}:{password}".encode()).decode()
    for attempt in range(3):                  # a fresh revision may need a moment
        started = time.monotonic()
        try:
            with urllib.request.urlopen(urllib.request.Request(args.url, json.dumps(body).encode(), headers), timeout=10) as r:
                answer, status = json.loads(r.read()), r.status
        except Exception as error:           # noqa: BLE001 - report and retry
            print(f"attempt {attempt + 1}: {error}", file=sys.stderr)
            time.sleep(5)
            continue
        elapsed = time.monotonic() - started
        text = answer.get("fulfillmentText", "")
        print(f"status {status} in {elapsed:.2f}s: {text[:80]!r}")
        if status == 200 and text and elapsed <= args.max_seconds:
            return 0
        time.sleep(2)
    print("smoke test FAILED: no valid, fast answer from the deployed webhook", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
