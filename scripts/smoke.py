"""Smoke test of a deployed webhook (last Cloud Build step; standard library only):

1. a request without credentials is refused (401 from the webhook, or 403 from Cloud Run
   when the service is not public);
2. a real ES request with credentials that reads Firestore (`oncall.current` for a service
   that does not exist makes the webhook read the service and team directory) gets a valid,
   fast answer that is not the database-unavailable apology: this proves the runtime
   account's roles/datastore.user, which `welcome` never touches.

    python3 scripts/smoke.py URL --user USER --password-file FILE [--max-seconds 2]"""

import argparse
import base64
import json
import sys
import time
import urllib.error
import urllib.request
import uuid

PROBE = "watchkeeper-smoke-probe"
EXPECTED = f'I don\'t know a service or team called "{PROBE}"'


def request_body() -> bytes:
    return json.dumps(
        {
            "responseId": str(uuid.uuid4()),
            "session": f"projects/smoke/agent/sessions/smoke-{uuid.uuid4().hex[:8]}",
            "queryResult": {
                "queryText": f"who is on call for {PROBE}",
                "parameters": {"service": PROBE},
                "languageCode": "en",
                "intent": {"displayName": "oncall.current"},
            },
            "originalDetectIntentRequest": {},
        }
    ).encode()


def post(url: str, headers: dict) -> tuple[int, dict, float]:
    started = time.monotonic()
    request = urllib.request.Request(
        url, request_body(), {"Content-Type": "application/json", "User-Agent": "watchkeeper-smoke", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {"raw": raw[:200].decode(errors="replace")}
    return status, body if isinstance(body, dict) else {}, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--user", default="dialogflow")
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--max-seconds", type=float, default=2.0)
    parser.add_argument("--attempts", type=int, default=3)
    args = parser.parse_args()
    password = open(args.password_file).read().strip()
    auth = {"Authorization": "Basic " + base64.b64encode(f"{args.user}:{password}".encode()).decode()}
    status, _, _ = post(args.url, {})
    print(f"without credentials: status {status}")
    if status not in (401, 403):
        print("smoke test FAILED: a request without credentials was not refused", file=sys.stderr)
        return 1
    for attempt in range(args.attempts):  # a fresh revision may need a moment
        try:
            status, answer, elapsed = post(args.url, auth)
        except OSError as error:
            print(f"attempt {attempt + 1}: {error}", file=sys.stderr)
            time.sleep(5)
            continue
        text = answer.get("fulfillmentText", "")
        print(f"with credentials: status {status} in {elapsed:.2f}s: {text[:100]!r}")
        if status == 200 and text.startswith(EXPECTED) and elapsed <= args.max_seconds:
            print("smoke test passed: credentials required, Firestore read works")
            return 0
        time.sleep(2)
    print(
        "smoke test FAILED: no fast answer from a Firestore read (see the function's log line: outcome, detail)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
