"""Hostile input against the real server: what an attack on a running webhook found (issue 12),
each case closed and kept closed. Counts land in docs/reliability.md's "hostile input" section
(`make reliability`)."""

import concurrent.futures as futures
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

import pytest
import webhook_server

from fulfillment.cli.simulate import cx_request, es_request

from conftest import ROOT, Server, assert_valid_response, start_server, stop_server, wait_until_healthy

HOSTILE: dict[str, Any] = {}
LOG_LIMIT = 256 * 1024  # Cloud Logging's entry limit


@pytest.fixture(scope="module", autouse=True)
def hostile_figures():
    yield HOSTILE
    if os.environ.get("WRITE_RELIABILITY") and HOSTILE:
        write_section(HOSTILE)


def write_section(figures: dict) -> None:
    """Replace (or add) the "hostile input" section of docs/reliability.md."""
    path = ROOT / "docs/reliability.md"
    text = path.read_text() if path.exists() else "# Reliability\n"
    head = text.split("\n## hostile input\n", 1)[0].rstrip("\n")
    lines = [
        "",
        "## hostile input",
        "",
        "Counted by tests/test_hostile.py on its last run (each case is an attack that once worked).",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {key} | {value} |" for key, value in figures.items()]
    path.write_text(head + "\n" + "\n".join(lines) + "\n")


def _count(key: str, n: int = 1) -> None:
    HOSTILE[key] = HOSTILE.get(key, 0) + n


def _raw_post(server: Server, data: bytes, trace: str):
    import requests

    return requests.post(
        server.url + "/",
        data=data,
        timeout=15,
        headers={"Content-Type": "application/json", "X-Cloud-Trace-Context": f"{trace}/1;o=1"},
    )


# ---- row 1: lone UTF-16 surrogates ----------------------------------------------------------


def _es_text(intent="welcome", language="en", param="", session="s1") -> str:
    return (
        '{"responseId":"r","session":"projects/p/agent/sessions/%s","queryResult":{"queryText":"hi",'
        '"intent":{"displayName":"%s"},"languageCode":"%s","parameters":{"service":"%s"}}}'
        % (session, intent, language, param)
    )


LONE = {
    "escaped_in_intent": _es_text(intent="\\ud800").encode(),
    "escaped_in_language": _es_text(language="\\udfff").encode(),
    "escaped_in_parameter": _es_text(intent="oncall.current", param="pay\\ud800").encode(),
    "escaped_in_session": _es_text(session="s\\udc00").encode(),
    "escaped_low_then_high": _es_text(intent="x\\udc00\\ud800").encode(),
    "raw_bytes_in_intent": _es_text().replace('"welcome"', '"we\x00"').encode().replace(b"\x00", b"\xed\xa0\x80"),
    "raw_bytes_in_parameter": _es_text(param="\x00").encode().replace(b"\x00", b"\xed\xa0\x80"),
    "cx_escaped_in_tag": b'{"fulfillmentInfo":{"tag":"\\ud800"},"sessionInfo":{"session":"s"}}',
}


@pytest.mark.parametrize("case", list(LONE))
def test_lone_surrogates_are_refused_as_bad_input(server, case):
    trace = uuid.uuid4().hex
    response = _raw_post(server, LONE[case], trace)
    assert response.status_code == 400, response.text[:300]  # was a 500, or the crash apology
    assert "Unicode" in response.json()["error"] or "UTF-8" in response.json()["error"]
    log = server.log_entry(trace)  # one JSON line, whatever happened
    assert log["outcome"] == "bad_request" and log["httpRequest"]["status"] == 400
    _count("lone-surrogate bodies refused with a 400")


def test_a_valid_surrogate_pair_is_an_emoji_not_an_error(server):
    trace = uuid.uuid4().hex
    response = _raw_post(server, _es_text(param="\\ud83d\\ude00").encode(), trace)
    assert response.status_code == 200
    assert_valid_response(response.json(), "es")


def test_log_writer_survives_invalid_text():
    """Defence in depth: the log line and the session hash cannot crash on a lone surrogate."""
    from fulfillment import jsonio
    from fulfillment.telemetry import logline

    line = jsonio.dumps({"intent": "a\ud800b"})
    assert json.loads(line) == {"intent": "a?b"}
    assert len(logline.hash_session("s\udc00")) == 16


# ---- row 2: whole log lines through a pipe --------------------------------------------------


def test_every_log_line_whole_and_small_through_a_pipe(emulator):
    """The real server's stdout is a pipe (as on Cloud Run); 160 requests, 16 at a time, every
    4th with a 200 KB languageCode and every 7th with a 120 KB intent: every line parses."""

    port = __import__("emulator").free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        webhook_server.command(port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    lines: list[bytes] = []

    def read():
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    server = Server(port, process, ROOT / ".local" / "unused.log")
    try:
        wait_until_healthy(server)

        def body(i):
            if i % 4 == 0:
                return es_request("welcome", language="en-" + "x" * 200_000)
            if i % 7 == 0:
                return es_request("y" * 120_000)
            return es_request("help")

        with futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda i: server.post(body(i)).status_code, range(160)))
        assert statuses == [200] * 160
        time.sleep(0.5)
    finally:
        stop_server(server)
        reader.join(timeout=10)
    entries, broken = [], 0
    for line in lines:
        assert len(line) < LOG_LIMIT, len(line)
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            broken += 1
    assert broken == 0, f"{broken} of {len(lines)} lines were not JSON"
    requests_logged = [e for e in entries if "httpRequest" in e and e["httpRequest"]["requestUrl"] == "/"]
    assert len(requests_logged) == 160
    assert sum("language" in e.get("cut", []) for e in requests_logged) == 40
    assert sum("intent" in e.get("cut", []) for e in requests_logged) == len(
        [i for i in range(160) if i % 7 == 0 and i % 4]
    )
    HOSTILE["log lines through a pipe (160 requests, 16 concurrent, 200 KB fields)"] = len(lines)
    HOSTILE["log lines not whole JSON"] = broken
    HOSTILE["largest log line, bytes"] = max(len(line) for line in lines)


