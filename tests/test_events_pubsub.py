"""The whole loop with Google's Pub/Sub emulator: real topics, real push subscriptions to the
local server, messages published with the google-cloud-pubsub client. Skips, saying why,
where the emulator cannot run (tests/test_events.py covers the same paths by POSTing
envelopes). The emulator does not sign pushes, so this server runs with push auth
unconfigured, which only an emulator setup accepts (tests/test_events_auth.py)."""

import json
import os
import time

import pytest
import run_local  # noqa: E402  (scripts/)

import pubsub_emulator  # noqa: E402  (scripts/)
from conftest import PROJECT, start_server, stop_server
from events_kit import Receiver, alert, build, envelope, push
from test_events import confirm_page, incidents, oncall_of, page_status, route_person
from test_intents import ask

TOPICS = run_local.TOPICS


@pytest.fixture(scope="module")
def pubsub(emulator):
    why = pubsub_emulator.available()
    if why:
        pytest.skip(f"Pub/Sub emulator unavailable: {why}")
    emu = pubsub_emulator.start(PROJECT)
    os.environ["PUBSUB_EMULATOR_HOST"] = emu.host
    yield emu
    os.environ.pop("PUBSUB_EMULATOR_HOST", None)
    emu.stop()


@pytest.fixture(scope="module")
def wired(pubsub):
    """The server, the topics and one push subscription per topic to /events/<topic>."""
    from google.cloud.pubsub_v1 import PublisherClient

    server = start_server(
        {
            "PUBSUB_EMULATOR_HOST": pubsub.host,
            "PAGES_TOPIC": "pages",
            "PAGE_DELIVERY_TIMEOUT_S": "1",
            "OUTBOX_AFTER_S": "0",
        },
        name="events-pubsub",
    )
    run_local.wire_pubsub(
        PROJECT,
        server.url,  # as `make run` wires them, retried sooner
        retry_policy={"minimum_backoff": {"seconds": 1}, "maximum_backoff": {"seconds": 2}},
    )
    receiver = Receiver()
    yield server, PublisherClient(), receiver
    receiver.close()
    stop_server(server)


def publish(publisher, topic, data, **attributes):
    return publisher.publish(publisher.topic_path(PROJECT, topic), json.dumps(data).encode(), **attributes).result(10)


def eventually(check, timeout=45.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_published_alert_opens_and_closes_an_incident(wired, seeded):
    server, publisher, _ = wired
    publish(publisher, "alerts", alert("0.ps-1", "open", service="auth"))
    publish(publisher, "alerts", alert("0.ps-1", "open", service="auth"))  # sent twice
    assert eventually(lambda: incidents(seeded, alert_incident_id="0.ps-1"))
    number = incidents(seeded, alert_incident_id="0.ps-1")[0]["number"]
    text, out, _ = ask(server, "incident.list", service="auth")
    assert f"#{number} sev 1" in json.dumps(out)
    publish(publisher, "alerts", alert("0.ps-1", "closed", service="auth"))
    assert eventually(lambda: incidents(seeded, alert_incident_id="0.ps-1", status="resolved"))
    assert len(incidents(seeded, alert_incident_id="0.ps-1")) == 1
    lines = [e for e in server.log_entries() if e.get("event") == "alerts" and e.get("alert_state")]
    assert sorted(e["outcome"] for e in lines)[-3:] == ["closed", "duplicate", "opened"]


def test_published_build_changes_deploy_latest(wired, seeded):
    server, publisher, _ = wired
    publish(
        publisher,
        "builds",
        build(build_id="ps-b1", tag="v9.9.9", service="storefront"),
        buildId="ps-b1",
        status="SUCCESS",
    )
    assert eventually(lambda: seeded.collection("deploys").document("build-ps-b1").get().exists)
    text, _, _ = ask(server, "deploy.latest", service="storefront")
    assert "Storefront v9.9.9 was deployed by Cloud Build" in text


def test_confirmed_page_arrives_once_despite_two_failures_and_redelivery(wired, seeded):
    server, publisher, receiver = wired
    who = oncall_of("payments-team")
    route_person(seeded, who, receiver.route("/slack/ps-flaky", "fail:2"))
    key, payload = confirm_page(server)
    assert eventually(lambda: receiver.delivered("/slack/ps-flaky") == 1, timeout=60)
    publish(publisher, "pages", {"page": key}, page_id=key)  # redelivered
    assert eventually(
        lambda: len([e for e in server.log_entries() if e.get("page") == key and e.get("outcome") == "duplicate"]) >= 1
    )
    page = seeded.collection("pages").document(key).get().to_dict()
    assert page["status"] == "delivered" and page["published_at"] is not None
    assert [a["outcome"] for a in page["attempts"]] == ["failed", "failed", "delivered"]
    assert receiver.delivered("/slack/ps-flaky") == 1 and len(receiver.received["/slack/ps-flaky"]) == 3
    assert page_status(server, payload).startswith(f"Yes: your page reached {who}")


def test_page_stored_but_not_published_is_picked_up_by_the_outbox(wired, pubsub, seeded):
    server, publisher, receiver = wired
    who = oncall_of("payments-team")
    route_person(seeded, who, receiver.route("/chat/outbox", kind="chat"))
    cut_off = start_server({"PUBSUB_EMULATOR_HOST": "127.0.0.1:9", "PAGES_TOPIC": "pages"}, name="events-nopubsub")
    try:
        key, payload = confirm_page(cut_off)  # Pub/Sub unreachable: stays queued
    finally:
        stop_server(cut_off)
    page = seeded.collection("pages").document(key).get().to_dict()
    assert page["status"] == "queued" and page["published_at"] is None
    response, log = push(server, "outbox", envelope({"tick": 1}))
    assert response.status_code == 200 and log["published"] == 1
    assert eventually(lambda: receiver.delivered("/chat/outbox") == 1)
    response, log = push(server, "outbox", envelope({"tick": 2}))  # nothing left to publish
    assert log["published"] == 0
    time.sleep(1)
    assert receiver.delivered("/chat/outbox") == 1


def test_burst_of_200_published_alerts_each_reflected_once(wired, seeded):
    server, publisher, _ = wired
    first = max(i["number"] for i in incidents(seeded)) + 1
    ids = [f"0.ps-burst{i:03d}" for i in range(200)]
    futures = [
        publisher.publish(publisher.topic_path(PROJECT, "alerts"), json.dumps(alert(i, "open")).encode()) for i in ids
    ]
    futures += [
        publisher.publish(publisher.topic_path(PROJECT, "alerts"), json.dumps(alert(i, "open")).encode())
        for i in ids[:20]
    ]  # and some sent twice
    for future in futures:
        future.result(30)

    def made():
        return [i for i in incidents(seeded) if str(i.get("alert_incident_id", "")).startswith("0.ps-burst")]

    assert eventually(lambda: len(made()) >= 200, timeout=120), len(made())
    time.sleep(1)
    assert sorted(i["alert_incident_id"] for i in made()) == ids
    assert sorted(i["number"] for i in made()) == list(range(first, first + 200))
