"""The Cloud Monitoring definitions read what the code actually logs."""

import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml

from fulfillment.cli.simulate import es_request
from fulfillment.http.refusal import Refusal, Unauthorized
from fulfillment.telemetry.outcome import Outcome

from conftest import ROOT

MONITORING = ROOT / "monitoring"
METRIC = yaml.safe_load((MONITORING / "latency_metric.yaml").read_text())


def _path(entry, dotted):
    """Where Cloud Logging puts a field of our stdout JSON: httpRequest and severity are
    lifted into the LogEntry; everything else lands under jsonPayload."""
    head, _, rest = dotted.partition(".")
    value: Any = entry if head in ("httpRequest", "jsonPayload") else None
    for part in rest.split(".") if head == "jsonPayload" else dotted.split("."):
        value = value[part]
    return value


def _extracted(extractor: str) -> str:
    match = re.fullmatch(r"EXTRACT\((.+)\)", extractor)
    assert match, extractor
    return match.group(1)


def test_metric_fields_exist_in_a_real_log_line(server):
    _, entry = server.traced_post(es_request("welcome"))
    value = _extracted(METRIC["valueExtractor"])
    assert isinstance(_path(entry, value), (int, float))
    for label, extractor in METRIC["labelExtractors"].items():
        field = _extracted(extractor)
        assert field == f"jsonPayload.{label}" and isinstance(_path(entry, field), str)
    assert {item["key"] for item in METRIC["metricDescriptor"]["labels"]} == set(METRIC["labelExtractors"])
    for field in re.findall(r"(jsonPayload\.[a-z_]+|httpRequest\.[A-Za-z]+)", METRIC["filter"]):
        _path(entry, field)
    assert entry["httpRequest"]["requestMethod"] == "POST"


def test_slo_alert_and_dashboard_point_at_the_metric():
    metric_type = f"logging.googleapis.com/user/{METRIC['name']}"
    slo = json.loads((MONITORING / "slo.json").read_text())
    assert metric_type in slo["serviceLevelIndicator"]["requestBased"]["distributionCut"]["distributionFilter"]
    alert = json.loads((MONITORING / "burn_rate_alert.json").read_text())
    assert all("select_slo_burn_rate" in c["conditionThreshold"]["filter"] for c in alert["conditions"])
    dashboard = json.loads((MONITORING / "dashboard.json").read_text())
    for tile in dashboard["mosaicLayout"]["tiles"]:
        for data_set in tile["widget"]["xyChart"]["dataSets"]:
            query = data_set["timeSeriesQuery"]["timeSeriesFilter"]
            assert metric_type in query["filter"] or "user/watchkeeper_webhook_requests" in query["filter"]
            for field in query["aggregation"].get("groupByFields", []):
                assert field.removeprefix("metric.label.") in METRIC["labelExtractors"]


def test_outcomes_documented_in_the_metric_match_the_code():
    """The metric's description names exactly the outcome words a webhook request can log."""
    described = next(item for item in METRIC["metricDescriptor"]["labels"] if item["key"] == "outcome")["description"]
    pushes_only = {Outcome.IGNORED, Outcome.RETRY}
    assert set(re.findall(r"[a-z_]+", described)) == {o.value for o in Outcome if o not in pushes_only}


def test_requests_counter_matches_the_latency_metric_and_counts():
    counter = yaml.safe_load((MONITORING / "requests_metric.yaml").read_text())
    assert counter["metricDescriptor"]["valueType"] == "INT64" and counter["metricDescriptor"]["metricKind"] == "DELTA"
    assert "valueExtractor" not in counter and "bucketOptions" not in counter  # a counter: one per log line
    assert counter["filter"] == METRIC["filter"] and counter["labelExtractors"] == METRIC["labelExtractors"]
    dashboard = json.loads((MONITORING / "dashboard.json").read_text())
    tile = next(t for t in dashboard["mosaicLayout"]["tiles"] if "outcome" in t["widget"]["title"])
    query = tile["widget"]["xyChart"]["dataSets"][0]["timeSeriesQuery"]["timeSeriesFilter"]
    assert f"user/{counter['name']}" in query["filter"]
    assert query["aggregation"]["crossSeriesReducer"] == "REDUCE_SUM"  # sums requests, not points