def test_long_and_short_lines_from_many_threads_never_splice(monkeypatch):
    """`logline.emit` into a real pipe, long lines (stack traces: over PIPE_BUF, so the kernel
    may take them in parts) and short ones from 8 threads at once: every line comes out whole."""
    from fulfillment.telemetry import logline

    read_end, write_end = os.pipe()

    class PipeOut:
        def fileno(self):
            return write_end

    monkeypatch.setattr(sys, "stdout", PipeOut())
    chunks: list[bytes] = []

    def drain():
        while data := os.read(read_end, 4096):
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()

    def writer(n):
        for i in range(40):
            size = 90_000 if i % 2 else 50
            logline.emit(json.dumps({"n": n, "i": i, "pad": "x" * size}).encode())

    with futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    os.close(write_end)
    reader.join(timeout=30)
    os.close(read_end)
    lines = b"".join(chunks).split(b"\n")[:-1]
    broken = sum(1 for line in lines if not _is_json(line))
    assert len(lines) == 320 and broken == 0, f"{broken} of {len(lines)} lines spliced"


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def test_one_long_line_is_cut_with_its_fields_named():
    from fulfillment.telemetry import logline

    entry = {"severity": "ERROR", "message": "x" * 300_000, "outcome": "handler_error", "warnings": ["w" * 5000] * 20}
    line = logline._shrunk(entry)
    assert len(line) <= logline.MAX_LINE_BYTES
    assert set(json.loads(line)["cut"]) == {"message", "warnings"}


# ---- row 6: numbers out of the database's range ---------------------------------------------


@pytest.mark.parametrize("severity", [1e20, 2**64, -1e20, 0, 9])
def test_out_of_range_severity_is_asked_again(server, seeded, severity):
    response, log = server.traced_post(es_request("incident.list", params={"severity": severity}))
    assert response.status_code == 200 and log["outcome"] == "ok", log
    assert "Severities go from 1" in response.json()["fulfillmentText"]
    _count("out-of-range numbers re-prompted")


def test_out_of_range_severity_never_reaches_firestore(seeded):
    from oncall import incidents

    assert incidents.open_incidents(severity=2**64) == []


