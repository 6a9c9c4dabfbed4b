"""Only Dialogflow may call: basic auth, a header secret, Google-signed ID tokens.

ID tokens are signed here with a locally generated RSA key; the webhook fetches the
matching certificate from a loopback HTTP server, so google-auth's real verification runs."""

import base64
import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

from fulfillment.cli.simulate import es_request

from conftest import start_server, stop_server

AUDIENCE = "https://europe-west1-p.cloudfunctions.net/webhook"
DIALOGFLOW = "service-123456@gcp-sa-dialogflow.iam.gserviceaccount.com"
USER, PASSWORD = "dialogflow", "correct horse battery staple"
HEADER, SECRET = "X-Watchkeeper-Secret", "s3cr3t-header-value"


def _key_and_cert(kid):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, kid)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return crypt.RSASigner.from_string(pem, kid), cert.public_bytes(serialization.Encoding.PEM).decode()


class CertServer:
    """Serves {kid: PEM} like Google's certs endpoint, with Cache-Control, counting fetches."""

    def __init__(self, certs):
        outer = self
        self.fetches = 0
        self.max_age = 3600
        self.failing = False

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.fetches += 1
                if outer.failing:
                    self.send_error(500)
                    return
                body = json.dumps(certs).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", f"public, max-age={outer.max_age}, must-revalidate")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/certs"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def keys():
    good = _key_and_cert("kid-good")
    rogue = _key_and_cert("kid-good")  # same kid, different key: a forged signature
    return good, rogue


@pytest.fixture(scope="module")
def guarded(emulator, keys):
    certs = CertServer({"kid-good": keys[0][1]})
    server = start_server(
        {
            "WEBHOOK_BASIC_USER": USER,
            "WEBHOOK_BASIC_PASSWORD": PASSWORD,
            "WEBHOOK_HEADER_NAME": HEADER,
            "WEBHOOK_HEADER_SECRET": SECRET,
            "WEBHOOK_ID_TOKEN_AUDIENCE": AUDIENCE,
            "WEBHOOK_ID_TOKEN_EMAILS": DIALOGFLOW,
            "WEBHOOK_ID_TOKEN_CERTS_URL": certs.url,
        },
        name="guarded",
    )
    yield server, certs
    stop_server(server)
    certs.httpd.shutdown()


def token(signer, **overrides):
    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": AUDIENCE,
        "email": DIALOGFLOW,
        "email_verified": True,
        "sub": "1234",
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return jwt.encode(signer, claims).decode()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _post(server, headers):
    return server.traced_post(es_request("welcome"), headers)


ACCEPTED = {
    "basic": lambda k: {"Authorization": basic(USER, PASSWORD)},
    "header": lambda k: {HEADER: SECRET},
    "id_token": lambda k: {"Authorization": "Bearer " + token(k[0][0])},
    "id_token_plain_issuer": lambda k: {"Authorization": "Bearer " + token(k[0][0], iss="accounts.google.com")},
}

