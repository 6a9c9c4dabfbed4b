"""Parsing ES and CX webhook bodies into a Turn, including the messy ones real traffic has."""

import pytest

from fulfillment.cli.simulate import cx_request, es_request
from fulfillment.turn import as_bool, as_number, as_text
from fulfillment.wire import dialect
from fulfillment.wire.dialect import Refusal

from conftest import shared_fixture, shared_fixture_names

# ---- ES sessions and contexts ---------------------------------------------------------------


@pytest.mark.parametrize(
    "session,expected_id",
    [
        ("projects/p1/agent/sessions/abc", "abc"),
        ("projects/p1/locations/europe-west1/agent/sessions/s-9", "s-9"),
        ("projects/p1/agent/environments/prod/users/-/sessions/xyz", "xyz"),
        ("projects/agent/agent/sessions/dfMessenger-123:456", "dfMessenger-123:456"),
    ],
)
def test_es_session_forms(session, expected_id):
    body = es_request("welcome", session_path=session, contexts=[{"name": "ctx-a", "parameters": {"x": 1}}])
    turn = dialect.parse(body)
    assert turn.session == session
    assert turn.session_id == expected_id
    context = turn.context("ctx-a")
    assert context is not None and context.parameters == {"x": 1}


def test_es_session_recovered_from_contexts_when_missing():
    body = es_request("welcome", contexts=[{"name": "weather", "parameters": {"city": "Rome"}}])
    full = body.pop("session")
    turn = dialect.parse(body)
    assert turn.session == full
    assert turn.param("city") == "Rome"


def test_es_parameters_merge_query_over_contexts_and_keep_originals_apart():
    body = es_request(
        "x",
        params={"service": "payments"},
        contexts=[
            {"name": "c1", "parameters": {"service": "checkout", "team": "platform", "team.original": "the platform"}}
        ],
    )
    turn = dialect.parse(body)
    assert turn.param("service") == "payments"  # the query wins
    assert turn.param("team") == "platform"  # contexts fill gaps
    assert turn.original["team"] == "the platform"
    assert "team.original" not in turn.parameters


def test_es_empty_query_values_do_not_hide_context_values():
    body = es_request("x", contexts=[{"name": "c1", "parameters": {"service": "checkout"}}])
    body["queryResult"]["parameters"] = {"service": "", "service.original": ""}
    assert dialect.parse(body).param("service") == "checkout"


def test_es_parameters_as_list_and_missing_fields():
    body = {"queryResult": {"parameters": [], "intent": {"displayName": "help"}}}
    turn = dialect.parse(body)
    assert turn.intent == "help" and turn.parameters == {} and turn.session == ""
    assert turn.surface == "console" and turn.caller_id == ""


def test_es_context_without_lifespan_and_string_lifespan():
    body = es_request("x")
    body["queryResult"]["outputContexts"] = [
        {"name": body["session"] + "/contexts/A"},
        {"name": body["session"] + "/contexts/b", "lifespanCount": "3"},
        {"bogus": True},
        "not-a-context",
    ]
    turn = dialect.parse(body)
    a, b = turn.context("a"), turn.context("B")
    assert a is not None and a.lifespan is None
    assert b is not None and b.lifespan == 3


@pytest.mark.parametrize(
    "original,surface,caller",
    [
        (
            {"source": "google", "payload": {"user": {"userId": "U1"}, "conversation": {}, "inputs": []}},
            "google_assistant",
            "google_assistant:U1",
        ),
        ({"payload": {"source": "slack_testbot", "data": {"user": "U2URF86K1"}}}, "slack", "slack:U2URF86K1"),
        ({"source": "telegram", "payload": {"data": {"message": {"from": {"id": 99}}}}}, "telegram", "telegram:99"),
        (
            {"source": "GOOGLE_TELEPHONY", "payload": {"telephony": {"caller_id": "+15550100"}}},
            "telephony",
            "telephony:+15550100",
        ),
        ({"payload": {"telephony": {"caller_id": "+15550101"}}}, "telephony", "telephony:+15550101"),
        ({"source": "DIALOGFLOW_MESSENGER", "payload": {}}, "messenger", ""),
        ({}, "console", ""),
    ],
)
def test_es_surfaces_and_caller(original, surface, caller):
    body = es_request("welcome", session_id="sess-1")
    body["originalDetectIntentRequest"] = original
    turn = dialect.parse(body)
    assert turn.surface == surface
    assert turn.caller_id == (caller or "sess-1")


def test_messenger_detected_from_its_session_ids():
    turn = dialect.parse(es_request("welcome", session_id="dfMessenger-8812:abc"))
    assert turn.surface == "messenger"


