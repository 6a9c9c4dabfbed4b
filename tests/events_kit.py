"""Test kit for the event paths: push envelopes, Cloud Monitoring and Cloud Build payloads,
and a local HTTP receiver standing in for Google Chat / Slack incoming webhooks."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from conftest import ROOT

MONITORING = ROOT / "monitoring"


def envelope(data, attributes=None, message_id=None, attempt=None) -> dict:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    body = {
        "message": {
            "data": base64.b64encode(raw).decode(),
            "attributes": attributes or {},
            "messageId": message_id or uuid.uuid4().hex,
            "publishTime": "2026-11-27T22:00:00Z",
        },
        "subscription": "projects/watchkeeper-test/subscriptions/test",
    }
    if attempt:
        body["deliveryAttempt"] = attempt
    return body


def push(server, name, body, headers=None, timeout=30) -> tuple[requests.Response, dict]:
    """POST a push envelope to /events/<name>; the response and that delivery's one log line."""
    trace = uuid.uuid4().hex
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    response = requests.post(
        f"{server.url}/events/{name}",
        data=data,
        timeout=timeout,
        headers={"Content-Type": "application/json", "X-Cloud-Trace-Context": f"{trace}/1;o=1", **(headers or {})},
    )
    return response, server.log_entry(trace)


def alert(incident_id, state="open", service="checkout", labels=None, started=None, ended=None, **extra) -> dict:
    """A Cloud Monitoring notification, schema version 1.2, as the Pub/Sub channel sends it."""
    now = int(time.time())
    incident = {
        "incident_id": incident_id,
        "scoping_project_id": "watchkeeper-test",
        "scoping_project_number": 12345,
        "url": f"https://console.cloud.google.com/monitoring/alerting/incidents/{incident_id}?project=watchkeeper-test",
        "severity": "Critical",
        "started_at": started or now - 60,
        "ended_at": (ended or now) if state == "closed" else None,
        "state": state,
        "summary": f"Latency for {service} is above the threshold of 1000 with a value of 1834.",
        "apigee_url": "",
        "observed_value": "1834",
        "resource": {"type": "cloud_run_revision", "labels": {"service_name": service}},
        "resource_type_display_name": "Cloud Run Revision",
        "resource_id": "",
        "resource_display_name": service,
        "resource_name": f"watchkeeper-test {service}",
        "metric": {"type": "run.googleapis.com/request_latencies", "displayName": "Request Latencies", "labels": {}},
        "metadata": {"system_labels": {}, "user_labels": {}},
        "policy_name": f"{service} latency too high",
        "policy_user_labels": {"service": service, **(labels or {})} if service else dict(labels or {}),
        "documentation": {
            "content": "Check the dashboard.",
            "mime_type": "text/markdown",
            "subject": f"[ALERT] {service} latency",
        },
        "condition": {
            "name": "projects/watchkeeper-test/alertPolicies/1/conditions/2",
            "displayName": "p99 latency > 1s",
        },
        "condition_name": "p99 latency > 1s",
        "threshold_value": "1000",
    }
    incident.update(extra)
    return {"incident": incident, "version": "1.2"}


def build(
    build_id=None, status="SUCCESS", service="checkout", trigger="checkout-deploy", tag="", sha="4f2a9c1"
) -> dict:
    """A Cloud Build notification's data: the Build resource (JSON, camelCase)."""
    substitutions = {
        "REPO_NAME": "watchkeeper",
        "BRANCH_NAME": "main",
        "COMMIT_SHA": sha + "e" * 33,
        "SHORT_SHA": sha,
        "TRIGGER_NAME": trigger,
        "REF_NAME": "main",
    }
    if service:
        substitutions["_SERVICE"] = service
    if tag:
        substitutions["TAG_NAME"] = tag
    build_id = build_id or str(uuid.uuid4())
    body = {
        "id": build_id,
        "projectId": "watchkeeper-test",
        "status": status,
        "createTime": "2026-11-27T21:50:00.123456Z",
        "startTime": "2026-11-27T21:50:02.987654321Z",
        "steps": [{"name": "gcr.io/cloud-builders/gcloud", "args": ["version"]}],
        "substitutions": substitutions,
        "buildTriggerId": "0f1e2d3c",
        "logUrl": f"https://console.cloud.google.com/cloud-build/builds/{build_id}?project=12345",
        "sourceProvenance": {"resolvedRepoSource": {"commitSha": sha + "e" * 33}},
    }
    if status not in ("QUEUED", "WORKING", "PENDING"):
        body["finishTime"] = time.strftime("%Y-%m-%dT%H:%M:%S.000000001Z", time.gmtime())
    return body


class Receiver:
    """An incoming-webhook stand-in. Per path, a behaviour: "ok", "fail:N" (answers 500 to
    the first N deliveries, then 200), or "hang" (reads the request, never answers)."""

    def __init__(self):
        self.received: dict[str, list[dict]] = {}
        self.answered: dict[str, list[int]] = {}
        self.behaviour: dict[str, str] = {}
        self.lock = threading.Lock()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with outer.lock:
                    seen = outer.received.setdefault(self.path, [])
                    seen.append(body)
                    mode = outer.behaviour.get(self.path, "ok")
                    status = 500 if mode.startswith("fail:") and len(seen) <= int(mode[5:]) else 200
                if mode == "hang":
                    outer.release.wait(60)
                    return
                with outer.lock:
                    outer.answered.setdefault(self.path, []).append(status)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"boom")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def route(self, path: str, behaviour: str = "ok", kind: str = "slack") -> dict:
        self.behaviour[path] = behaviour
        return {"kind": kind, "url": self.url + path}

    def delivered(self, path: str) -> int:
        """How many deliveries to `path` were answered 200."""
        with self.lock:
            return self.answered.get(path, []).count(200)

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