REJECTED = {
    "missing": lambda k: {},
    "wrong_password": lambda k: {"Authorization": basic(USER, "wrong")},
    "wrong_user": lambda k: {"Authorization": basic("mallory", PASSWORD)},
    "garbage_basic": lambda k: {"Authorization": "Basic !!!notbase64"},
    "wrong_header": lambda k: {HEADER: SECRET + "x"},
    "expired": lambda k: {
        "Authorization": "Bearer " + token(k[0][0], iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    },
    "wrong_audience": lambda k: {"Authorization": "Bearer " + token(k[0][0], aud="https://elsewhere.example.com")},
    "wrong_issuer": lambda k: {"Authorization": "Bearer " + token(k[0][0], iss="https://evil.example.com")},
    "wrong_email": lambda k: {
        "Authorization": "Bearer " + token(k[0][0], email="attacker@evil.iam.gserviceaccount.com")
    },
    "forged_signature": lambda k: {"Authorization": "Bearer " + token(k[1][0])},
    "malformed_token": lambda k: {"Authorization": "Bearer abc.def"},
    # issue 12, row 8: claims google-auth does not check
    "not_yet_valid_nbf": lambda k: {"Authorization": "Bearer " + token(k[0][0], nbf=int(time.time()) + 600)},
    "email_unverified_missing": lambda k: {"Authorization": "Bearer " + _without_email_verified(k)},
    "email_verified_string": lambda k: {"Authorization": "Bearer " + token(k[0][0], email_verified="false")},
    "lifetime_past_googles": lambda k: {"Authorization": "Bearer " + token(k[0][0], exp=16725225600)},  # year 2500
}


def _without_email_verified(k):
    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": AUDIENCE,
        "email": DIALOGFLOW,
        "sub": "1234",
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode(k[0][0], claims).decode()


@pytest.mark.parametrize("method", list(ACCEPTED))
def test_accepted(guarded, keys, method):
    server, _ = guarded
    response, log = _post(server, ACCEPTED[method](keys))
    assert response.status_code == 200 and log["outcome"] == "ok"


@pytest.mark.parametrize("case", list(REJECTED))
def test_rejected(guarded, keys, case):
    server, _ = guarded
    headers = REJECTED[case](keys)
    response, log = _post(server, headers)
    assert response.status_code == 401
    assert response.json()["error"]
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert log["outcome"] == "unauthorized" and log["httpRequest"]["status"] == 401
    logged = json.dumps(log)
    for value in headers.values():
        assert value.split()[-1] not in logged  # no credential in the log line
    assert PASSWORD not in server.log_path.read_text() and SECRET not in server.log_path.read_text()


def test_certificates_fetched_once(guarded, keys):
    server, certs = guarded
    for _ in range(5):
        assert _post(server, ACCEPTED["id_token"](keys))[0].status_code == 200
    assert certs.fetches == 1


def test_health_stays_open(guarded):
    server, _ = guarded
    response = requests.get(server.url + "/healthz", timeout=5)
    assert response.status_code == 200 and set(response.json()) == {"status", "version", "intents"}


def test_production_without_auth_refuses_unless_opted_out(emulator):
    closed = start_server({"FIRESTORE_EMULATOR_HOST": ""}, name="prod-closed")
    try:
        response, log = closed.traced_post(es_request("welcome"))
        assert response.status_code == 503 and "not configured" in response.json()["error"]
        assert log["outcome"] == "unauthorized"
        assert "NO WEBHOOK AUTHENTICATION CONFIGURED" in closed.log_path.read_text()
    finally:
        stop_server(closed)
    opened = start_server({"FIRESTORE_EMULATOR_HOST": "", "WEBHOOK_ALLOW_UNAUTHENTICATED": "1"}, name="prod-open")
    try:
        assert opened.post(es_request("welcome")).status_code == 200
        assert "authentication is OFF (explicit opt-out)" in opened.log_path.read_text()
    finally:
        stop_server(opened)


# ---- issue 12, row 3: when Google's certificates cannot be fetched ----------------------------


class HangingServer:
    """Accepts connections and never answers: a certificate URL that hangs."""

    def __init__(self):
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.accepted = []
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/certs"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def _guarded_with(certs_url, name):
    return start_server(
        {
            "WEBHOOK_BASIC_USER": USER,
            "WEBHOOK_BASIC_PASSWORD": PASSWORD,
            "WEBHOOK_ID_TOKEN_AUDIENCE": AUDIENCE,
            "WEBHOOK_ID_TOKEN_EMAILS": DIALOGFLOW,
            "WEBHOOK_ID_TOKEN_CERTS_URL": certs_url,
        },
        name=name,
    )


def test_unreachable_certificates_refuse_at_once_not_crash(emulator, keys):
    from emulator import free_port

    server = _guarded_with(f"http://127.0.0.1:{free_port()}/certs", "certs-closed")  # nothing listens
    try:
        for headers in ({"Authorization": "Bearer abc.def"}, ACCEPTED["id_token"](keys)):
            response, log = _post(server, headers)
            assert response.status_code == 503, response.text  # was a 200 crash apology
            assert "certificates" in response.json()["error"]
            assert log["outcome"] == "unauthorized" and log["severity"] == "WARNING"
        assert _post(server, ACCEPTED["basic"](keys))[0].status_code == 200
    finally:
        stop_server(server)


def test_hanging_certificate_url_holds_nobody_else(emulator, keys):
    """8 bearer callers and a basic-auth caller at once against a certificate URL that hangs:
    only the one fetching waits (its 3 s timeout); the rest are answered without queueing."""
    import concurrent.futures as futures

    hanging = HangingServer()
    server = _guarded_with(hanging.url, "certs-hanging")
    try:
        bearer = ACCEPTED["id_token"](keys)
        with futures.ThreadPoolExecutor(9) as pool:
            started = time.monotonic()
            tokens = [pool.submit(server.post, es_request("welcome"), bearer, timeout=30) for _ in range(8)]
            time.sleep(0.3)
            plain = server.post(es_request("welcome"), ACCEPTED["basic"](keys), timeout=30)
            basic_s = time.monotonic() - started
            statuses = [f.result().status_code for f in tokens]
            all_s = time.monotonic() - started
        assert plain.status_code == 200
        assert basic_s < 2.5, basic_s  # not behind the hanging fetch (3 s)
        assert statuses == [503] * 8
        assert all_s < 3 * 3, all_s  # serialized, they took 8 x 3 s
        # Backed off: the next callers are refused at once, without a new fetch.
        connections = len(hanging.accepted)
        for _ in range(3):
            assert _post(server, bearer)[0].status_code == 503
        assert len(hanging.accepted) == connections == 1
    finally:
        stop_server(server)
        hanging.close()


def test_last_good_certificates_serve_while_a_refresh_fails(emulator, keys):
    certs = CertServer({"kid-good": keys[0][1]})
    certs.max_age = 1
    server = _guarded_with(certs.url, "certs-stale")
    try:
        assert _post(server, ACCEPTED["id_token"](keys))[0].status_code == 200
        certs.failing = True  # Google's endpoint goes bad
        time.sleep(1.5)  # past max-age
        response, log = _post(server, ACCEPTED["id_token"](keys))
        assert response.status_code == 200 and log["outcome"] == "ok"
        assert certs.fetches == 2  # it did try to refresh
        assert _post(server, ACCEPTED["id_token"](keys))[0].status_code == 200
        assert _post(server, REJECTED["forged_signature"](keys))[0].status_code == 401
    finally:
        stop_server(server)
        certs.httpd.shutdown()
