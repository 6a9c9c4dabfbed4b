"""The deadline holds whatever the database does: slow, silent or gone."""
import time

import pytest

from fulfillment.simulate import cx_request, es_request

from conftest import assert_valid_response, start_server, stop_server
from emulator import free_port
from tcp_proxy import Proxy

BUDGET = 1.0
SLACK = 0.1


@pytest.fixture
def proxied(emulator, seeded):
    proxy = Proxy(emulator.host)
    server = start_server({"FIRESTORE_EMULATOR_HOST": proxy.address, "DEADLINE_ES_S": str(BUDGET),
                           "DEADLINE_CX_S": str(BUDGET)}, name="proxied")
    yield proxy, server
    stop_server(server)
    proxy.close()


def timed(server, body):
    started = time.monotonic()
    response, log = server.traced_post(body)
    return time.monotonic() - started, response, log


DB_INTENTS: list[tuple[str, dict]] = [("oncall.current", {"service": "payments"}), ("incident.list", {}),
              ("service.status", {"service": "checkout"}), ("incident.acknowledge", {"number": 46}),
              ("deploy.latest", {"service": "checkout"})]


@pytest.mark.parametrize("mode", ["delay", "blackhole"])
def test_slow_or_silent_database_answered_within_budget(proxied, mode):
    proxy, server = proxied
    proxy.mode, proxy.delay = mode, 2.0
    for intent, params in DB_INTENTS:
        for build, dialect_name in ((es_request, "es"), (cx_request, "cx")):
            elapsed, response, log = timed(server, build(intent, params=params))
            assert response.status_code == 200
            assert elapsed <= BUDGET + SLACK, (intent, elapsed)
            assert_valid_response(response.json(), dialect_name)
            assert "taking too long" in response.text or "can't reach the incident database" in response.text
            assert log["outcome"] in ("timeout", "db_unavailable")
            if log["outcome"] == "timeout":
                assert log["timeout_stage"] in ("firestore", "handler")
    proxy.mode = "pass"                       # the database recovers: so do the answers
    deadline = time.monotonic() + 10
    while True:
        _, response, log = timed(server, es_request("oncall.current", params={"service": "payments"}))
        if log["outcome"] == "ok" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert log["outcome"] == "ok" and "is on call" in response.text


def test_slow_database_still_within_budget_is_fine(proxied):
    proxy, server = proxied
    proxy.mode, proxy.delay = "delay", 0.05
    elapsed, response, log = timed(server, es_request("incident.list"))
    assert log["outcome"] == "ok" and "most urgent" in response.text
    assert log["stages_ms"]["firestore"] >= 50


def test_absent_database_gets_a_polite_answer(emulator):
    server = start_server({"FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{free_port()}", "DEADLINE_ES_S": str(BUDGET)},
                          name="nodb")
    try:
        for intent, params in DB_INTENTS:
            elapsed, response, log = timed(server, es_request(intent, params=params))
            assert response.status_code == 200 and elapsed <= BUDGET + SLACK
            assert "can't reach the incident database" in response.text or "taking too long" in response.text
            assert log["outcome"] in ("db_unavailable", "timeout")
        _, response, log = timed(server, es_request("welcome"))     # no database needed: unaffected
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
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", own.host)   # the client reads it when created
        seed.seed(firestore.Client(project="watchkeeper-test", credentials=AnonymousCredentials()))
        server = start_server({"FIRESTORE_EMULATOR_HOST": own.host, "DEADLINE_ES_S": str(BUDGET)}, name="stopped")
        try:
            _, response, log = timed(server, es_request("incident.list"))
            assert log["outcome"] == "ok" and "most urgent" in response.text
            own.stop()
            for intent, params in DB_INTENTS:
                elapsed, response, log = timed(server, es_request(intent, params=params))
                assert response.status_code == 200 and elapsed <= BUDGET + SLACK, (intent, elapsed)
                assert "can't reach the incident database" in response.text or "taking too long" in response.text
                assert log["outcome"] in ("db_unavailable", "timeout")
        finally:
            stop_server(server)
    finally:
        own.stop()