def test_es_v1_is_refused_with_a_clear_message():
    with pytest.raises(Refusal, match="v1"):
        dialect.parse({"id": "1", "lang": "en", "result": {"parameters": {}}, "sessionId": "s"})


@pytest.mark.parametrize(
    "body", [[], "text", 3, {}, {"hello": 1}, {"queryResult": "x"}, {"sessionInfo": "x", "fulfillmentInfo": {}}]
)
def test_not_dialogflow_is_refused(body):
    with pytest.raises(Refusal):
        dialect.parse(body)


# ---- CX ------------------------------------------------------------------------------------


def test_cx_tag_params_session_and_snake_case():
    body = {
        "detect_intent_response_id": "r1",
        "session_info": {
            "session": "projects/p/locations/us-central1/agents/a/environments/e/sessions/s1",
            "parameters": {"my_param": 5},
        },
        "fulfillment_info": {"tag": "oncall.current"},
        "page_info": {
            "display_name": "Main",
            "form_info": {
                "parameter_info": [
                    {"display_name": "count", "state": "FILLED", "value": 1, "just_collected": True, "required": "true"}
                ]
            },
        },
        "intent_info": {"parameters": {"service": {"original_value": "Pay", "resolved_value": "payments"}}},
        "language_code": "de",
        "text": "wer hat Bereitschaft",
    }
    turn = dialect.parse(body)
    assert (turn.dialect, turn.intent, turn.session_id, turn.language) == ("cx", "oncall.current", "s1", "de")
    assert turn.param("my_param") == 5 and turn.param("service") == "payments"
    assert turn.original["service"] == "Pay"
    assert turn.form["count"].just_collected and turn.form["count"].required
    assert turn.page == "Main" and turn.turn_id == "r1"


def test_cx_without_tag_trigger_event_and_telephony():
    body = cx_request("", payload={"telephony": {"caller_id": "+4930123"}})
    del body["fulfillmentInfo"]["tag"]
    del body["text"]
    body["triggerEvent"] = "sys.no-match-default"
    turn = dialect.parse(body)
    assert turn.intent == "" and turn.event == "sys.no-match-default"
    assert turn.surface == "telephony" and turn.caller_id == "telephony:+4930123"


# ---- value coercion -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,text",
    [
        ({"name": "Ana"}, "Ana"),
        (["", "checkout"], "checkout"),
        ({"amount": 5, "currency": "EUR"}, "5 EUR"),
        (42.0, "42"),
        (True, "true"),
        (None, ""),
        ({"city": "", "country": ""}, ""),
        (10**400, "1" + "0" * 400),
        (float("nan"), ""),
        (2.5, "2.5"),
    ],
)
def test_as_text(value, text):
    assert as_text(value) == text


@pytest.mark.parametrize(
    "value,number",
    [
        ("42", 42),
        ("#42", 42),
        ("sev 1", 1),
        ([7], 7),
        (3.5, 3.5),
        ("none", None),
        (True, None),
        ({"amount": "12"}, 12),
        ("-3", -3),
        (float("nan"), None),
        (float("inf"), None),
        ("9" * 400, None),
    ],
)
def test_as_number(value, number):
    assert as_number(value) == number


@pytest.mark.parametrize("value,flag", [("true", True), ("FALSE", False), ("1", True), (0, False), ("maybe", False)])
def test_as_bool(value, flag):
    assert as_bool(value) is flag


# ---- the shared real-world requests ---------------------------------------------------------


@pytest.mark.parametrize("name", shared_fixture_names("requests") or ["(none)"])
def test_every_shared_request_parses_or_is_refused_for_a_reason(name):
    if name == "(none)":
        pytest.skip("../shared/fixtures is not present outside the workplace")
    body = shared_fixture("requests", name)
    if name.startswith("es_v1"):
        with pytest.raises(Refusal, match="obsolete"):
            dialect.parse(body)
        return
    turn = dialect.parse(body)
    assert turn.dialect == name[:2]
    assert turn.session_id or name.startswith("es_v2_date_period")


def test_shared_assistant_environment_session_and_surface():
    body = shared_fixture("requests", "es_v2_google_assistant_health_check_environment_session.json")
    turn = dialect.parse(body)
    assert "/environments/__aog-2/users/-/sessions/" in turn.session
    assert turn.surface == "google_assistant"
    assert turn.has_context("google_assistant_welcome")


def test_shared_slack_caller_and_followup_originals():
    slack = dialect.parse(shared_fixture("requests", "es_v2_slack_welcome.json"))
    assert slack.surface == "slack" and slack.caller_id == "slack:U2URF86K1"
    followup = dialect.parse(shared_fixture("requests", "es_v2_followup_contexts_original_params.json"))
    assert followup.param("username") == "pratyush" and followup.original["username"] == "pratyush"