def test_slo_leaves_out_rejected_callers():
    slo = json.loads((MONITORING / "slo.json").read_text())
    cut = slo["serviceLevelIndicator"]["requestBased"]["distributionCut"]["distributionFilter"]
    assert set(re.findall(r'metric\.label\.outcome!="([a-z_]+)"', cut)) == {Outcome.UNAUTHORIZED, Outcome.BAD_REQUEST}
    assert Refusal.outcome == Outcome.BAD_REQUEST and Unauthorized.outcome == Outcome.UNAUTHORIZED


def test_every_outcome_word_in_monitoring_is_one_the_code_logs():
    """A filter on a word the code never writes would match nothing, silently."""
    words = set()
    for path in MONITORING.glob("*"):
        if path.suffix in (".json", ".yaml"):
            words |= set(re.findall(r'outcome\s*[!=]=?\s*\\?"([a-z_]+)', path.read_text()))
    assert words and words <= {o.value for o in Outcome}, words - {o.value for o in Outcome}


class _MonitoringApi(BaseHTTPRequestHandler):
    """Just enough of the Monitoring REST API: objects by path, 404 until created, lists."""

    store: dict = {}
    calls: list = []

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")

    def do_GET(self):
        path = urlparse(self.path).path
        self.calls.append(("GET", path))
        collection = path.rsplit("/", 1)[-1]
        if collection in ("alertPolicies", "dashboards"):
            items = [v for k, v in self.store.items() if k.startswith(path + "/")]
            return self._reply(200, {collection: items})
        return self._reply(200, self.store[path]) if path in self.store else self._reply(404, {})

    def do_POST(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        body = self._body()
        ident = (query.get("serviceId") or query.get("serviceLevelObjectiveId") or [f"id{len(self.store)}"])[0]
        name = f"{url.path}/{ident}"
        body["name"] = name.split("/", 2)[2]
        self.store[name] = body
        self.calls.append(("POST", url.path, body))
        self._reply(200, body)

    def do_PATCH(self):
        url = urlparse(self.path)
        self.calls.append(("PATCH", url.path, self._body()))
        self._reply(200 if url.path in self.store else 404, {})

    def log_message(self, *args):
        pass


def test_apply_creates_once_then_updates(tmp_path):
    import gcloud_help
    from deploy_offline import Fake

    _MonitoringApi.store, _MonitoringApi.calls = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _MonitoringApi)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    fake = Fake(tmp_path)
    env = {
        **fake.env(),
        "PATH": fake.image("gcr.io/google.com/cloudsdktool/google-cloud-cli:slim"),
        "MONITORING_API": f"http://127.0.0.1:{httpd.server_port}",
        "FAKE_GCLOUD_PROJECT": "p1",
    }
    channel = "projects/p1/notificationChannels/42"
    run = lambda: subprocess.run(  # noqa: E731
        [
            sys.executable,
            str(MONITORING / "apply.py"),
            "--project=p1",
            f"--notification-channel={channel}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        first = run()
        assert first.returncode == 0, first.stderr
        posts = [c for c in _MonitoringApi.calls if c[0] == "POST"]
        assert len(posts) == 4  # service, SLO, alert, dashboard
        second = run()
        assert second.returncode == 0, second.stderr
    finally:
        httpd.shutdown()
    assert [c for c in _MonitoringApi.calls if c[0] == "POST"] == posts  # nothing created twice
    assert sum(c[0] == "PATCH" for c in _MonitoringApi.calls) == 4
    alert = next(c[2] for c in posts if c[1].endswith("/alertPolicies"))
    assert alert["notificationChannels"] == [channel]
    assert all(
        "serviceLevelObjectives/latency-99-1000ms" in c["conditionThreshold"]["filter"]
        and '"projects/p1/services/' in c["conditionThreshold"]["filter"]
        for c in alert["conditions"]
    )
    gcloud_calls = [c["argv"] for c in fake.calls()]
    verbs = [c[2] for c in gcloud_calls if c[:2] == ["logging", "metrics"]]
    assert verbs == ["describe", "create", "describe", "create", "describe", "update", "describe", "update"]
    if gcloud_help.gcloud():
        for argv in gcloud_calls:
            path = gcloud_help.command_path(argv)
            assert path[0] not in ("alpha", "beta") and not gcloud_help.unknown_flags(argv), argv
