"""Pub/Sub push deliveries on /events/*, POSTed as the push envelope Pub/Sub sends, through the
real functions-framework server and the Firestore emulator (no Pub/Sub emulator needed here;
tests/test_events_pubsub.py runs the same paths with real push subscriptions)."""

import concurrent.futures as futures
import json
import time
import uuid

import pytest

from fulfillment.cli.simulate import es_request

from conftest import start_server, stop_server
from events_kit import Receiver, alert, build, envelope, push
from tcp_proxy import Proxy
from test_intents import ask


@pytest.fixture(scope="module")
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


@pytest.fixture(scope="module")
def events_server(emulator):
    server = start_server(
        {"PAGE_DELIVERY_TIMEOUT_S": "1", "PAGE_MAX_ATTEMPTS": "3", "DIRECTORY_TTL_S": "0"}, name="events"
    )
    yield server
    stop_server(server)


def incidents(db, **where):
    docs = [d.to_dict() for d in db.collection("incidents").stream()]
    return [d for d in docs if all(d.get(k) == v for k, v in where.items())]


def next_number(db):
    return max(i["number"] for i in incidents(db)) + 1


def oncall_of(team):
    from oncall import shifts

    shift = shifts.current_shift(team)
    assert shift is not None
    return shift.primary["name"]


def route_person(db, name, route):
    from oncall import pages

    db.collection("people").document(pages.person_id(name)).set({"name": name, "route": route})


# ---- alerts -------------------------------------------------------------------------------------------


def test_alert_opens_then_closes_an_incident_that_incident_list_reports(events_server, seeded):
    n = next_number(seeded)
    response, log = push(events_server, "alerts", envelope(alert("0.abc1", "open", service="search")))
    assert response.status_code == 200 and response.json()["outcome"] == "opened"
    assert log["outcome"] == "opened" and log["event"] == "alerts" and log["incident"] == n
    assert log["service"] == "search" and log["message_id"] and log["httpRequest"]["status"] == 200
    [opened] = incidents(seeded, alert_incident_id="0.abc1")
    assert opened["number"] == n and opened["status"] == "open" and opened["severity"] == 1
    assert opened["title"] == "search latency too high" and opened["source"] == "Cloud Monitoring"
    text, out, _ = ask(events_server, "incident.list", service="search")
    assert f"#{n} sev 1: search latency too high" in json.dumps(out)

    response, log = push(events_server, "alerts", envelope(alert("0.abc1", "closed", service="search")))
    assert response.status_code == 200 and log["outcome"] == "closed" and log["incident"] == n
    [closed] = incidents(seeded, alert_incident_id="0.abc1")
    assert closed["status"] == "resolved" and closed["resolved_by"] == "Cloud Monitoring"
    text, _, _ = ask(events_server, "incident.list", service="search")
    assert "latency too high" not in text


def test_redelivered_and_out_of_order_alerts_leave_one_incident(events_server, seeded):
    n = next_number(seeded)
    twice = envelope(alert("0.twice", "open"))
    assert push(events_server, "alerts", twice)[1]["outcome"] == "opened"
    assert push(events_server, "alerts", twice)[1]["outcome"] == "duplicate"
    assert push(events_server, "alerts", envelope(alert("0.twice", "open")))[1]["outcome"] == "duplicate"
    assert [i["status"] for i in incidents(seeded, alert_incident_id="0.twice")] == ["open"]

    assert push(events_server, "alerts", envelope(alert("0.late", "closed")))[1]["outcome"] == "recorded_closed"
    assert push(events_server, "alerts", envelope(alert("0.late", "open")))[1]["outcome"] == "already_closed"
    assert push(events_server, "alerts", envelope(alert("0.late", "closed")))[1]["outcome"] == "duplicate"
    [late] = incidents(seeded, alert_incident_id="0.late")
    assert late["status"] == "resolved" and late["resolved_by"] == "Cloud Monitoring"
    assert sorted(i["number"] for i in incidents(seeded) if i.get("alert_incident_id")) == [n, n + 1]


