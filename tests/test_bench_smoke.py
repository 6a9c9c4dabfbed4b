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
    result = subprocess.run([sys.executable, "bench/run.py", "--rounds", "1", "--duration", "1", "--cpu-requests", "20",
                             "--connections", "2", "--no-report", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(out.read_text())["results"]
    assert set(results) == {"floor", "peer: dialogflow-fulfillment", "peer: official types", "ours: welcome",
                            "ours: oncall.current (Firestore)"}
    for target, figures in results.items():
        assert figures["rps"] > 0 and figures["errors"] == 0 and figures["cold_start_ms"] > 0, target
    assert results["ours: oncall.current (Firestore)"]["rpcs_per_request"] == pytest.approx(1.0, abs=0.02)   # + a name-cache refresh
    assert "| floor |" in result.stdout and "ours/floor" in result.stdout
