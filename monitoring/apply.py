"""Apply the Watchkeeper watch: two log-based metrics, the SLO service and SLO, the burn-rate
alert (to the notification channels given) and the dashboard. Standard library only.

    python3 monitoring/apply.py --project P [--function watchkeeper-webhook] \\
        --notification-channel projects/P/notificationChannels/123 [--notification-channel ...]

Re-running is safe: each object is looked up first (GA `gcloud logging metrics describe`,
the Monitoring REST API for the rest) and updated when it exists, created only when it does
not. Channels: `gcloud beta monitoring channels list` or the console's Alerting page."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
METRICS = {"watchkeeper_webhook_latency": "latency_metric.yaml", "watchkeeper_webhook_requests": "requests_metric.yaml"}
API = os.environ.get("MONITORING_API", "https://monitoring.googleapis.com")


def gcloud(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [shutil.which("gcloud") or "gcloud", *args],
        capture_output=True,
        text=True,
        check=check,
        stdin=subprocess.DEVNULL,
    )


class Api:
    def __init__(self, token: str):
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None, **query: str) -> tuple[int, dict]:
        url = f"{API}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(
            url,
            json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            if error.code == 404 and method == "GET":
                return 404, {}
            raise SystemExit(f"{method} {url}: {error.code} {error.read().decode(errors='replace')[:500]}") from None


def upsert(
    api: Api, what: str, get_path: str, create: tuple[str, dict, dict[str, str]], update: tuple[str, dict], log=print
) -> None:
    status, _ = api.call("GET", get_path)
    if status == 404:
        api.call("POST", create[0], create[1], **create[2])
        log(f"  created  {what}")
    else:
        api.call("PATCH", update[0], update[1])
        log(f"  updated  {what}")


def by_display_name(api: Api, path: str, key: str, name: str) -> str | None:
    """The resource name of the one object called `name`, if there is one (listing pages through)."""
    token = ""
    while True:
        _, page = api.call("GET", path, **({"pageToken": token} if token else {}))
        for item in page.get(key, []):
            if item.get("displayName") == name:
                return item["name"]
        token = page.get("nextPageToken", "")
        if not token:
            return None


def main(argv: list[str] | None = None, log=print) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", required=True)
    parser.add_argument("--function", default="watchkeeper-webhook")
    parser.add_argument("--service-id", default="watchkeeper-webhook")
    parser.add_argument("--slo-id", default="latency-99-1000ms")
    parser.add_argument(
        "--notification-channel",
        action="append",
        default=[],
        required=True,
        help="projects/P/notificationChannels/ID; repeat for several",
    )
    args = parser.parse_args(argv)
    p = f"--project={args.project}"
    with tempfile.TemporaryDirectory() as tmp:
        for name, file in METRICS.items():
            config = Path(tmp) / file
            config.write_text((HERE / file).read_text().replace("${FUNCTION}", args.function))
            exists = gcloud("logging", "metrics", "describe", name, p, "--format=value(name)", check=False)
            verb = "update" if exists.returncode == 0 else "create"
            gcloud("logging", "metrics", verb, name, p, f"--config-from-file={config}")
            log(f"  {verb + 'd':8} log-based metric {name}")
    api = Api(gcloud("auth", "print-access-token").stdout.strip())
    base = f"/v3/projects/{args.project}"
    service = json.loads((HERE / "service.json").read_text())
    upsert(
        api,
        f"service {args.service_id}",
        f"{base}/services/{args.service_id}",
        (f"{base}/services", service, {"serviceId": args.service_id}),
        (f"{base}/services/{args.service_id}?updateMask=displayName", service),
        log,
    )
    slo = json.loads((HERE / "slo.json").read_text())
    slo_name = f"{base}/services/{args.service_id}/serviceLevelObjectives/{args.slo_id}"
    upsert(
        api,
        f"SLO {args.slo_id}",
        slo_name,
        (f"{base}/services/{args.service_id}/serviceLevelObjectives", slo, {"serviceLevelObjectiveId": args.slo_id}),
        (f"{slo_name}?updateMask=displayName,goal,rollingPeriod,serviceLevelIndicator", slo),
        log,
    )
    alert = json.loads(
        (HERE / "burn_rate_alert.json").read_text().replace("${SLO_NAME}", slo_name.removeprefix("/v3/"))
    )
    alert["notificationChannels"] = args.notification_channel
    existing = by_display_name(api, f"{base}/alertPolicies", "alertPolicies", alert["displayName"])
    if existing:
        api.call("PATCH", f"/v3/{existing}", alert)
        log(f"  updated  alert policy {existing}")
    else:
        api.call("POST", f"{base}/alertPolicies", alert)
        log("  created  alert policy")
    dashboard = json.loads((HERE / "dashboard.json").read_text())
    existing = by_display_name(api, f"/v1/projects/{args.project}/dashboards", "dashboards", dashboard["displayName"])
    if existing:
        _, current = api.call("GET", f"/v1/{existing}")
        api.call("PATCH", f"/v1/{existing}", {**dashboard, "name": existing, "etag": current.get("etag", "")})
        log(f"  updated  dashboard {existing}")
    else:
        api.call("POST", f"/v1/projects/{args.project}/dashboards", dashboard)
        log("  created  dashboard")
    return 0


if __name__ == "__main__":
    sys.exit(main())