def test_closing_alert_keeps_a_humans_acknowledgement(events_server, seeded):
    push(events_server, "alerts", envelope(alert("0.acked", "open", service="payments")))
    [opened] = incidents(seeded, alert_incident_id="0.acked")
    text, _, _ = ask(events_server, "incident.acknowledge", number=opened["number"])
    assert text.startswith("Done")
    acked = incidents(seeded, alert_incident_id="0.acked")[0]
    assert (
        push(events_server, "alerts", envelope(alert("0.acked", "closed", service="payments")))[1]["outcome"]
        == "closed"
    )
    [closed] = incidents(seeded, alert_incident_id="0.acked")
    assert closed["status"] == "resolved" and closed["acknowledged_by"] == acked["acknowledged_by"]
    assert closed["acknowledged_at"] == acked["acknowledged_at"]
    # a person resolved it first: the alert closing later changes nothing of theirs
    push(events_server, "alerts", envelope(alert("0.human", "open", service="payments")))
    [human] = incidents(seeded, alert_incident_id="0.human")
    ask(events_server, "incident.resolve", number=human["number"])
    assert (
        push(events_server, "alerts", envelope(alert("0.human", "closed", service="payments")))[1]["outcome"]
        == "duplicate"
    )
    assert incidents(seeded, alert_incident_id="0.human")[0]["resolved_by"] != "Cloud Monitoring"


@pytest.mark.parametrize(
    "name, body, reason",
    [
        ("alerts", {"message": {"data": "%%% not base64 %%%"}}, "not valid base64"),
        ("alerts", envelope(b"\xff\xfe not json"), "not JSON"),
        ("alerts", envelope({"hello": "world"}), "no incident object"),
        ("alerts", envelope(alert("0.x", "open", service="no-such-service")), "unknown service"),
        ("alerts", envelope(alert("0.x", "open", service="")), "no `service` user label"),
        ("alerts", envelope(alert("0.x", "flapping")), "neither open nor closed"),
        ("alerts", envelope({**alert("0.x"), "version": "2.0"}), "unsupported notification schema version"),
        ("alerts", {"subscription": "s"}, "not a Pub/Sub push envelope"),
        ("alerts", "{ not json", "malformed JSON"),
        ("builds", envelope({"status": "SUCCESS"}), "no Build resource"),
        ("builds", envelope(build(service="", trigger="")), "neither a _SERVICE"),
        ("builds", envelope(build(service="nope")), "unknown service"),
        ("pages", envelope({"page": "../../etc"}), "no page id"),
        ("pages", envelope({"page": "never-stored"}), "no page never-stored"),
    ],
)
def test_unusable_messages_are_acknowledged_with_one_line_saying_why(events_server, seeded, name, body, reason):
    response, log = push(events_server, name, body)
    assert response.status_code == 200, response.text
    assert log["outcome"] == "ignored" and reason in log["reason"] and log["severity"] == "WARNING"
    assert incidents(seeded, alert_incident_id="0.x") == []


def test_unknown_event_path_and_wrong_method(events_server):
    response, log = push(events_server, "nope", envelope({}))
    assert response.status_code == 404 and log["outcome"] == "bad_request"
    import requests

    response = requests.get(f"{events_server.url}/events/alerts", timeout=10)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


def test_database_down_during_an_event_is_retried_and_nothing_lost(emulator, seeded):
    proxy = Proxy(emulator.host, mode="blackhole")
    down = start_server({"FIRESTORE_EMULATOR_HOST": proxy.address, "EVENT_BUDGET_S": "1.5"}, name="events-dbdown")
    try:
        message = envelope(alert("0.dbdown", "open"))
        started = time.monotonic()
        response, log = push(down, "alerts", message)
        assert response.status_code == 503 and log["outcome"] == "db_unavailable"
        assert time.monotonic() - started < 10
        response, log = push(down, "builds", envelope(build()))
        assert response.status_code == 503 and log["outcome"] == "db_unavailable"
    finally:
        stop_server(down)
        proxy.close()
    healthy = start_server(name="events-dbup")
    try:
        response, log = push(healthy, "alerts", message)  # Pub/Sub's redelivery
        assert response.status_code == 200 and log["outcome"] == "opened"
    finally:
        stop_server(healthy)
    assert len(incidents(seeded, alert_incident_id="0.dbdown")) == 1


