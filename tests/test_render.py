"""Rendering a Reply for ES and CX and each surface; every output parsed strictly by the
official Dialogflow types."""

import json
import logging

import pytest

from fulfillment import Button, ListItem, Reply
from fulfillment.cli.simulate import cx_request, es_request
from fulfillment.wire import dialect, fit

from conftest import assert_valid_response, shared_fixture

EVERYTHING = (
    Reply.say("First bubble", "Second bubble")
    .speak("<speak>Ana is <emphasis>on call</emphasis>.</speak>")
    .chips("Page Ana", "Incidents")
    .card(
        "Checkout",
        "degraded",
        "https://example.com/c.png",
        [Button("Dashboard", "https://example.com/d"), Button("Runbook", "https://example.com/r")],
    )
    .image("https://example.com/i.png", "graph")
    .list("Incidents", [ListItem("#42 Visa failing", "sev 1", "42"), ListItem("#41 Slow", "sev 2", "41")])
    .link("Status page", "https://status.example.com")
    .payload("slack", {"blocks": [{"type": "divider"}]})
    .payload("", {"custom": {"any": ["thing"]}})
    .set_context("page-pending", 2, service="checkout")
    .delete_context("old-ctx")
)

SURFACES = ["console", "messenger", "google_assistant", "slack", "telegram", "telephony", "facebook"]


def _turn(dialect_name, surface):
    if dialect_name == "es":
        body = es_request("x", session_path="projects/p/agent/environments/prod/users/-/sessions/s1")
    else:
        body = cx_request("x")
    turn = dialect.parse(body)
    from dataclasses import replace

    return replace(turn, surface=surface)


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("dialect_name", ["es", "cx"])
def test_everything_renders_valid_for_every_surface(dialect_name, surface):
    out = dialect.render(EVERYTHING, _turn(dialect_name, surface))
    assert_valid_response(out, dialect_name)


def test_es_generic_messages_and_full_context_names():
    out = dialect.render(EVERYTHING, _turn("es", "console"))
    kinds = [next(k for k in m if k != "platform") for m in out["fulfillmentMessages"]]
    assert kinds[:3] == ["text", "text", "text"]
    assert "quickReplies" in kinds and "card" in kinds and "image" in kinds
    assert out["fulfillmentText"].startswith("First bubble\nSecond bubble\nAna is on call.")
    assert {"payload": {"blocks": [{"type": "divider"}]}, "platform": "SLACK"} in out["fulfillmentMessages"]
    contexts = {c["name"]: c for c in out["outputContexts"]}
    base = "projects/p/agent/environments/prod/users/-/sessions/s1/contexts/"
    assert contexts[base + "page-pending"] == {
        "name": base + "page-pending",
        "lifespanCount": 2,
        "parameters": {"service": "checkout"},
    }
    assert contexts[base + "old-ctx"]["lifespanCount"] == 0
    assert "payload" not in out  # no Assistant payload for the console


def test_es_google_assistant_payload():
    out = dialect.render(EVERYTHING, _turn("es", "google_assistant"))
    google = out["payload"]["google"]
    items = google["richResponse"]["items"]
    assert "simpleResponse" in items[0]  # Actions on Google requires it first
    assert sum("simpleResponse" in i for i in items) <= 2
    assert google["richResponse"]["suggestions"][0] == {"title": "Page Ana"}
    assert google["richResponse"]["linkOutSuggestion"]["url"] == "https://status.example.com"
    assert google["expectUserResponse"] is True
    assert google["systemIntent"]["intent"] == "actions.intent.OPTION"
    ended = dialect.render(Reply.say("Bye").end_conversation(), _turn("es", "google_assistant"))
    assert ended["payload"]["google"]["expectUserResponse"] is False


