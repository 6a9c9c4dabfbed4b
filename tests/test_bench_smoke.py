"""The benchmark command runs end to end on a tiny setting (no timing is asserted)."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed (apt-get install wrk)")
def test_bench_runs_end_to_end(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--rounds",
            "1",
            "--duration",
            "1",
            "--cpu-requests",
            "20",
            "--connections",
            "2",
            "--launches",
            "1",
            "--no-report",
            "--no-instructions",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(out.read_text())["results"]
    welcome = {"floor", "peer: dialogflow-fulfillment", "peer: official types", "ours: welcome"}
    assert set(results) == {f"{name} [{size}]" for name in welcome for size in ("small", "real")} | {
        "peer: plain Firestore webhook",
        "ours: oncall.current",
    }
    for target, figures in results.items():
        assert figures["rps"] > 0 and figures["errors"] == 0 and figures["cold_start_ms"] > 0, target
        assert figures["launches"] == 2, target  # the round's own launch and one more
    assert results["ours: oncall.current"]["rpcs_per_request"] == pytest.approx(1.0, abs=0.02)  # + a name-cache refresh
    for name in ("ours: oncall.current", "peer: plain Firestore webhook"):
        assert results[name]["first_after_start_ms"] > 0
    assert "| floor [real] |" in result.stdout and "[real] rps: ours/floor" in result.stdout
    assert "[Firestore] rps: ours/plain" in result.stdout
