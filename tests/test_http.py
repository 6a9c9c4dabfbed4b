"""The real functions-framework server on loopback: samples in, valid answers out; bad
input refused with a JSON error; one structured log line per request."""

import json

import pytest
import requests

from fulfillment.cli.simulate import cx_request, es_request

from conftest import ROOT, assert_valid_response, shared_fixture, shared_fixture_names, start_server, stop_server


@pytest.fixture(scope="module")
def lab(emulator):
    """A server that also loads the misbehaving test intents."""
    srv = start_server(
        {"INTENT_PACKAGES": "intents,sample_intents", "PYTHONPATH": str(ROOT / "tests"), "DEADLINE_ES_S": "1.5"},
        name="lab",
    )
    yield srv
    stop_server(srv)


@pytest.mark.parametrize(
    "name", [n for n in shared_fixture_names("requests") if not n.startswith("es_v1")] or ["(none)"]
)
def test_shared_requests_get_valid_answers(server, name):
    if name == "(none)":
        pytest.skip("../shared/fixtures is not present outside the workplace")
    body = shared_fixture("requests", name)
    response, log = server.traced_post(body)
    assert response.status_code == 200
    out = response.json()
    assert_valid_response(out, name[:2])
    assert log["outcome"] in ("ok", "fallback")
    assert log["dialect"] == name[:2]


def test_shared_welcome_from_assistant_renders_payload_google(server):
    body = shared_fixture("requests", "es_v2_google_assistant_welcome_new_conversation.json")
    out = server.post(body).json()
    assert out["payload"]["google"]["richResponse"]["items"][0]["simpleResponse"]["textToSpeech"].startswith(
        "Hi, I'm Watchkeeper"
    )
    assert out["payload"]["google"]["richResponse"]["suggestions"]


def test_shared_v1_request_is_refused(server):
    response, log = server.traced_post(shared_fixture("requests", "es_v1_simulator_webhook.json"))
    assert response.status_code == 400
    assert "v1" in response.json()["error"]
    assert log["outcome"] == "bad_request"


@pytest.mark.parametrize("dialect_name", ["es", "cx"])
def test_own_samples_welcome_and_unknown_intent(server, dialect_name):
    build = es_request if dialect_name == "es" else cx_request
    response, log = server.traced_post(build("welcome"))
    assert response.status_code == 200
    assert_valid_response(response.json(), dialect_name)
    assert "Watchkeeper" in response.text and log["outcome"] == "ok" and log["intent"] == "welcome"

    response, log = server.traced_post(build("no.such.intent"))
    assert response.status_code == 200
    assert_valid_response(response.json(), dialect_name)
    assert "didn't get that" in response.text
    assert log["outcome"] == "fallback" and log["severity"] == "WARNING"
    assert any("no handler for intent 'no.such.intent'" in w for w in log["warnings"])


# ---- bad input ---------------------------------------------------------------------------------