def test_shared_cx_form_and_date_period():
    form = dialect.parse(shared_fixture("requests", "cx_form_info_filled_just_collected.json"))
    assert form.form["count-sweets"].state == "FILLED" and form.form["count-sweets"].just_collected
    period = dialect.parse(shared_fixture("requests", "es_v2_date_period_empty_strings_no_session.json"))
    assert period.param("date-period")["startDate"].startswith("2017-05-01")
    assert period.param("date") is None and period.session == ""


def test_wrong_types_in_scalar_fields_read_as_empty():
    body = es_request("x")
    body["queryResult"]["intent"]["displayName"] = {"odd": True}
    body["queryResult"]["languageCode"] = ["en"]
    body["queryResult"]["outputContexts"] = 7
    body["originalDetectIntentRequest"] = {"source": {"x": 1}}
    turn = dialect.parse(body)
    assert (turn.intent, turn.language, turn.contexts, turn.surface) == ("", "", {}, "console")
    cx = cx_request("tag")
    cx["pageInfo"]["formInfo"] = {"parameterInfo": 3}
    cx["fulfillmentInfo"]["tag"] = 42
    assert dialect.parse(cx).intent == "42" and dialect.parse(cx).form == {}


# ---- work in proportion to what the handler reads ---------------------------------------------


class _CountingList(list):
    """A list that counts how often the parser walks it."""

    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


def test_es_contexts_and_parameters_are_normalised_only_when_read():
    body = es_request(
        "welcome",
        params={"service": "payments"},
        contexts=[{"name": "c1", "lifespanCount": "2", "parameters": {"team": "platform"}}],
    )
    body["queryResult"]["outputContexts"] = _CountingList(body["queryResult"]["outputContexts"])
    _CountingList.walks = 0
    turn = dialect.parse(body)
    assert turn.intent == "welcome" and turn.session_id  # what every request reads
    assert _CountingList.walks == 0  # the contexts were not walked
    assert turn.param("team") == "platform" and turn.param("service") == "payments"
    context = turn.context("c1")
    assert context is not None and context.lifespan == 2 and "team" not in turn.original
    walks = _CountingList.walks
    assert walks == 1
    assert turn.has_context("C1") and dict(turn.parameters) == {"service": "payments", "team": "platform"}
    assert _CountingList.walks == walks  # built once, then reused


def test_lazy_mapping_reads_like_the_dict_it_builds():
    from fulfillment.lazy import Lazy

    built = []

    def build():
        built.append(1)
        return {"a": 1, "b": [2]}

    lazy = Lazy(build)
    assert not built
    assert lazy == {"a": 1, "b": [2]} and lazy.get("c", 3) == 3 and "a" in lazy and len(lazy) == 2
    assert list(lazy) == ["a", "b"] and dict(lazy.items()) == {"a": 1, "b": [2]} and built == [1]
    with pytest.raises(TypeError):
        lazy["a"] = 2  # type: ignore[index]                           # read-only, like the proxy was


# ---- the door: orjson reads the body, the standard library what orjson refuses ---------------------


def _read(raw: bytes):
    import io
    import json
    import math

    from flask import Request

    from fulfillment.http import intake

    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    body = intake.read_json(Request(environ), 1 << 20)
    return body, json, math


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2, "b": [1.5, -0.0, "\\u00e9\\ud83d\\ude00"], "c": null}',  # what orjson reads
        b'\xef\xbb\xbf{"a": 1}',  # a BOM: orjson refuses, json reads it
        '{"a": "ü"}'.encode("utf-16"),  # UTF-16: the same
        b'{"a": 1e400, "b": -Infinity}',  # numbers orjson refuses
    ],
)
def test_body_reads_as_the_standard_library_reads_it(raw):
    body, json, math = _read(raw)
    expected = json.loads(raw.decode(json.detect_encoding(raw)))
    assert repr(body) == repr(expected)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b'{"a": "\\ud800"}', "lone UTF-16 surrogate"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),
        (b'{"a": }', "malformed JSON: Expecting value at line 1 column 7"),
        (b"  \n ", "empty body"),
    ],
)
def test_bodies_orjson_refuses_keep_their_errors(raw, message):
    with pytest.raises(Refusal, match=message):
        _read(raw)


def test_the_body_read_once_is_what_functions_framework_reads_after_the_answer():
    """functions-framework calls `request.get_data()` after every answer; the body we read
    is handed to werkzeug's cache, so that call neither reads the stream again nor fails."""
    import io

    from flask import Request

    from fulfillment.http import intake

    raw = b'{"responseId": "r", "queryResult": {}}'
    request = Request(
        {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw),
        }
    )
    assert intake.read_json(request, 1 << 20) == {"responseId": "r", "queryResult": {}}
    assert request.get_data() == raw