def test_burst_of_200_alerts_each_reflected_once(events_server, seeded):
    n = next_number(seeded)
    ids = [f"0.burst{i:03d}" for i in range(200)]
    bodies = [envelope(alert(i, "open", service=["checkout", "search", "auth"][n % 3])) for n, i in enumerate(ids)]
    bodies += bodies[:40]  # some redelivered in the same burst
    with futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda b: push(events_server, "alerts", b, timeout=60), bodies))
    assert all(r.status_code == 200 for r, _ in results)
    outcomes = [log["outcome"] for _, log in results]
    assert outcomes.count("opened") == 200 and outcomes.count("duplicate") == 40
    made = [i for i in incidents(seeded) if str(i.get("alert_incident_id", "")).startswith("0.burst")]
    assert sorted(i["alert_incident_id"] for i in made) == ids
    assert sorted(i["number"] for i in made) == list(range(n, n + 200))


def test_alert_for_a_service_added_after_the_directory_was_cached_opens_its_incident(emulator, seeded):
    """The directory is cached for DIRECTORY_TTL_S; a name it does not know reloads it once
    (rate-limited: a flood of unknown names costs no further reads) before being called unknown."""
    server = start_server({"DIRECTORY_TTL_S": "600", "DIRECTORY_MISS_REFRESH_S": "600"}, name="events-directory")
    try:
        assert push(server, "alerts", envelope(alert("0.dir-cached", service="checkout")))[1]["outcome"] == "opened"
        seeded.collection("services").document("ledger").set(
            {"name": "Ledger", "team": "payments-team", "tier": 1, "aliases": ["general ledger"]}
        )
        response, log = push(server, "alerts", envelope(alert("0.dir-new", service="general ledger")))
        assert response.status_code == 200 and log["outcome"] == "opened" and log["service"] == "ledger", log
        assert incidents(seeded, alert_incident_id="0.dir-new")[0]["service"] == "ledger"
        flood = [
            push(server, "alerts", envelope(alert(f"0.dir-unknown-{i}", service=f"nosuch-{i}")))[1] for i in range(20)
        ]
        assert {entry["outcome"] for entry in flood} == {"ignored"}
        assert sum(entry["firestore_rpcs"] for entry in flood) == 0  # the reload is not repeated per miss
    finally:
        stop_server(server)


# ---- builds -------------------------------------------------------------------------------------------


def test_build_notification_changes_what_deploy_latest_answers(events_server, seeded):
    text, _, _ = ask(events_server, "deploy.latest", service="checkout")
    assert "v2.41.0" in text
    working = build(build_id="b-1", status="WORKING", tag="v2.42.0")
    assert push(events_server, "builds", envelope(working))[1]["outcome"] == "not_final"
    done = envelope(
        build(build_id="b-1", status="SUCCESS", tag="v2.42.0"), attributes={"buildId": "b-1", "status": "SUCCESS"}
    )
    response, log = push(events_server, "builds", done)
    assert response.status_code == 200 and log["outcome"] == "recorded" and log["service"] == "checkout"
    text, _, _ = ask(events_server, "deploy.latest", service="checkout")
    assert "Checkout v2.42.0 was deployed by Cloud Build (checkout-deploy)" in text
    assert push(events_server, "builds", done)[1]["outcome"] == "duplicate"
    deploy = seeded.collection("deploys").document("build-b-1").get().to_dict()
    assert deploy["log_url"].startswith("https://console.cloud.google.com/cloud-build/builds/b-1")
    assert deploy["status"] == "succeeded" and deploy["trigger"] == "checkout-deploy" and deploy["started_at"]
    # a failed build of a service named only by its trigger
    failed = build(build_id="b-2", status="FAILURE", service="", trigger="payments", sha="9a9a9a9")
    assert push(events_server, "builds", envelope(failed))[1]["outcome"] == "recorded"
    text, _, _ = ask(events_server, "deploy.latest", service="payments")
    assert "9a9a9a9" in text and "It failed." in text


# ---- pages --------------------------------------------------------------------------------------------