# ---- row 7: malformed chunked bodies ---------------------------------------------------------

CHUNKED = {
    "bad_chunk_size": b"zz\r\nabc\r\n0\r\n\r\n",
    "truncated_chunk": b'40\r\n{"queryResult":',
    "missing_terminator": b"3\r\n{}\nXX0\r\n\r\n",
}


@pytest.mark.parametrize("case", list(CHUNKED))
def test_malformed_chunked_body_is_a_400(server, case):
    trace = uuid.uuid4().hex
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            b"X-Cloud-Trace-Context: " + f"{trace}/1;o=1".encode() + b"\r\nConnection: close\r\n\r\n" + CHUNKED[case]
        )
        sock.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), reply[:300]
    assert json.loads(body)["error"]
    log = server.log_entry(trace)
    assert log["outcome"] == "bad_request"
    _count("malformed chunked bodies refused with a 400")


# ---- row 10: the caller's address ------------------------------------------------------------


def test_remote_ip_is_not_what_the_client_says(server):
    response, log = server.traced_post(es_request("welcome"), {"X-Forwarded-For": '6.6.6.6"}'})
    assert response.status_code == 200
    assert log["httpRequest"]["remoteIp"] == "127.0.0.1"


def test_behind_googles_front_end_the_appended_address_counts():
    from fulfillment.telemetry.tracing import remote_ip

    environ = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7", "REMOTE_ADDR": "169.254.1.1"}
    assert remote_ip(environ, trust_forwarded=True) == "203.0.113.7"
    assert remote_ip(environ, trust_forwarded=False) == "169.254.1.1"
    assert remote_ip({"HTTP_X_FORWARDED_FOR": '1.2.3.4, x"}', "REMOTE_ADDR": "10.0.0.1"}, True) == "10.0.0.1"


# ---- rows 9 and 11: pages ---------------------------------------------------------------------


def _ask_page(server, session, message=None, payload=None, source=None):
    params = {"service": "checkout", **({"message": message} if message else {})}
    out = server.post(
        es_request("oncall.page", params=params, session_id=session, payload=payload, source=source)
    ).json()
    return out, next(c for c in out["outputContexts"] if c["name"].endswith("/page-pending"))


def _confirm(session, context, response_id=True):
    body = es_request(
        "oncall.page.confirm",
        text="yes",
        session_id=session,
        contexts=[{"name": "page-pending", "lifespanCount": 1, "parameters": context["parameters"]}],
    )
    if not response_id:
        del body["responseId"]
    return body


def test_without_a_turn_id_a_later_page_is_sent_and_a_redelivery_is_not(server, seeded):
    session = f"s-{uuid.uuid4().hex[:8]}"
    texts = []
    for _ in range(2):  # the same text, twice, no responseId
        _, context = _ask_page(server, session, "database is down")
        confirm = _confirm(session, context, response_id=False)
        texts.append(server.post(confirm).json()["fulfillmentText"])
        texts.append(server.post(confirm).json()["fulfillmentText"])  # Dialogflow redelivers it
    assert [("already" in t) for t in texts] == [False, True, False, True], texts
    assert len(list(seeded.collection("pages").stream())) == 2


def test_confirm_pages_only_the_pending_state_and_the_real_oncall(server, seeded):
    forged = {"page_service": "checkout", "page_oncall": "Mallory", "page_message": "m", "page_target": "Checkout"}
    text = server.post(es_request("oncall.page.confirm", text="yes", params=forged)).json()["fulfillmentText"]
    assert "no page waiting" in text  # no page-pending context
    assert list(seeded.collection("pages").stream()) == []
    session = f"s-{uuid.uuid4().hex[:8]}"
    _, context = _ask_page(server, session, "db down")
    context["parameters"]["page_oncall"] = "Mallory"  # whoever the caller names
    text = server.post(_confirm(session, context)).json()["fulfillmentText"]
    [page] = [d.to_dict() for d in seeded.collection("pages").stream()]
    assert "Mallory" not in text and page["oncall"] != "Mallory" and text.startswith(f"Paged {page['oncall']} ")