def test_es_messenger_rich_content():
    out = dialect.render(EVERYTHING, _turn("es", "messenger"))
    rich = [m["payload"]["richContent"] for m in out["fulfillmentMessages"] if "richContent" in m.get("payload", {})]
    assert len(rich) == 1
    types = [entry["type"] for entry in rich[0][0]]
    assert "chips" in types and "info" in types and "list" in types and "button" in types
    assert not any("card" in m or "quickReplies" in m for m in out["fulfillmentMessages"])


def test_es_telephony_speaks_ssml():
    out = dialect.render(Reply.speak("<speak>Hello <break time='1s'/> Ana</speak>"), _turn("es", "telephony"))
    assert out["fulfillmentText"].startswith("<speak>")


def test_es_followup_event_warns_when_messages_would_be_dropped(caplog):
    reply = Reply.say("dropped").followup_event("PAGE_CONFIRMED", service="checkout")
    with caplog.at_level(logging.WARNING, logger="fulfillment"):
        out = dialect.render(reply, _turn("es", "console"))
    assert out["followupEventInput"] == {
        "name": "PAGE_CONFIRMED",
        "languageCode": "en",
        "parameters": {"service": "checkout"},
    }
    assert any("drops the messages" in r.getMessage() for r in caplog.records)
    assert_valid_response(out, "es")


def test_cx_messages_session_form_targets_and_end():
    reply = (
        Reply.say("Checked.")
        .speak("Checked <break/> now")
        .chips("Yes")
        .set_session(order=None, count=2)
        .form_state("orderNumber", "INVALID", 123)
        .goto(page="projects/p/locations/global/agents/a/flows/f/pages/p2")
        .merge_behavior("replace")
        .hand_off(reason="human")
        .end_conversation()
    )
    out = dialect.render(reply, _turn("cx", "console"))
    assert_valid_response(out, "cx")
    messages = out["fulfillmentResponse"]["messages"]
    assert messages[0] == {"text": {"text": ["Checked."]}}
    assert {"outputAudioText": {"ssml": "<speak>Checked <break/> now</speak>"}} in messages
    assert messages[-1] == {"endInteraction": {}}
    assert {"liveAgentHandoff": {"metadata": {"reason": "human"}}} in messages
    assert out["fulfillmentResponse"]["mergeBehavior"] == "REPLACE"
    assert out["sessionInfo"]["parameters"] == {"order": None, "count": 2}
    assert out["pageInfo"]["formInfo"]["parameterInfo"] == [
        {"displayName": "orderNumber", "state": "INVALID", "value": 123}
    ]
    assert out["targetPage"].endswith("/pages/p2")


def test_cx_telephony_gets_audio_not_rich_payloads():
    out = dialect.render(Reply.speak("Hi").chips("a", "b"), _turn("cx", "telephony"))
    messages = out["fulfillmentResponse"]["messages"]
    assert messages == [{"outputAudioText": {"ssml": "<speak>Hi</speak>"}}]


def test_cx_contexts_become_session_parameters():
    out = dialect.render(Reply.say("ok").set_context("pending", 2, service="checkout"), _turn("cx", "console"))
    assert out["sessionInfo"]["parameters"] == {"service": "checkout"}


def test_form_state_rejects_what_cx_would():
    with pytest.raises(ValueError):
        Reply.form_state("x", "MAYBE")
    assert Reply.form_state("x", "valid").form[0].state == "FILLED"


def test_replies_are_immutable_values():
    base = Reply.say("a")
    longer = base.say("b").chips("c")
    assert base.texts == ["a"] and longer.texts == ["a", "b"]


# ---- the 64 KiB limit -------------------------------------------------------------------------


@pytest.mark.parametrize("dialect_name", ["es", "cx"])
def test_oversize_response_is_cut_under_64k_and_keeps_the_answer(dialect_name):
    turn = _turn(dialect_name, "messenger")
    items = [ListItem(f"item {i} " + "x" * 200, "d" * 100) for i in range(400)]
    reply = Reply.say("The answer stays.").list("Big", items).chips(*[f"chip {i}" for i in range(50)])
    body = fit.cut(reply, lambda r: dialect.render(r, turn))
    assert len(body) <= fit.MAX_RESPONSE_BYTES
    out = json.loads(body)
    assert_valid_response(out, dialect_name)
    assert "The answer stays." in json.dumps(out)


