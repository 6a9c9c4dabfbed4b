"""`python -m fulfillment latency-report` on real captured logs."""

import gzip
import json
import random
import subprocess
import sys

import numpy as np
import pytest

from fulfillment.cli import report
from fulfillment.cli.simulate import es_request
from fulfillment.telemetry.recent import percentile

from conftest import ROOT


@pytest.mark.parametrize("seed", range(5))
def test_percentiles_match_numpy(seed):
    rng = random.Random(seed)
    values = sorted(rng.lognormvariate(3, 1) for _ in range(rng.randint(1, 500)))
    for q in (0, 1, 50, 90, 99, 99.9, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12)


def _capture(server, tmp_path):
    """A local load run: requests to several intents, the server's own log lines (only those
    of this run: the session's server has served other tests' requests before)."""
    start = len(server.log_path.read_bytes())
    for i in range(30):
        server.post(es_request(["welcome", "help", "incident.list", "no.such.thing"][i % 4]))
    server.post(b"{broken", {})
    path = tmp_path / "capture.log"
    path.write_bytes(server.log_path.read_bytes()[start:])
    return path


def test_report_from_a_local_capture(server, seeded, tmp_path):
    path = _capture(server, tmp_path)
    entries = list(report.entries([str(path)]))
    stats = report.summarize(entries)
    assert {"welcome", "help", "incident.list", "no.such.thing", "ALL"} <= set(stats)
    table = report.rows(stats, report.Slo.parse("99:1000"))
    welcome = next(r for r in table if r["intent"] == "welcome")
    expected = np.percentile([e["latency_ms"] for e in entries if e.get("intent") == "welcome"], [50, 90, 99])
    assert [welcome["p50"], welcome["p90"], welcome["p99"]] == pytest.approx(list(expected))
    listed = next(r for r in table if r["intent"] == "incident.list")
    assert listed["rpcs"] >= 1 and next(r for r in table if r["intent"] == "welcome")["rpcs"] == 0
    assert "(bad_request)" in stats


def test_cli_gcloud_json_array_gzipped_with_plot(server, seeded, tmp_path):
    path = _capture(server, tmp_path)
    ours = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    wrapped = [
        {
            "jsonPayload": {k: v for k, v in e.items() if k not in ("httpRequest", "severity")},
            "httpRequest": e.get("httpRequest"),
            "severity": e.get("severity"),
            "logName": "projects/p/logs/run.googleapis.com%2Fstdout",
        }
        for e in ours
        if "latency_ms" in e
    ]
    gz = tmp_path / "gcloud.json.gz"
    with gzip.open(gz, "wt") as f:
        json.dump(wrapped, f, indent=2)
    png = tmp_path / "latency.png"
    result = subprocess.run(
        [sys.executable, "-m", "fulfillment", "latency-report", str(gz), "--slo", "99:1000", "--plot", str(png)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["intent", "count", "p50"] and "budget (99%)" in lines[0]
    assert any(line.startswith("welcome") for line in lines) and lines[-2].startswith("ALL")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_slo_budget_arithmetic():
    entries = [{"intent": "x", "latency_ms": ms, "outcome": "ok"} for ms in [100] * 990 + [2000] * 10]
    row = report.rows(report.summarize(entries), report.Slo.parse("99:1000"))[0]
    assert row["slo_met"] == pytest.approx(99.0) and row["budget_left"] == pytest.approx(0.0)
    entries += [{"intent": "x", "latency_ms": 5000, "outcome": "timeout"}] * 10
    row = report.rows(report.summarize(entries), report.Slo.parse("99:1000"))[0]
    assert row["budget_left"] < 0 and row["error_share"] == pytest.approx(10 / 1010)
    with pytest.raises(ValueError):
        report.Slo.parse("100:5")


def test_progress_bar_on_large_input(tmp_path, capsys):
    path = tmp_path / "big.jsonl"
    line = json.dumps({"intent": "welcome", "latency_ms": 1.5, "outcome": "ok", "pad": "x" * 500})
    path.write_text((line + "\n") * 12_000)
    progress = report.Progress(min_bytes=1_000_000)
    assert len(list(report.entries([str(path)], progress))) == 12_000
    assert "100%" in capsys.readouterr().err
