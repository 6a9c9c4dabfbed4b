"""The deadline holds whatever the database does: slow, silent or gone.

Nothing here depends on how fast this machine is. Each server is warmed before it is timed
(Firestore client created, directory cached), and every fault is made several times longer
than the budget, so "answered in time" and "waited for the database" stay seconds apart
even when both cores are busy: the SLACK below is for a loaded machine's scheduling, and a
broken deadline would need more than FAULT_S - BUDGET - SLACK = 2 s extra to slip through.
"""

import time

import pytest

from fulfillment.cli.simulate import cx_request, es_request

from conftest import assert_valid_response, start_server, stop_server
from emulator import free_port
from tcp_proxy import Proxy

BUDGET = 1.0  # the answer budget the servers here run with
SLACK = 1.0  # client-side allowance past it: HTTP and a busy machine's scheduling
FAULT_S = 4.0  # how long a slow database holds each chunk: far past BUDGET + SLACK


def warm(server, seconds: float = 30) -> None:
    """First requests pay for the Firestore client and the directory cache: not measured here.
    A cold first request may itself run out of budget (the work goes on in the background), so
    ask until a warm answer comes back."""
    give_up = time.monotonic() + seconds
    while True:
        _, response, log = timed(server, es_request("oncall.current", params={"service": "payments"}))
        if log["outcome"] == "ok" or time.monotonic() > give_up:
            break
        time.sleep(0.2)
    assert log["outcome"] == "ok", log


def in_time(elapsed: float, log: dict, budget: float = BUDGET) -> bool:
    """Answered within the budget: as the server measured it, and as the caller waited."""
    return log["latency_ms"] <= (budget + 0.5) * 1000 and elapsed <= budget + SLACK


@pytest.fixture
def proxied(emulator, seeded):
    proxy = Proxy(emulator.host)
    server = start_server(
        {"FIRESTORE_EMULATOR_HOST": proxy.address, "DEADLINE_ES_S": str(BUDGET), "DEADLINE_CX_S": str(BUDGET)},
        name="proxied",
    )
    warm(server)
    yield proxy, server
    stop_server(server)
    proxy.close()


def timed(server, body):
    started = time.monotonic()
    response, log = server.traced_post(body)
    return time.monotonic() - started, response, log


DB_INTENTS: list[tuple[str, dict]] = [
    ("oncall.current", {"service": "payments"}),
    ("incident.list", {}),
    ("service.status", {"service": "checkout"}),
    ("incident.acknowledge", {"number": 46}),
    ("deploy.latest", {"service": "checkout"}),
]


@pytest.mark.parametrize("mode", ["delay", "blackhole"])
def test_slow_or_silent_database_answered_within_budget(proxied, mode):
    proxy, server = proxied
    proxy.mode, proxy.delay = mode, FAULT_S
    for intent, params in DB_INTENTS:
        for build, dialect_name in ((es_request, "es"), (cx_request, "cx")):
            elapsed, response, log = timed(server, build(intent, params=params))
            assert response.status_code == 200
            assert in_time(elapsed, log), (intent, elapsed, log["latency_ms"])
            assert_valid_response(response.json(), dialect_name)
            assert "taking too long" in response.text or "can't reach the incident database" in response.text
            assert log["outcome"] in ("timeout", "db_unavailable")
            if log["outcome"] == "timeout":
                assert log["timeout_stage"] in ("firestore", "handler")
    proxy.mode = "pass"  # the database recovers: so do the answers
    deadline = time.monotonic() + 20
    while True:
        _, response, log = timed(server, es_request("oncall.current", params={"service": "payments"}))
        if log["outcome"] == "ok" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert log["outcome"] == "ok" and "is on call" in response.text


def test_slow_database_still_within_budget_is_fine(emulator, seeded):
    """50 ms per chunk is slow, but one query fits a 3 s budget many times over: a normal answer."""
    proxy = Proxy(emulator.host)
    server = start_server({"FIRESTORE_EMULATOR_HOST": proxy.address, "DEADLINE_ES_S": "3.0"}, name="slowdb")
    try:
        warm(server)
        proxy.mode, proxy.delay = "delay", 0.05
        elapsed, response, log = timed(server, es_request("incident.list"))
        assert log["outcome"] == "ok" and "most urgent" in response.text
        assert log["stages_ms"]["firestore"] >= 50 and log["firestore_rpcs"] == 1
    finally:
        stop_server(server)
        proxy.close()


def test_absent_database_gets_a_polite_answer(emulator):
    server = start_server(
        {"FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{free_port()}", "DEADLINE_ES_S": str(BUDGET)}, name="nodb"
    )
    try:
        timed(server, es_request("oncall.current", params={"service": "payments"}))  # warm: client created
        for intent, params in DB_INTENTS:
            elapsed, response, log = timed(server, es_request(intent, params=params))
            assert response.status_code == 200 and in_time(elapsed, log), (intent, elapsed, log["latency_ms"])
            assert "can't reach the incident database" in response.text or "taking too long" in response.text
            assert log["outcome"] in ("db_unavailable", "timeout")
        _, response, log = timed(server, es_request("welcome"))  # no database needed: unaffected
        assert log["outcome"] == "ok"
    finally:
        stop_server(server)


def test_emulator_stopped_mid_service(emulator, monkeypatch):
    """A database that was there and goes away: answers stay polite and on time."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import firestore

    import emulator as emulator_script
    import seed

    own = emulator_script.start()
    try:
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", own.host)  # the client reads it when created
        seed.seed(firestore.Client(project="watchkeeper-test", credentials=AnonymousCredentials()))
        server = start_server({"FIRESTORE_EMULATOR_HOST": own.host, "DEADLINE_ES_S": str(BUDGET)}, name="stopped")
        try:
            warm(server)
            _, response, log = timed(server, es_request("incident.list"))
            assert log["outcome"] == "ok" and "most urgent" in response.text
            own.stop()
            for intent, params in DB_INTENTS:
                elapsed, response, log = timed(server, es_request(intent, params=params))
                assert response.status_code == 200 and in_time(elapsed, log), (intent, elapsed, log["latency_ms"])
                assert "can't reach the incident database" in response.text or "taking too long" in response.text
                assert log["outcome"] in ("db_unavailable", "timeout")
        finally:
            stop_server(server)
    finally:
        own.stop()