def confirm_page(server, service="checkout", message="database is down", user="U123", language="en"):
    session = uuid.uuid4().hex
    payload = {"source": "slack", "data": {"event": {"user": user}}}
    first = server.post(
        es_request(
            "oncall.page",
            params={"service": service, "message": message},
            session_id=session,
            source="slack",
            payload=payload,
            language=language,
        )
    ).json()
    confirm = es_request(
        "oncall.page.confirm",
        text="yes",
        session_id=session,
        source="slack",
        payload=payload,
        contexts=[{"name": "page-pending", "lifespanCount": 1, "parameters": first["outputContexts"][0]["parameters"]}],
        language=language,
    )
    out = server.post(confirm).json()
    assert language != "en" or out["fulfillmentText"].startswith("Paged "), out
    from oncall import pages

    return pages.page_id(confirm["responseId"], ""), payload


def page_status(server, payload, person="", language="en"):
    params = {"person": person} if person else {}
    out = server.post(
        es_request("page.status", params=params, source="slack", payload=payload, language=language)
    ).json()
    return out["fulfillmentText"]


def test_page_is_stored_queued_then_delivered_once(events_server, seeded, receiver):
    who = oncall_of("payments-team")
    route_person(seeded, who, receiver.route("/slack/ok-once"))
    key, payload = confirm_page(events_server)
    page = seeded.collection("pages").document(key).get().to_dict()
    assert page["status"] == "queued" and page["published_at"] is None and page["attempts"] == []
    assert "queued" in page_status(events_server, payload)
    response, log = push(events_server, "pages", envelope({"page": key}))
    assert response.status_code == 200 and log["outcome"] == "delivered" and log["route"] == "slack"
    [sent] = receiver.received["/slack/ok-once"]
    assert "database is down" in sent["text"] and f"Page for {who}" in sent["text"]
    assert "Asked by slack user U123" in sent["text"] and "acknowledge" in sent["text"]
    for _ in range(2):  # redelivered: acknowledged, not sent again
        response, log = push(events_server, "pages", envelope({"page": key}))
        assert response.status_code == 200 and log["outcome"] == "duplicate"
    assert receiver.delivered("/slack/ok-once") == 1
    answer = page_status(events_server, payload, who.split()[0])
    assert answer.startswith(f"Yes: your page reached {who} at ") and "via Slack" in answer
    assert page_status(events_server, payload, {"name": who}) == answer  # @sys.person's shape
    assert page_status(events_server, payload, "Someone Else").startswith("I have no page from you to Someone")


def test_receiver_failing_twice_then_taking_it(events_server, seeded, receiver):
    who = oncall_of("payments-team")
    route_person(seeded, who, receiver.route("/chat/flaky", "fail:2", kind="chat"))
    key, payload = confirm_page(events_server)
    for attempt in (1, 2):
        response, log = push(events_server, "pages", envelope({"page": key}, attempt=attempt))
        assert response.status_code == 503 and log["outcome"] == "delivery_failed"
        assert log["attempts"] == attempt and "answered 500" in log["reason"]
    assert "still retrying" in page_status(events_server, payload)
    response, log = push(events_server, "pages", envelope({"page": key}, attempt=3))
    assert response.status_code == 200 and log["outcome"] == "delivered"
    page = seeded.collection("pages").document(key).get().to_dict()
    assert [a["outcome"] for a in page["attempts"]] == ["failed", "failed", "delivered"]
    assert receiver.delivered("/chat/flaky") == 1 and len(receiver.received["/chat/flaky"]) == 3
    assert "via Google Chat" in page_status(events_server, payload)


def test_receiver_never_answering_fails_after_n_attempts(events_server, seeded, receiver):
    who = oncall_of("payments-team")
    route_person(seeded, who, receiver.route("/hook/silent", "hang", kind="webhook"))
    key, payload = confirm_page(events_server)
    for attempt in (1, 2, 3):
        response, log = push(events_server, "pages", envelope({"page": key}, attempt=attempt))
        assert response.status_code == 503 and "unreachable" in log["reason"]
    assert log["final"] is True
    page = seeded.collection("pages").document(key).get().to_dict()
    assert page["status"] == "failed" and len(page["attempts"]) == 3
    response, log = push(events_server, "pages", envelope({"page": key}))  # no dead-letter topic: stop here
    assert response.status_code == 200 and log["outcome"] == "already_failed"
    assert page_status(events_server, payload).startswith(f"No: your page to {who} failed after 3 attempts")
    assert receiver.received["/hook/silent"][0]["page"]["message"] == "database is down"