BAD = [
    ("GET", "/anything", None, "application/json", 405),
    ("PUT", "/", b"{}", "application/json", 405),
    ("POST", "/", b"{}", "text/plain", 415),
    ("POST", "/", b"queryResult=1", "application/x-www-form-urlencoded", 415),
    ("POST", "/", b'{"queryResult": {', "application/json", 400),
    ("POST", "/", b"", "application/json", 400),
    ("POST", "/", b"\xff\xfe\x00", "application/json", 400),
    ("POST", "/", b"[1, 2]", "application/json", 400),
    ("POST", "/", b'{"hello": "world"}', "application/json", 400),
    ("POST", "/", b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
    ("POST", "/", b'{"queryResult": {"parameters": {"n": ' + b"9" * 5000 + b"}}}", "application/json", 400),
    ("POST", "/", b'{"pad": "' + b"x" * (300 * 1024) + b'"}', "application/json", 413),
]


@pytest.mark.parametrize("method,path,data,content_type,status", BAD)
def test_bad_input_gets_json_error_and_server_keeps_serving(server, method, path, data, content_type, status):
    response = requests.request(
        method, server.url + path, data=data, headers={"Content-Type": content_type}, timeout=10
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error and "Traceback" not in response.text
    assert server.post(es_request("welcome")).status_code == 200


def test_get_on_the_root_is_the_health_check(server):
    """Uptime checks on the bare URL get the health answer, not the webhook's 405."""
    response = requests.get(server.url + "/", timeout=10)
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert "oncall.current" in response.json()["intents"]


def test_chunked_oversize_body_is_refused(server):
    def chunks():
        for _ in range(300):
            yield b"x" * 1024

    response = requests.post(server.url + "/", data=chunks(), headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 413


def test_health_lists_intents_and_nothing_secret(server):
    response = requests.get(server.url + "/healthz", timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and "oncall.current" in body["intents"]
    assert set(body) == {"status", "version", "intents"}


# ---- failing handlers ----------------------------------------------------------------------------


@pytest.mark.parametrize("dialect_name", ["es", "cx"])
def test_raising_handler_apologises_and_logs_the_stack(lab, dialect_name):
    build = es_request if dialect_name == "es" else cx_request
    response, log = lab.traced_post(build("test.boom"))
    assert response.status_code == 200
    assert_valid_response(response.json(), dialect_name)
    assert "something went wrong" in response.text
    assert "kaboom" not in response.text and "Traceback" not in response.text
    assert log["severity"] == "ERROR" and log["outcome"] == "handler_error"
    assert "Traceback" in log["message"] and "kaboom" in log["message"]


def test_handler_returning_garbage_is_a_handler_error(lab):
    response, log = lab.traced_post(es_request("test.not_a_reply"))
    assert response.status_code == 200 and "something went wrong" in response.text
    assert log["outcome"] == "handler_error"


def test_huge_handler_reply_is_cut_to_64k(lab):
    response = lab.post(es_request("test.huge"))
    assert response.status_code == 200
    assert len(response.content) <= 64 * 1024
    assert_valid_response(response.json(), "es")
    assert response.json()["fulfillmentMessages"][0]["text"]["text"] == ["Short answer."]


def test_slow_handler_answers_at_the_deadline(lab):
    import time

    started = time.monotonic()
    response, log = lab.traced_post(es_request("test.slow", params={"seconds": 5}))
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and "taking too long" in response.text
    assert elapsed < 1.5 + 1.5  # budget + a busy machine's slack; the handler sleeps 5 s
    assert log["outcome"] == "timeout" and log["timeout_stage"] == "handler"


# ---- the log line and Server-Timing -----------------------------------------------------------


def test_one_structured_log_line_per_request(server):
    body = es_request("welcome", session_id="secret-session-id", text="my private words")
    response, log = server.traced_post(
        body, {"Authorization": "Bearer should-not-appear", "traceparent": "00-ignored-ignored-01"}
    )
    assert log["httpRequest"]["requestMethod"] == "POST" and log["httpRequest"]["status"] == 200
    assert log["httpRequest"]["latency"].endswith("s")
    assert log["logging.googleapis.com/trace"].startswith("projects/watchkeeper-test/traces/")
    assert log["logging.googleapis.com/spanId"] == "1" and log["logging.googleapis.com/trace_sampled"] is True
    assert log["dialect"] == "es" and log["surface"] == "console" and log["language"] == "en"
    assert set(log["stages_ms"]) == {"parse", "handler", "firestore", "render"}
    assert isinstance(log["latency_ms"], float) and log["firestore_rpcs"] == 0
    text = json.dumps(log)
    assert "secret-session-id" not in text and len(log["session"]) == 16
    assert "my private words" not in text and "should-not-appear" not in text


def test_traceparent_correlation(server):
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    server.post(es_request("welcome"), {"traceparent": f"00-{trace}-00f067aa0ba902b7-01"})
    entry = server.log_entry(trace)
    assert entry["logging.googleapis.com/spanId"] == "00f067aa0ba902b7"
    assert entry["logging.googleapis.com/trace_sampled"] is True


def test_rejected_requests_are_logged_too(server):
    response, log = server.traced_post(b"{nope", {})
    assert response.status_code == 400 and log["outcome"] == "bad_request" and log["httpRequest"]["status"] == 400


def test_server_timing_header(server):
    response = server.post(es_request("welcome"))
    timing = response.headers["Server-Timing"]
    for stage in ("parse;dur=", "handler;dur=", "render;dur=", "total;dur="):
        assert stage in timing
