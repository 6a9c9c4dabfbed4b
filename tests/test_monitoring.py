"""The Cloud Monitoring definitions read what the code actually logs."""
import json
import re
import shlex
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from fulfillment.simulate import es_request

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
    metric_type = f'logging.googleapis.com/user/{METRIC["name"]}'
    slo = json.loads((MONITORING / "slo.json").read_text())
    assert metric_type in slo["serviceLevelIndicator"]["requestBased"]["distributionCut"]["distributionFilter"]
    alert = json.loads((MONITORING / "burn_rate_alert.json").read_text())
    assert all("select_slo_burn_rate" in c["conditionThreshold"]["filter"] for c in alert["conditions"])
    dashboard = json.loads((MONITORING / "dashboard.json").read_text())
    for tile in dashboard["mosaicLayout"]["tiles"]:
        for data_set in tile["widget"]["xyChart"]["dataSets"]:
            query = data_set["timeSeriesQuery"]["timeSeriesFilter"]
            assert metric_type in query["filter"]
            for field in query["aggregation"].get("groupByFields", []):
                assert field.removeprefix("metric.label.") in METRIC["labelExtractors"]


def test_outcomes_documented_in_the_metric_match_the_code():
    described = next(item for item in METRIC["metricDescriptor"]["labels"] if item["key"] == "outcome")["description"]
    source = "".join(p.read_text() for p in (ROOT / "fulfillment").glob("*.py")) + (ROOT / "main.py").read_text()
    for outcome in re.findall(r"[a-z_]+", described):
        assert f'"{outcome}"' in source, outcome


@pytest.mark.skipif(not shutil.which("gcloud"), reason="gcloud is not installed here")
def test_apply_script_gcloud_flags_exist():
    lines = (MONITORING / "apply.sh").read_text().replace("\\\n", " ").splitlines()
    for line in lines:
        for part in re.split(r"\|\||&&", line):
            if not part.strip().startswith("gcloud ") or "print-access-token" in part:
                continue
            words = shlex.split(part.strip())
            group = [w for w in words[1:] if re.fullmatch(r"[a-z][a-z-]*", w)][:4]
            if group[:2] == ["logging", "metrics"]:
                group = group[:3]
            flags = {w.split("=", 1)[0] for w in words if w.startswith("--")}
            help_text = subprocess.run(["gcloud", *group, "--help"], capture_output=True, text=True, timeout=120).stdout
            assert flags <= set(re.findall(r"--[a-z][a-z0-9-]+", help_text)), (group, flags)
