"""The instance prepares the Firestore client, channel and directory as it starts, in the
background: the first "who is on call" then pays its one round trip, nothing more, and a
welcome is answered while the warm-up runs. (How much time that saves is a bench figure,
bench/README.md; nothing here is timed.)"""

import os
import time

from fulfillment.cli.simulate import es_request

from conftest import launch, start_server, stop_server


def _wait_for_warmup(server, seconds: float = 60) -> dict:
    """The warm-up's last line: done, or stopped early."""
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        found = [
            e for e in server.log_entries() if str(e.get("message", "")).startswith(("warm-up done", "warm-up stopped"))
        ]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("no warm-up log line")


def test_first_firestore_answer_pays_one_round_trip(emulator, seeded):
    server = start_server({"FIRESTORE_EMULATOR_HOST": emulator.host, "WARMUP": "1"}, name="warm")
    try:
        response, log = server.traced_post(es_request("welcome"))  # not held up by the warm-up
        assert response.status_code == 200 and log["outcome"] == "ok" and log.get("firestore_rpcs", 0) == 0
        assert _wait_for_warmup(server)["message"].startswith("warm-up done")
        response, log = server.traced_post(es_request("oncall.current", params={"service": "payments"}))
        assert log["outcome"] == "ok" and "is on call" in response.text
        assert log["firestore_rpcs"] == 1
    finally:
        stop_server(server)


def test_the_warmup_begins_after_the_first_answer(emulator, seeded):
    """An instance is usually started by the request it must answer: the warm-up's import
    would share the CPU with it, so it waits for the first answer (here the readiness check's)."""
    server = start_server({"FIRESTORE_EMULATOR_HOST": emulator.host, "WARMUP": "1"}, name="warm-after")
    try:
        assert _wait_for_warmup(server)["message"].startswith("warm-up done")
        entries = server.log_entries()
        begins = [i for i, e in enumerate(entries) if e.get("message") == "warm-up begins after the first answer"]
        first_answer = next(i for i, e in enumerate(entries) if "httpRequest" in e)
        assert len(begins) == 1 and first_answer < begins[0]
    finally:
        stop_server(server)


def test_an_instance_nobody_asks_warms_up_when_idle(emulator, seeded):
    """Started ahead of traffic (min instances, a scale-up): no answer comes, so the warm-up
    begins after IDLE_START_S on its own and the first question finds the client ready."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FIRESTORE_EMULATOR_HOST": emulator.host, "WARMUP": "1"}
    server = launch("warm-idle", env, wait=False)
    try:
        assert _wait_for_warmup(server)["message"].startswith("warm-up done")
        assert [e["message"] for e in server.log_entries() if "warm-up begins" in e.get("message", "")] == [
            "warm-up begins after 0.25 s without a request"
        ]
        assert not [e for e in server.log_entries() if "httpRequest" in e]
        response, log = server.traced_post(es_request("oncall.current", params={"service": "payments"}))
        assert log["outcome"] == "ok" and log["firestore_rpcs"] == 1
    finally:
        stop_server(server)


def test_without_warmup_the_first_answer_fills_the_cache(emulator, seeded):
    """The contrast that makes the test above mean something: 3 RPCs (2 for the directory)."""
    server = start_server({"FIRESTORE_EMULATOR_HOST": emulator.host, "WARMUP": "0"}, name="cold")
    try:
        response, log = server.traced_post(es_request("oncall.current", params={"service": "payments"}))
        assert log["outcome"] == "ok" and log["firestore_rpcs"] == 3
        assert not [e for e in server.log_entries() if str(e.get("message", "")).startswith("warm-up")]
    finally:
        stop_server(server)


def test_unreachable_database_warmup_gives_up_and_requests_stay_polite(emulator):
    from emulator import free_port

    server = start_server(
        {
            "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{free_port()}",
            "WARMUP": "1",
            "WARMUP_BUDGET_S": "1",
            "DEADLINE_ES_S": "1",
        },
        name="warm-nodb",
    )
    try:
        response, log = server.traced_post(es_request("welcome"))
        assert log["outcome"] == "ok"
        assert _wait_for_warmup(server)["message"].startswith("warm-up stopped early")
        response, log = server.traced_post(es_request("oncall.current", params={"service": "payments"}))
        assert response.status_code == 200 and log["outcome"] in ("db_unavailable", "timeout")
    finally:
        stop_server(server)