def test_a_page_without_message_names_no_session_and_stores_it_hashed(server, seeded):
    from fulfillment.telemetry.logline import hash_session

    session = "say-ea2ed98ebd89"
    out, context = _ask_page(server, session)
    assert session not in out["fulfillmentText"] and "say-" not in context["parameters"]["page_message"]
    assert context["parameters"]["page_message"] == "Help needed with Checkout"
    server.post(_confirm(session, context))
    [page] = [d.to_dict() for d in seeded.collection("pages").stream()]
    assert page["session"] == hash_session(session) and session not in json.dumps(page, default=str)
    out, _ = _ask_page(server, session, payload={"data": {"user": "U123"}}, source="slack")
    assert "(paged via Slack by U123)" in out["fulfillmentText"]


# ---- row 12: no credentials, no permission ----------------------------------------------------


def test_no_credentials_is_misconfigured_not_a_crash(emulator, tmp_path):
    env = {
        "FIRESTORE_EMULATOR_HOST": None,
        "WEBHOOK_ALLOW_UNAUTHENTICATED": "1",
        "GOOGLE_APPLICATION_CREDENTIALS": None,
        "NO_GCE_CHECK": "True",
        "GCE_METADATA_HOST": "127.0.0.1:9",
        "GCE_METADATA_IP": "127.0.0.1:9",
        "CLOUDSDK_CONFIG": str(tmp_path),
        "HOME": str(tmp_path),
    }
    server = start_server(env, name="no-credentials")
    try:
        server.post(es_request("oncall.current", params={"service": "payments"}))  # warm: imports
        for dialect_name, body in (
            ("es", es_request("oncall.current", params={"service": "payments"})),
            ("cx", cx_request("oncall.current", params={"service": "payments"})),
        ):
            response, log = server.traced_post(body)
            assert response.status_code == 200
            assert_valid_response(response.json(), dialect_name)
            assert "can't reach the" in response.text and "database" in response.text
            assert log["outcome"] == "misconfigured" and log["severity"] == "ERROR", log
            assert "roles/datastore.user" in log["error"]
    finally:
        stop_server(server)


def test_permission_denied_is_misconfigured_not_an_outage():
    from google.api_core import exceptions as api

    from fulfillment import Turn, app, deadline, router, store

    for exc in (api.PermissionDenied("no"), api.Unauthenticated("no")):
        assert store.is_misconfigured(exc) and not store.is_unavailable(exc)

        def handler(turn, exc=exc):
            raise exc

        outcome = deadline.call(router.Intent("x", handler), Turn(dialect="es"))
        assert outcome.outcome == "misconfigured" and "roles/datastore.user" in outcome.detail
        assert outcome.reply.texts == [app.current().message("db_unavailable")]
    assert store.is_unavailable(api.ServiceUnavailable("down")) and not store.is_misconfigured(
        api.ServiceUnavailable("x")
    )


# ---- row 5: recovery after a database outage does not grow with the outage -------------------


def test_recovery_after_an_outage_does_not_grow_with_its_length(emulator, seeded):
    """The database goes away (connections refused) for 3 s, then for 20 s. Each outage ends just
    after the webhook's channel tried to reconnect, the worst moment: gRPC's default backoff
    would then leave it failing for the next whole backoff interval (about 10 s after 20 s of
    outage, 40 s after 150 s). Recovery must be quick, and no slower after the long outage."""
    from tcp_proxy import Proxy

    proxy = Proxy(emulator.host)
    server = start_server({"FIRESTORE_EMULATOR_HOST": proxy.address, "DEADLINE_ES_S": "1.0"}, name="outage")
    ask = es_request("oncall.current", params={"service": "payments"})

    def wait_until_ok(limit):
        started = time.monotonic()
        while time.monotonic() - started < limit:
            response, log = server.traced_post(ask)
            if log["outcome"] == "ok":
                return time.monotonic() - started
            time.sleep(0.1)
        return float("inf")

    def outage(seconds):
        proxy.mode = "refuse"
        proxy.cut()
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            response, log = server.traced_post(ask)
            assert response.status_code == 200 and log["outcome"] in ("db_unavailable", "timeout"), log
            time.sleep(0.3)
        seen = len(proxy.attempts)
        while len(proxy.attempts) == seen and time.monotonic() - started < seconds + 130:
            time.sleep(0.01)  # end it right after a reconnect attempt
        gaps = [b - a for a, b in zip(proxy.attempts, proxy.attempts[1:], strict=False)]
        proxy.mode = "pass"
        return wait_until_ok(60), max(gaps, default=0.0)

    try:
        assert wait_until_ok(30) < 30  # warm: client, caches
        short, short_gap = outage(3)
        proxy.attempts.clear()
        long, long_gap = outage(20)
    finally:
        stop_server(server)
        proxy.close()
    HOSTILE["recovery after a 3 s database outage, s"] = round(short, 1)
    HOSTILE["recovery after a 20 s database outage, s"] = round(long, 1)
    HOSTILE["longest wait between reconnect attempts in the 20 s outage, s"] = round(long_gap, 1)
    assert long < 5, (long, long_gap)
    assert long <= short + 2, (short, long)
    assert long_gap < 3, long_gap