def test_huge_text_is_shortened_not_rejected():
    turn = _turn("es", "console")
    body = fit.cut(Reply.say("é" * 100_000, "🚨" * 50_000), lambda r: dialect.render(r, turn))
    assert len(body) <= fit.MAX_RESPONSE_BYTES
    assert_valid_response(json.loads(body), "es")


def test_response_just_under_the_limit_is_untouched():
    turn = _turn("es", "console")
    render = lambda r: dialect.render(r, turn)  # noqa: E731
    overhead = len(fit.encode(render(Reply.say(""))))
    text = "a" * ((fit.MAX_RESPONSE_BYTES - overhead) // 2)  # text appears twice
    body = fit.cut(Reply.say(text), render)
    assert json.loads(body)["fulfillmentText"] == text


# ---- the shared responses: our terminal client reads what real libraries produce ---------------


@pytest.mark.parametrize(
    "name",
    [
        "es_v2_docs_full_sample.json",
        "es_v2_dfnode_text_card_quickreplies_context.json",
        "es_v2_dfnode_google_simple_basiccard_suggestions.json",
    ],
)
def test_say_shows_responses_real_libraries_produce(name):
    """`say` (our terminal client) shows every text bubble, chip and card title of a response
    written by someone else, and carries its output contexts into the next turn."""
    import io

    from fulfillment.cli import say

    sample = shared_fixture("responses", name)
    shown = io.StringIO()
    say.show(sample, shown)
    messages = sample.get("fulfillmentMessages") or [{"text": {"text": [sample.get("fulfillmentText", "")]}}]
    expected = [line for m in messages for line in m.get("text", {}).get("text", [])]
    expected += [chip for m in messages for chip in m.get("quickReplies", {}).get("quickReplies", [])]
    expected += [m["card"]["title"] for m in messages if "card" in m]
    expected += [
        r.get("displayText") or r["textToSpeech"]
        for m in messages
        for r in m.get("simpleResponses", {}).get("simpleResponses", [])
    ]
    expected += [m["basicCard"]["title"] for m in messages if "basicCard" in m]
    expected += [c["title"] for m in messages for c in m.get("suggestions", {}).get("suggestions", [])]
    assert expected and all(item in shown.getvalue() for item in expected), (expected, shown.getvalue())
    state: dict = {"contexts": {}, "params": {}}
    say.advance(state, sample)
    assert set(state["contexts"]) == {
        c["name"].rsplit("/", 1)[-1] for c in sample.get("outputContexts", []) if c.get("lifespanCount", 5) > 0
    }


def test_shared_cx_snake_case_response_is_what_we_refuse_to_emit():
    sample = shared_fixture("responses", "cx_python_docs_validate_form_parameter_invalid.json")
    from google.cloud.dialogflowcx_v3 import WebhookResponse

    WebhookResponse.from_json(json.dumps(sample))  # the API accepts snake_case...
    with pytest.raises(AssertionError, match="snake_case"):
        assert_valid_response(sample, "cx")  # ...but we only emit lowerCamelCase
    ours = dialect.render(
        Reply.set_session(orderNumber=None).form_state("orderNumber", "INVALID", 123, required=True),
        _turn("cx", "console"),
    )
    assert ours["pageInfo"]["formInfo"]["parameterInfo"] == sample["page_info"]["form_info"]["parameter_info"]
    assert ours["sessionInfo"] == sample["sessionInfo"]


def test_cx_lists_stay_readable_off_messenger():
    reply = Reply.list("Incidents", [ListItem("#42 Visa failing", "sev 1"), ListItem("#41 Slow", "sev 2")])
    console = dialect.render(reply, _turn("cx", "console"))["fulfillmentResponse"]["messages"]
    assert console[0] == {"text": {"text": ["Incidents\n1. #42 Visa failing — sev 1\n2. #41 Slow — sev 2"]}}
    assert "richContent" in console[1]["payload"]
    messenger = dialect.render(reply, _turn("cx", "messenger"))["fulfillmentResponse"]["messages"]
    assert len(messenger) == 1 and "richContent" in messenger[0]["payload"]


def test_encode_reuses_bytes_only_where_the_turn_cannot_matter():
    constant = Reply.say("Hello").chips("Help")
    es_console, cx_console = _turn("es", "console"), _turn("cx", "console")
    first = fit.body_for(constant, es_console)
    assert fit.body_for(constant, es_console) is first  # same object, same bytes
    assert json.loads(first) == dialect.render(constant, es_console)
    assert json.loads(fit.body_for(constant, cx_console)) == dialect.render(constant, cx_console)
    assert json.loads(fit.body_for(constant, _turn("es", "google_assistant")))["payload"]["google"]
    with_context = Reply.say("Hi").set_context("c", 2, a=1)
    from dataclasses import replace

    other_session = replace(es_console, session="projects/p/agent/sessions/other")
    assert b"/sessions/other/contexts/c" in fit.body_for(with_context, other_session)
    assert b"/sessions/s1/contexts/c" in fit.body_for(with_context, es_console)


def test_json_out_handles_what_json_can_and_cannot_hold():
    from fulfillment import jsonio

    value = {"big": 2**80, "nan": 1.5, 3: "int key", "when": __import__("datetime").date(2026, 11, 27), "é": "🚨"}
    out = json.loads(jsonio.dumps(value))
    assert out["big"] == 2**80 and out["3"] == "int key" and out["when"] == "2026-11-27" and out["é"] == "🚨"


@pytest.mark.parametrize("dialect_name", ["es", "cx"])
def test_a_memory_round_trips_in_either_dialect(dialect_name):
    """What a reply remembers comes back from the next request the way that dialect carries
    it (ES: the output context sent back as an input context; CX: the session parameter)."""
    remembered = Reply.say("Page Ana?").remember("page-pending", 2, page_target="Ana", page_nonce="n1")
    out = dialect.render(remembered, _turn(dialect_name, "console"))
    assert_valid_response(out, dialect_name)
    if dialect_name == "es":
        [context] = out["outputContexts"]
        assert context["name"].endswith("/contexts/page-pending") and context["lifespanCount"] == 2
        following = es_request(
            "y", contexts=[{"name": "page-pending", "lifespanCount": 1, "parameters": context["parameters"]}]
        )
    else:
        assert out["sessionInfo"] == {"parameters": {"page_pending": {"page_target": "Ana", "page_nonce": "n1"}}}
        following = cx_request("y", params=out["sessionInfo"]["parameters"])
    turn = dialect.parse(following)
    assert dict(turn.memory("page-pending") or {}) == {"page_target": "Ana", "page_nonce": "n1"}
    assert turn.memory("something-else") is None

    gone = dialect.render(Reply.say("OK.").forget("page-pending"), _turn(dialect_name, "console"))
    assert_valid_response(gone, dialect_name)
    if dialect_name == "es":
        assert [c["lifespanCount"] for c in gone["outputContexts"]] == [0] and "parameters" not in gone[
            "outputContexts"
        ][0]
    else:
        assert gone["sessionInfo"] == {"parameters": {"page_pending": None}}
        assert dialect.parse(cx_request("y", params={"page_pending": None})).memory("page-pending") is None


def test_a_memory_tolerates_what_a_caller_may_send_in_its_place():
    for junk in ("text", 3, ["a"], True):
        assert dialect.parse(cx_request("y", params={"page_pending": junk})).memory("page-pending") is None
    assert dialect.parse(es_request("y")).memory("page-pending") is None
