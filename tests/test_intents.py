"""Watchkeeper's intents through the real webhook against the Firestore emulator."""

import concurrent.futures as futures
import datetime as dt
import uuid

import pytest

from fulfillment.cli.simulate import cx_request, es_request
from oncall import clock
from oncall import pages as page_outbox
from oncall import shifts as shift_store

from conftest import assert_valid_response, start_server, stop_server


def ask(server, intent, dialect_name="es", **params):
    build = es_request if dialect_name == "es" else cx_request
    response, log = server.traced_post(build(intent, params=params))
    assert response.status_code == 200, response.text
    out = response.json()
    assert_valid_response(out, dialect_name)
    if dialect_name == "es":
        text = out.get("fulfillmentText", "")
    else:
        text = "\n".join(m["text"]["text"][0] for m in out["fulfillmentResponse"]["messages"] if "text" in m)
    return text, out, log


def chips(out):
    return [c for m in out.get("fulfillmentMessages", []) for c in m.get("quickReplies", {}).get("quickReplies", [])]


# ---- on-call ---------------------------------------------------------------------------------------


def _own_shift(db, team: str, primary: str, secondary: str, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """Replace the team's rotation with one shift of ours covering now; returns its window."""
    from google.cloud.firestore_v1 import FieldFilter

    for doc in db.collection("shifts").where(filter=FieldFilter("team", "==", team)).stream():
        doc.reference.delete()
    starts = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    ends = starts + dt.timedelta(hours=24)
    db.collection("shifts").document(f"{team}-test").set(
        {
            "team": team,
            "starts": starts,
            "ends": ends,
            "primary": {"name": primary, "timezone": zone},
            "secondary": {"name": secondary, "timezone": zone},
        }
    )
    return starts, ends


@pytest.mark.parametrize(
    "name", ["payments", "PAYMENTS", "billing", "Payments API", "the payments squad", "money team"]
)
def test_oncall_current_by_id_alias_or_team(server, seeded, name):
    starts, ends = _own_shift(seeded, "payments-team", "Primrose Test", "Secundo Test", "Asia/Kolkata")
    ist = dt.timedelta(hours=5, minutes=30)  # Kolkata: UTC+05:30 all year, no DST
    window = f"{starts + ist:%a %H:%M} to {ends + ist:%a %H:%M} IST"
    text, out, log = ask(server, "oncall.current", service=name)
    assert text.startswith("Primrose Test is on call for "), text
    assert f", {window} their time." in text and "Secundo Test is secondary." in text
    assert log["outcome"] == "ok"


def test_oncall_current_cx(server, seeded):
    text, out, log = ask(server, "oncall.current", "cx", service="search")
    assert "is on call for Search, " in text and " their time." in text and log["dialect"] == "cx"


def test_shift_window_in_the_persons_own_time_zone():
    import datetime as dt

    starts = dt.datetime(2026, 11, 27, 0, 0, tzinfo=dt.timezone.utc)
    ends = starts + dt.timedelta(days=1)
    assert clock.local_window(starts, ends, "Asia/Kolkata") == "Fri 05:30 to Sat 05:30 IST"
    assert clock.local_window(starts, ends, "America/New_York") == "Thu 19:00 to Fri 19:00 EST"
    assert clock.local_window(starts, ends, "Not/AZone") == "Fri 00:00 to Sat 00:00 UTC"


def test_current_shift_with_overlaps_nested_cover_and_gaps(seeded):
    """The shift covering the moment, whatever else the rotation holds: of two covering
    shifts (a hand-over) the one ending first; a long shift still found behind several
    short future ones that end before it (cover shifts nested inside it); none in a gap, at
    the very end of a shift, or just before the next one starts."""
    from google.cloud.firestore_v1 import FieldFilter

    team = "overlap-team"
    at = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
    hour = dt.timedelta(hours=1)
    shifts = {
        "night": (at - 20 * hour, at - 10 * hour),  # over: a gap until "long"
        "long": (at - 2 * hour, at + 22 * hour),  # covers `at`...
        "cover-1": (at + hour, at + 2 * hour),  # ...with covers nested in it
        "cover-2": (at + 3 * hour, at + 4 * hour),  # that end before it does
        "cover-3": (at + 5 * hour, at + 6 * hour),
        "cover-4": (at + 7 * hour, at + 8 * hour),
        "handover": (at + 21 * hour, at + 40 * hour),
    }  # overlaps the end of "long"
    for doc in seeded.collection("shifts").where(filter=FieldFilter("team", "==", team)).stream():
        doc.reference.delete()
    for name, (starts, ends) in shifts.items():
        seeded.collection("shifts").document(f"{team}-{name}").set(
            {"team": team, "starts": starts, "ends": ends, "primary": {"name": name, "timezone": "UTC"}}
        )

    def who(moment):
        shift = shift_store.current_shift(team, moment)
        return shift and shift.primary["name"]

    assert who(at) == "long"  # behind four nested covers ending sooner
    assert who(at + 90 * dt.timedelta(minutes=1)) == "cover-1"  # inside a cover: it ends first
    assert who(at + 21.5 * hour) == "long"  # hand-over: both cover, "long" ends first
    assert who(at + 22 * hour) == "handover"  # "long" has ended at that instant
    assert who(at - 5 * hour) is None  # the gap after "night"
    assert who(at - 2 * hour - dt.timedelta(seconds=1)) is None  # "long" not started yet
    assert who(at - 2 * hour) == "long"  # starts inclusive, ends exclusive
    assert who(at + 40 * hour) is None  # the rotation has run out


def test_oncall_unknown_service_suggests_close_matches(server, seeded):
    text, out, log = ask(server, "oncall.current", service="paymnts")
    assert "don't know" in text and "Payments" in text and "Payments" in chips(out)
    assert log["outcome"] == "ok"


def test_oncall_gap_in_rotation(emulator, seeded):
    """A team with no shift covering now: said plainly, for the team and for its service. A
    server of its own with no directory cache, so the new team is known to it for certain."""
    seeded.collection("teams").document("lonely-team").set({"name": "Lonely", "timezone": "UTC"})
    seeded.collection("services").document("orphan").set({"name": "Orphan", "team": "lonely-team", "aliases": []})
    server = start_server({"DIRECTORY_TTL_S": "0"}, name="gap")
    try:
        text, _, log = ask(server, "oncall.current", service="Lonely")
        assert text == "Nobody is on call for the Lonely team right now: Lonely's rotation has a gap.", text
        text, _, log = ask(server, "oncall.current", service="orphan")
        assert text == "Nobody is on call for Orphan right now: Lonely's rotation has a gap.", text
        assert log["outcome"] == "ok"
    finally:
        stop_server(server)


# ---- service status, deploys -----------------------------------------------------------------------


def test_service_status_card(server, seeded):
    text, out, _ = ask(server, "service.status", service="checkout")
    assert "Checkout is degraded" in text and "99.95%" in text and "31% of the error budget" in text
    assert "2 open incidents" in text
    card = next(m["card"] for m in out["fulfillmentMessages"] if "card" in m)
    assert card["title"] == "Checkout: degraded" and card["buttons"][0]["postback"].endswith("/checkout")


def test_service_status_reflects_live_data(server, seeded):
    seeded.collection("services").document("checkout").update({"status": "operational"})
    seeded.collection("incidents").document("41").update({"status": "resolved"})
    text, _, _ = ask(server, "service.status", service="cart")
    assert "Checkout is operating normally" in text and "1 open incident" in text


def test_service_status_without_budget_and_unknown(server, seeded):
    text, _, _ = ask(server, "service.status", service="fraud")
    assert "SLO target is 99.5%." in text and "error budget" not in text
    text, _, _ = ask(server, "service.status", service="nonexistent-thing")
    assert "don't know" in text


def test_deploy_latest(server, seeded):
    text, _, _ = ask(server, "deploy.latest", service="checkout")
    assert "Checkout v2.41.0 was deployed by Ana Lima 50 minutes ago." == text
    text, _, _ = ask(server, "deploy.latest", service="auth")
    assert "rolled back" in text
    text, _, _ = ask(server, "deploy.latest", service="recommendations")
    assert "no deploys on record" in text


# ---- incidents --------------------------------------------------------------------------------------


def test_incident_list_order_limit_and_chip(server, seeded):
    text, out, log = ask(server, "incident.list")
    lst = next(m["text"]["text"][0] for m in out["fulfillmentMessages"][1:] if "text" in m)
    numbers = [line.split()[1] for line in lst.splitlines()[1:]]
    assert numbers == ["#43", "#42", "#45", "#41", "#44"]  # sev 1 oldest first, then sev 2 ...
    assert "The most urgent is #43" in text
    assert "Acknowledge incident 42" in chips(out)
    assert log["firestore_rpcs"] >= 1


def test_incident_list_filters(server, seeded):
    text, out, _ = ask(server, "incident.list", service="checkout", severity="sev 3")
    assert "#50" in str(out) and "#41" not in str(out)
    text, _, _ = ask(server, "incident.list", service="ledger")
    assert text == "Good news: no open incidents for Ledger."


def test_acknowledge_then_again_then_resolve(server, seeded):
    text, _, _ = ask(server, "incident.acknowledge", number=42)
    assert text.startswith("Done: incident 42")
    doc = seeded.collection("incidents").document("42").get().to_dict()
    assert doc["status"] == "acknowledged" and doc["acknowledged_at"] and doc["acknowledged_by"]
    text, _, _ = ask(server, "incident.acknowledge", number="42")
    assert "already acknowledged" in text
    text, _, _ = ask(server, "incident.resolve", number=42.0)
    assert "is resolved" in text
    text, _, _ = ask(server, "incident.resolve", number=42)
    assert "already resolved" in text
    text, _, _ = ask(server, "incident.acknowledge", number=42)
    assert "already resolved" in text


def test_acknowledge_unknown_and_invalid(server, seeded):
    text, _, _ = ask(server, "incident.acknowledge", number=9999)
    assert text == "I can't find incident 9999."
    text, _, _ = ask(server, "incident.acknowledge", number="")
    assert text == "Which incident number?"


def test_acknowledge_race_exactly_one_wins(server, seeded, emulator):
    if emulator.weak:
        pytest.skip(
            "the npm fallback emulator ignores update-time preconditions and has no transaction "
            "isolation, so a race cannot be judged on it"
        )
    callers = 12

    def ack(i):
        body = es_request(
            "incident.acknowledge", params={"number": 44}, source="slack", payload={"data": {"user": f"U{i:03d}"}}
        )
        return i, server.post(body).json()["fulfillmentText"]

    with futures.ThreadPoolExecutor(callers) as pool:
        answers = list(pool.map(ack, range(callers)))
    winners = [i for i, text in answers if text.startswith("Done:")]
    assert len(winners) == 1, answers
    doc = seeded.collection("incidents").document("44").get().to_dict()
    assert doc["status"] == "acknowledged" and doc["acknowledged_by"] == f"slack:U{winners[0]:03d}"
    losers = [text for i, text in answers if i != winners[0]]
    assert all(f"already acknowledged by Slack user U{winners[0]:03d}" in text for text in losers), losers


# ---- paging: confirm, cancel, idempotent -------------------------------------------------------------


def _page_turns(server, dialect_name="es"):
    session = uuid.uuid4().hex
    if dialect_name == "es":
        first = es_request(
            "oncall.page", params={"service": "checkout", "message": "database is down"}, session_id=session
        )
    else:
        first = cx_request(
            "oncall.page", params={"service": "checkout", "message": "database is down"}, session_id=session
        )
    out = server.post(first).json()
    return session, out


def test_page_asks_then_yes_creates_one_page(server, seeded):
    session, out = _page_turns(server)
    assert "database is down" in out["fulfillmentText"] and "Yes" in chips(out)
    ctx = out["outputContexts"][0]
    assert ctx["name"].endswith(f"/sessions/{session}/contexts/page-pending") and ctx["lifespanCount"] == 2
    confirm = es_request(
        "oncall.page.confirm",
        text="yes",
        session_id=session,
        contexts=[{"name": "page-pending", "lifespanCount": 1, "parameters": ctx["parameters"]}],
    )
    first = server.post(confirm).json()
    assert first["fulfillmentText"].startswith("Paged ")
    assert first["outputContexts"][0]["lifespanCount"] == 0
    again = server.post(confirm).json()  # Dialogflow redelivers the same turn
    assert "already sent" in again["fulfillmentText"]
    pages = [d.to_dict() for d in seeded.collection("pages").stream()]
    assert len(pages) == 1 and pages[0]["message"] == "database is down" and pages[0]["service"] == "checkout"
    assert pages[0]["turn"] == confirm["responseId"]
    assert pages[0]["expires_at"] - pages[0]["created_at"] == page_outbox.PAGE_RETENTION  # the TTL policy's field


def test_page_cx_flow_remembers_in_one_session_parameter(server, seeded):
    """The same handler state as ES, stored once: one session parameter, deleted with null."""
    warnings_before = _cx_context_warnings(server)
    session, out = _page_turns(server, "cx")
    params = out["sessionInfo"]["parameters"]
    assert list(params) == ["page_pending"] and params["page_pending"]["page_service"] == "checkout"
    confirm = cx_request("oncall.page.confirm", text="yes", params=params, session_id=session)
    done = server.post(confirm).json()
    assert "Paged" in done["fulfillmentResponse"]["messages"][0]["text"]["text"][0]
    assert done["sessionInfo"]["parameters"] == {"page_pending": None}
    assert len(list(seeded.collection("pages").stream())) == 1
    assert _cx_context_warnings(server) == warnings_before == 0  # no ES context on a CX turn


def _cx_context_warnings(server) -> int:
    return sum("set on a CX turn" in line for line in server.log_path.read_text(errors="replace").splitlines())


def test_page_es_flow_remembers_in_one_context(server, seeded):
    session, out = _page_turns(server)
    assert [c["name"].rsplit("/", 1)[1] for c in out["outputContexts"]] == ["page-pending"]
    assert "sessionInfo" not in out


def test_page_no_cancels_and_yes_without_pending(server, seeded):
    session, out = _page_turns(server)
    cancel = es_request(
        "oncall.page.cancel",
        text="no",
        session_id=session,
        contexts=[{"name": "page-pending", "parameters": out["outputContexts"][0]["parameters"]}],
    )
    assert server.post(cancel).json()["fulfillmentText"] == "OK, I won't page anyone."
    orphan = server.post(es_request("oncall.page.confirm", text="yes")).json()
    assert "no page waiting" in orphan["fulfillmentText"]
    assert list(seeded.collection("pages").stream()) == []


# ---- the small ones ------------------------------------------------------------------------------------


def test_welcome_help_fallback_have_chips(server):
    for intent in ("welcome", "help", "Default Fallback Intent"):
        _, out, log = ask(server, intent)
        assert chips(out) and log["firestore_rpcs"] == 0


def test_webhook_health_reports_recent_latency(server):
    ask(server, "welcome")
    text, _, _ = ask(server, "webhook.health")
    assert "half within" in text and "99% within" in text


# ---- round trips per intent stay at their minimum -------------------------------------------------------

MINIMUM_RPCS = {
    ("welcome", ()): 0,
    ("oncall.current", (("service", "payments"),)): 1,  # one query for the shift
    ("service.status", (("service", "checkout"),)): 2,  # the service document + a count
    ("incident.list", ()): 1,
    ("deploy.latest", (("service", "checkout"),)): 1,
    ("oncall.page", (("service", "checkout"),)): 1,
    ("incident.acknowledge", (("number", 46),)): 2,  # read, conditional write
}


@pytest.mark.parametrize("intent,params", list(MINIMUM_RPCS))
def test_firestore_round_trips_per_intent(server, seeded, intent, params):
    ask(server, "oncall.current", service="payments")  # warms the service directory cache
    _, _, log = ask(server, intent, **dict(params))
    assert log["firestore_rpcs"] == MINIMUM_RPCS[(intent, params)], log
    if log["firestore_rpcs"]:
        assert log["stages_ms"]["firestore"] > 0


@pytest.mark.parametrize("name", ["deploy.latest", "service.status", "oncall.current", "oncall.page"])
def test_no_service_named_asks_with_the_intents_declared_prompt(server, seeded, name):
    """The handler asks with the words the agent's form asks with: one prompt, declared once."""
    from fulfillment import router

    router.load("intents")
    found = router.find(name)
    assert found is not None
    declared = found.params["service"].prompt
    out = server.post(es_request(name, text="hm")).json()
    assert out["fulfillmentText"] == declared and declared.endswith("?")
