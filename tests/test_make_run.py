"""`make run`'s script: emulator + seeded data + the webhook, and a clean stop."""
import json
import os
import signal
import subprocess
import sys
import time

import requests

from fulfillment.simulate import es_request

from conftest import ROOT
from emulator import free_port


def test_run_local_serves_seeded_data_and_cleans_up():
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIRESTORE_", "GOOGLE_CLOUD_PROJECT"))}
    process = subprocess.Popen([sys.executable, "scripts/run_local.py"], cwd=ROOT, env={**env, "PORT": str(port)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        answer = requests.post(f"http://127.0.0.1:{port}/", data=json.dumps(es_request("incident.list")),
                               headers={"Content-Type": "application/json"}, timeout=10).json()
        assert "most urgent is #43" in answer["fulfillmentText"]           # the seeded demo data
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert "seeded" in output and "Firestore emulator" in output
    emulator_host = output.split(" on ", 1)[1].split(",", 1)[0]
    time.sleep(0.5)
    try:
        requests.get(f"http://{emulator_host}/", timeout=1)
        alive = True
    except requests.ConnectionError:
        alive = False
    assert not alive, "the emulator outlived make run"
    try:
        os.killpg(process.pid, 0)
        leftovers = True
    except ProcessLookupError:
        leftovers = False
    assert not leftovers, "make run left processes behind"
