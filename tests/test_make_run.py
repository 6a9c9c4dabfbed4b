"""`make run`'s script: emulator + seeded data + the webhook, and a clean stop."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from fulfillment.cli.simulate import es_request

import pubsub_emulator
from conftest import ROOT
from emulator import free_port


def test_run_local_serves_seeded_data_and_cleans_up():
    """Also: a sample alert and build show up in the answers, and (with the Pub/Sub emulator and the
    inbox port free) a confirmed page reaches the local inbox."""
    port = free_port()
    with socket.socket() as probe:
        inbox_free = probe.connect_ex(("127.0.0.1", 8099)) != 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIRESTORE_", "GOOGLE_CLOUD_PROJECT"))}
    process = subprocess.Popen(
        [sys.executable, "scripts/run_local.py"],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)

        def say(intent, **kwargs):
            return requests.post(
                f"http://127.0.0.1:{port}/",
                data=json.dumps(es_request(intent, **kwargs)),
                headers={"Content-Type": "application/json"},
                timeout=10,
            ).json()

        assert "most urgent is #43" in say("incident.list")["fulfillmentText"]  # the seeded demo data
        sample = [sys.executable, "scripts/sample_events.py", "--url", f"http://127.0.0.1:{port}"]
        sent = subprocess.run(
            sample[:2] + ["alert"] + sample[2:] + ["--service", "ledger"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert sent.returncode == 0 and '"opened"' in sent.stdout, sent.stdout + sent.stderr
        assert "ledger error rate above 5%" in json.dumps(say("incident.list", params={"service": "ledger"}))
        sent = subprocess.run(
            sample[:2] + ["build"] + sample[2:] + ["--service", "ledger"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert '"recorded"' in sent.stdout, sent.stdout + sent.stderr
        assert "Ledger v2.42.0 was deployed" in say("deploy.latest", params={"service": "ledger"})["fulfillmentText"]
        if not pubsub_emulator.available() and inbox_free:
            session = "make-run-page"
            first = say("oncall.page", params={"service": "ledger", "message": "demo"}, session_id=session)
            say(
                "oncall.page.confirm",
                text="yes",
                session_id=session,
                contexts=[{"name": "page-pending", "parameters": first["outputContexts"][0]["parameters"]}],
            )
            deadline = time.monotonic() + 30
            while "reached" not in (status := say("page.status", session_id=session)["fulfillmentText"]):
                assert time.monotonic() < deadline, status
                time.sleep(0.3)
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert "seeded" in output and "Firestore emulator" in output
    if not pubsub_emulator.available() and inbox_free:
        assert "[inbox /hooks/" in output and "demo" in output
    emulator_host = output.split(" on ", 1)[1].split(",", 1)[0]
    time.sleep(0.5)
    try:
        requests.get(f"http://{emulator_host}/", timeout=1)
        alive = True
    except requests.ConnectionError:
        alive = False
    assert not alive, "the emulator outlived make run"
    if "Pub/Sub emulator on " in output:
        pubsub_host = output.split("Pub/Sub emulator on ", 1)[1].split(":", 2)
        with socket.socket() as probe:
            assert probe.connect_ex((pubsub_host[0], int(pubsub_host[1]))) != 0, (
                "the Pub/Sub emulator outlived make run"
            )
    try:
        os.killpg(process.pid, 0)
        leftovers = True
    except ProcessLookupError:
        leftovers = False
    assert not leftovers, "make run left processes behind"


def test_port_in_use_is_said_in_one_line_with_the_fix():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "scripts/run_local.py"],
            cwd=ROOT,
            env={**os.environ, "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert lines == [
        f"make run: port {port} is already in use (another `make run`?); choose another with: PORT={port + 1} make run"
    ], lines


def test_an_edited_intent_is_served_without_restarting_make_run(tmp_path):
    """Edit an intent file while `make run` runs: the next answer is the new one, on the same data."""
    package = tmp_path / "hot_intents"
    package.mkdir()
    (package / "__init__.py").write_text("")
    source = (
        "from fulfillment import Reply, Turn, intent\n\n\n"
        '@intent("hot.test", inline=True)\ndef hot(turn: Turn) -> Reply:\n    return Reply.say("{}")\n'
    )
    (package / "hot.py").write_text(source.format("before the edit"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIRESTORE_", "GOOGLE_CLOUD_PROJECT"))}
    env.update({"PORT": str(port), "INTENT_PACKAGES": "intents,hot_intents", "PYTHONPATH": str(tmp_path)})
    process = subprocess.Popen(
        [sys.executable, "scripts/run_local.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def answer(wanted: str) -> str:
        text, deadline = "", time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                text = requests.post(
                    f"http://127.0.0.1:{port}/",
                    data=json.dumps(es_request("hot.test")),
                    headers={"Content-Type": "application/json"},
                    timeout=5,
                ).json()["fulfillmentText"]
                if text == wanted:
                    return text
            except (requests.ConnectionError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        return text

    try:
        assert answer("before the edit") == "before the edit"
        time.sleep(1.1)  # a new mtime even on coarse clocks
        (package / "hot.py").write_text(source.format("after the edit"))
        assert answer("after the edit") == "after the edit"
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert "restarting the webhook" in output and output.count("seeded") == 1  # same emulator, same data