def test_receiver_down_is_retried(events_server, seeded):
    who = oncall_of("payments-team")
    route_person(seeded, who, {"kind": "slack", "url": "http://127.0.0.1:9/closed"})
    key, _ = confirm_page(events_server)
    response, log = push(events_server, "pages", envelope({"page": key}))
    assert response.status_code == 503 and "unreachable" in log["reason"]
    assert seeded.collection("pages").document(key).get().to_dict()["status"] == "retrying"


def test_person_without_route_fails_the_page_and_acknowledges(events_server, seeded):
    from oncall import pages

    seeded.collection("people").document(pages.person_id(oncall_of("payments-team"))).delete()
    key, payload = confirm_page(events_server)
    response, log = push(events_server, "pages", envelope({"page": key}))
    assert response.status_code == 200 and "has no route" in log["reason"]
    assert "failed after 1 attempt" in page_status(events_server, payload)


def test_page_status_without_pages(events_server, seeded):
    text = page_status(events_server, {"source": "slack", "data": {"event": {"user": "UNOBODY"}}}, "Tom")
    assert text == "I have no page from you to Tom on record."


def test_page_text_is_in_the_paged_persons_language_else_the_askers_else_english(events_server, seeded, receiver):
    from oncall import pages

    who = oncall_of("payments-team")
    ident = pages.person_id(who)
    people = seeded.collection("people")
    sent = {}
    for case, spoken, asked in (
        ("person-de", "de", "en"),
        ("asker-fr", None, "fr"),
        ("person-pt", "pt-BR", "ja"),
        ("unknown-it", "it", "fr"),
        ("neither", None, "en"),
    ):
        route_person(seeded, who, receiver.route(f"/slack/lang-{case}"))
        if spoken:
            people.document(ident).update({"language": spoken})
        key, _ = confirm_page(events_server, language=asked)
        assert push(events_server, "pages", envelope({"page": key}))[1]["page_language"] in ("de", "fr", "pt_BR", "en")
        [sent[case]] = receiver.received[f"/slack/lang-{case}"]
    assert sent["person-de"]["text"].startswith(f"Page für {who} (checkout): database is down")
    assert "Angefordert von slack-Nutzer U123. Bitte bestätige" in sent["person-de"]["text"]
    assert (
        sent["asker-fr"]["text"].startswith(f"Bip pour {who} (checkout)") and "Demandé par" in sent["asker-fr"]["text"]
    )
    assert sent["person-pt"]["text"].startswith(f"Acionamento para {who}")  # the person's, not the asker's
    assert sent["unknown-it"]["text"].startswith(f"Page for {who}")  # no Italian catalog: English
    assert (
        sent["neither"]["text"].startswith(f"Page for {who}") and "Asked by slack user U123." in sent["neither"]["text"]
    )


def test_alert_page_is_retold_in_the_persons_language(events_server, seeded, receiver):
    who = oncall_of("payments-team")
    route_person(seeded, who, receiver.route("/slack/lang-alert"))
    from oncall import pages

    seeded.collection("people").document(pages.person_id(who)).update({"language": "ja"})
    log = push(events_server, "alerts", envelope(alert("0.lang-alert", labels={"page": "true"})))[1]
    assert push(events_server, "pages", envelope({"page": log["page"]}))[1]["outcome"] == "delivered"
    [sent] = receiver.received["/slack/lang-alert"]
    number = log["incident"]
    assert sent["text"].startswith(f"{who}への呼び出し（checkout）: Checkout のインシデント {number}: checkout latency")
    assert f"「インシデント{number}を確認」" in sent["text"]
    page = seeded.collection("pages").document(log["page"]).get().to_dict()
    assert page["message"].startswith(f"Incident {number} on Checkout: ")  # stored in English