def test_production_client_is_built_and_fails_politely(emulator, tmp_path):
    """Deployed (no emulator, real credentials), the client must come up: building it once
    raised AttributeError on every request. Here the credentials' token server is a closed
    port, so the database cannot be reached, and the answer says so."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from emulator import free_port

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    account = tmp_path / "sa.json"
    account.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "watchkeeper-test",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "wk@watchkeeper-test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"http://127.0.0.1:{free_port()}/token",
            }
        )
    )
    server = start_server(
        {
            "FIRESTORE_EMULATOR_HOST": None,
            "GOOGLE_APPLICATION_CREDENTIALS": str(account),
            "WEBHOOK_ALLOW_UNAUTHENTICATED": "1",
            "DEADLINE_ES_S": "3.0",
        },
        name="production-client",
    )
    try:
        for _ in range(2):  # the first also pays the imports: the second is warm
            response, log = server.traced_post(es_request("oncall.current", params={"service": "payments"}))
            assert response.status_code == 200 and log["outcome"] in ("db_unavailable", "timeout", "misconfigured"), log
            assert "went wrong" not in response.text
    finally:
        stop_server(server)


# ---- row 4: slow clients against `make run` / a self-hosted server ---------------------------

SLOW_HEADER = b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: "
SLOW_BODY = (
    b'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"queryResult":'
)


def serve_command(port: int) -> list[str]:
    """What `make run` starts (scripts/run_local.py)."""
    import run_local

    return run_local.server_command(port)


def test_slow_clients_cannot_hold_every_thread(emulator):
    """4 threads; 6 connections send half a header block and 2 half a body, then wait. A real
    request still gets its answer once the read deadline (here 2 s) has dropped them."""

    from emulator import free_port

    port = free_port()
    log_path = ROOT / ".local" / f"slowloris-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "THREADS": "4", "WEBHOOK_READ_TIMEOUT_S": "2"}
    process = subprocess.Popen(
        serve_command(port),
        cwd=ROOT,
        env=env,
        stdout=open(log_path, "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(port, process, log_path)
    slow: list[socket.socket] = []
    try:
        wait_until_healthy(server)
        for opening in [SLOW_HEADER] * 6 + [SLOW_BODY] * 2:
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            sock.sendall(opening)
            slow.append(sock)
        time.sleep(0.5)  # they hold the threads now
        started = time.monotonic()
        response, log = server.traced_post(es_request("welcome"), timeout=60)
        waited = time.monotonic() - started
        assert response.status_code == 200 and log["outcome"] == "ok"
        assert waited < 20, waited  # unprotected, it waits as long as they do
        dropped = 0
        for sock in slow:  # each was closed by the server, not by us
            sock.settimeout(20)
            try:
                data = sock.recv(65536)
                dropped += data == b"" or data.startswith(b"HTTP/1.1 400")
            except OSError:
                dropped += 1
        assert dropped == len(slow)
        HOSTILE["slow connections dropped by the read deadline"] = dropped
        HOSTILE["wait for a real request behind them, s (deadline 2 s)"] = round(waited, 1)
    finally:
        for sock in slow:
            sock.close()
        stop_server(server)
