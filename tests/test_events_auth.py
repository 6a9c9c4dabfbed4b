"""Pushes are let in only with the Google-signed OIDC token of our push subscription:
audience = the push endpoint, email = the push service account. Tokens are signed here
with a locally generated key (as in test_auth.py), so google-auth's real verification runs.
The Pub/Sub emulator signs nothing: emulator-backed runs leave push auth unconfigured,
which only an emulator setup accepts (see the last test)."""

import pytest

from conftest import start_server, stop_server
from events_kit import alert, envelope, push
from test_auth import CertServer, _key_and_cert, token

BASE = "https://europe-west1-watchkeeper-test.cloudfunctions.net/watchkeeper-webhook"
PUSHER = "pubsub-push@watchkeeper-test.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def signers():
    return _key_and_cert("kid-push"), _key_and_cert("kid-push")


@pytest.fixture(scope="module")
def guarded_events(emulator, signers):
    certs = CertServer({"kid-push": signers[0][1]})
    server = start_server(
        {"PUSH_AUDIENCE_BASE": BASE, "PUSH_SERVICE_ACCOUNTS": PUSHER, "WEBHOOK_ID_TOKEN_CERTS_URL": certs.url},
        name="events-auth",
    )
    yield server
    stop_server(server)


def bearer(signer, **claims):
    return {"Authorization": "Bearer " + token(signer, **{"aud": BASE + "/events/alerts", "email": PUSHER, **claims})}


CASES = {
    "missing": lambda s: {},
    "basic_instead": lambda s: {"Authorization": "Basic ZGlhbG9nZmxvdzpwYXNz"},
    "wrong_audience_other_path": lambda s: bearer(s[0][0], aud=BASE + "/events/pages"),
    "wrong_audience_webhook": lambda s: bearer(s[0][0], aud=BASE),
    "wrong_account": lambda s: bearer(s[0][0], email="someone@evil.example.com"),
    "forged_signature": lambda s: bearer(s[1][0]),
    "expired": lambda s: bearer(s[0][0], iat=1, exp=2),
    "malformed": lambda s: {"Authorization": "Bearer not.a.jwt"},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_unauthenticated_push_gets_401_and_changes_nothing(guarded_events, seeded, signers, case):
    response, log = push(guarded_events, "alerts", envelope(alert("0.auth-" + case)), headers=CASES[case](signers))
    assert response.status_code == 401 and log["outcome"] == "unauthorized" and log["event"] == "alerts"
    assert "Bearer" in response.headers["WWW-Authenticate"]
    assert not [d for d in seeded.collection("incidents").stream() if d.to_dict().get("alert_incident_id")]


def test_push_with_the_subscriptions_token_is_served(guarded_events, seeded, signers):
    response, log = push(guarded_events, "alerts", envelope(alert("0.auth-ok")), headers=bearer(signers[0][0]))
    assert response.status_code == 200 and log["outcome"] == "opened"
    assert "Bearer" not in str(log) and "eyJ" not in str(log)  # the token is never logged


def test_production_without_push_auth_refuses_unless_opted_out(emulator):
    closed = start_server({"FIRESTORE_EMULATOR_HOST": "", "WEBHOOK_ALLOW_UNAUTHENTICATED": "1"}, name="events-prod")
    try:
        response, log = push(closed, "alerts", envelope(alert("0.prod")))
        assert response.status_code == 503 and log["outcome"] == "unauthorized"
        assert "push authentication is not configured" in response.json()["error"]
    finally:
        stop_server(closed)