@pytest.mark.parametrize(
    "language,expected",
    [
        (
            "en",
            [
                "Yes: your page reached Tom Okafor at 09:15 UTC via Slack.",
                "No: your page to Tom Okafor failed after 1 attempt (receiver answered 500). Try calling them",
                "Not yet: 2 attempts to reach Tom Okafor failed so far (receiver answered 500); I'm still retrying.",
                "Your page to Tom Okafor is queued, sent ",
            ],
        ),
        (
            "de",
            [
                "Ja: Dein Page hat Tom Okafor um 09:15 UTC über Slack erreicht.",
                "Nein: Dein Page an Tom Okafor ist nach 1 Versuch gescheitert (receiver answered 500). Ruf",
                "Noch nicht: 2 Versuche, Tom Okafor zu erreichen, sind bisher gescheitert",
                "Dein Page an Tom Okafor wartet in der Schlange, gesendet ",
            ],
        ),
        (
            "ja",
            [
                "はい: あなたの呼び出しは09:15 UTCにSlack経由でTom Okaforに届きました。",
                "いいえ: Tom Okaforへの呼び出しは1回試行して失敗しました（receiver answered 500）。",
                "まだです: Tom Okaforへの呼び出しはこれまでに2回失敗しました",
                "Tom Okaforへの呼び出しは送信待ちです",
            ],
        ),
    ],
)
def test_page_status_answers_in_the_callers_language(events_server, seeded, language, expected):
    import datetime as dt

    user = f"ULANG{language.upper()}"
    payload = {"source": "slack", "data": {"event": {"user": user}}}
    now = dt.datetime.now(dt.timezone.utc)
    failed = {"outcome": "failed", "detail": "receiver answered 500", "at": now}
    states: list[dict] = [
        {
            "status": "delivered",
            "delivered_via": "slack",
            "delivered_at": now.replace(hour=9, minute=15),
            "attempts": [{"outcome": "delivered", "at": now}],
        },
        {"status": "failed", "attempts": [failed]},
        {"status": "retrying", "attempts": [failed, failed]},
        {"status": "queued", "attempts": []},
    ]
    for state, sentence in zip(states, expected, strict=True):
        seeded.collection("pages").document(f"lang-{language}").set(
            {"by": f"slack:{user}", "oncall": "Tom Okafor", "service": "checkout", "created_at": now, **state}
        )
        assert page_status(events_server, payload, language=language).startswith(sentence)


# ---- Watchkeeper watches itself -------------------------------------------------------------------------


def test_self_watch_burn_rate_alert_opens_incident_and_pages(events_server, seeded, receiver):
    """Exactly the notification the burn-rate policy in monitoring/ produces."""
    from events_kit import MONITORING

    policy = json.loads((MONITORING / "burn_rate_alert.json").read_text())
    labels = policy["userLabels"]
    assert labels["service"] == "watchkeeper" and labels["page"] == "true"
    who = oncall_of("platform-team")
    route_person(seeded, who, receiver.route("/slack/self-watch"))
    note = alert(
        "0.selfwatch",
        "open",
        service=labels["service"],
        labels=labels,
        policy_name=policy["displayName"],
        condition_name=policy["conditions"][0]["displayName"],
        summary="SLO burn rate for watchkeeper-webhook latency-99-1000ms is above 14.4.",
    )
    response, log = push(events_server, "alerts", envelope(note))
    assert log["outcome"] == "opened" and log["service"] == "watchkeeper" and log["page"].startswith("alert-")
    [incident] = incidents(seeded, service="watchkeeper")
    assert incident["title"] == policy["displayName"] and incident["status"] == "open"
    page = seeded.collection("pages").document(log["page"]).get().to_dict()
    assert page["oncall"] == who and page["incident"] == incident["number"]
    assert push(events_server, "alerts", envelope(note))[1]["outcome"] == "duplicate"
    assert len(list(seeded.collection("pages").stream())) == 1
    response, delivered = push(events_server, "pages", envelope({"page": log["page"]}))
    assert delivered["outcome"] == "delivered"
    [sent] = receiver.received["/slack/self-watch"]
    assert f"acknowledge incident {incident['number']}" in sent["text"] and policy["displayName"] in sent["text"]
