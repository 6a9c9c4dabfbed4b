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

from fulfillment.simulate import es_request

from conftest import start_server, stop_server

AUDIENCE = "https://europe-west1-p.cloudfunctions.net/webhook"
DIALOGFLOW = "service-123456@gcp-sa-dialogflow.iam.gserviceaccount.com"
USER, PASSWORD = "dialogflow", "correct horse battery staple"
HEADER, SECRET = "X-Watchkeeper-Secret", "s3cr3t-header-value"


def _key_and_cert(kid):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, kid)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return crypt.RSASigner.from_string(pem, kid), cert.public_bytes(serialization.Encoding.PEM).decode()


class CertServer:
    """Serves {kid: PEM} like Google's certs endpoint, with Cache-Control, counting fetches."""

    def __init__(self, certs):
        outer = self
        self.fetches = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.fetches += 1
                body = json.dumps(certs).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=3600, must-revalidate")
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
    rogue = _key_and_cert("kid-good")           # same kid, different key: a forged signature
    return good, rogue


@pytest.fixture(scope="module")
def guarded(emulator, keys):
    certs = CertServer({"kid-good": keys[0][1]})
    server = start_server({
        "WEBHOOK_BASIC_USER": USER, "WEBHOOK_BASIC_PASSWORD": PASSWORD,
        "WEBHOOK_HEADER_NAME": HEADER, "WEBHOOK_HEADER_SECRET": SECRET,
        "WEBHOOK_ID_TOKEN_AUDIENCE": AUDIENCE, "WEBHOOK_ID_TOKEN_EMAILS": DIALOGFLOW,
        "WEBHOOK_ID_TOKEN_CERTS_URL": certs.url}, name="guarded")
    yield server, certs
    stop_server(server)
    certs.httpd.shutdown()


def token(signer, **overrides):
    now = int(time.time())
    claims = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "email": DIALOGFLOW, "email_verified": True,
              "sub": "1234", "iat": now, "exp": now + 600, **overrides}
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
    "expired": lambda k: {"Authorization": "Bearer " + token(k[0][0], iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)},
    "wrong_audience": lambda k: {"Authorization": "Bearer " + token(k[0][0], aud="https://elsewhere.example.com")},
    "wrong_issuer": lambda k: {"Authorization": "Bearer " + token(k[0][0], iss="https://evil.example.com")},
    "wrong_email": lambda k: {"Authorization": "Bearer " + token(k[0][0], email="attacker@evil.iam.gserviceaccount.com")},
    "forged_signature": lambda k: {"Authorization": "Bearer " + token(k[1][0])},
    "malformed_token": lambda k: {"Authorization": "Bearer abc.def"},
}


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
        assert value.split()[-1] not in logged          # no credential in the log line
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
