"""Every answer in the caller's language: the catalogs hold to account, and the webhook uses them.

Catalog checks read the .po files with Babel; the requests go through the real server and
emulator, and every answer passes the strict schema checks.
"""

import io
import json
import re
import zipfile
from typing import Any

import pytest

from fulfillment import app, fmt, i18n
from fulfillment.agent import export_cx, export_es
from fulfillment.cli import report
from fulfillment.cli.simulate import cx_request, es_request

import catalogs  # scripts/catalogs.py: extract, compile, check
from conftest import assert_valid_response

LANGUAGES = ["de", "fr", "es", "pt_BR", "ja"]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _po(language):
    return catalogs.read_po(catalogs.LOCALES / language / "LC_MESSAGES" / "messages.po")


def _forms(message):
    return list(message.string) if isinstance(message.id, tuple) else [message.string]


def test_every_catalog_exists_and_nothing_is_left_over():
    assert sorted(p.parent.parent.name for p in catalogs.po_files()) == sorted(LANGUAGES)
    assert set(i18n.available()) == {"en", *LANGUAGES}


def test_the_template_holds_every_sentence_in_the_code_and_the_mo_files_are_current():
    """`scripts/catalogs.py check`: the .pot matches the code, each .mo its .po (so the deployed
    function, which reads only .mo files, says what the .po says)."""
    assert catalogs.main(["check"]) == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_not_fuzzy(language):
    template = {m.id for m in catalogs.extract() if m.id}
    catalog = _po(language)
    have = {m.id: m for m in catalog if m.id}
    assert template - set(have) == set(), "missing"
    assert set(have) - template == set(), "obsolete entries"
    assert not catalog.obsolete
    for msgid, message in have.items():
        assert "fuzzy" not in message.flags, msgid
        forms = _forms(message)
        assert len(forms) == catalog.num_plurals if isinstance(msgid, tuple) else len(forms) == 1
        assert all(form and form.strip() for form in forms), f"untranslated: {msgid!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_preserved(language):
    for message in _po(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for form in _forms(message):
            assert set(PLACEHOLDER.findall(form)) == wanted, (message.id, form)
            form.format(**{name: "x" for name in wanted})  # and it still formats


@pytest.mark.parametrize(
    "code,chosen",
    [
        ("en", "en"),
        ("en-us", "en"),
        ("en-GB", "en"),
        ("de", "de"),
        ("de-AT", "de"),
        ("de_CH", "de"),
        ("pt-BR", "pt_BR"),
        ("pt-br", "pt_BR"),
        ("pt", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("fr-CA", "fr"),
        ("es-419", "es"),
        ("ja", "ja"),
        ("ja-JP", "ja"),
        ("it", "en"),
        ("zh-CN", "en"),
        ("", "en"),
        ("  ", "en"),
        (None, "en"),
        (42, "en"),
    ],
)
def test_language_falls_back_from_region_to_language_to_english(code, chosen):
    assert i18n.negotiate(code) == chosen


def test_framework_sentences_are_translated():
    for language in LANGUAGES:
        for kind in ("timeout", "handler_error", "db_unavailable"):
            english = app.current().message(kind)
            assert i18n.translate(language, english) != english, (language, kind)
    v1 = {"result": {}, "lang": "de", "sessionId": "s"}
    from fulfillment.wire.dialect import Refusal, detect

    with pytest.raises(Refusal, match="veraltet"):
        detect(v1)


def test_formats_follow_the_language():
    import datetime as dt

    starts = dt.datetime(2026, 1, 2, 8, 0, tzinfo=dt.timezone.utc)  # a Friday
    ends = starts + dt.timedelta(days=1)
    now = starts + dt.timedelta(minutes=50)
    expected = {
        "en": ("Fri 09:00 to Sat 09:00 CET", "50 minutes ago", "a, b, or c", "99.9%"),
        "de": ("Fr., 09:00 bis Sa., 09:00 CET", "vor 50 Minuten", "a, b oder c", "99,9\xa0%"),
        "ja": ("9:00 (金)～9:00 (土) CET", "50 分前", "a、b、またはc", "99.9%"),
    }
    for language, (window, ago, options, percent) in expected.items():
        i18n.use(language)
        try:
            assert fmt.window(starts, ends, "Europe/Berlin") == window
            assert fmt.ago(starts, now) == ago
            assert fmt.join(["a", "b", "c"], "or") == options
            assert fmt.percent(99.9) == percent
        finally:
            i18n.use("")


# ---- through the webhook -------------------------------------------------------------------

REQUESTS = [
    ("welcome", {}),
    ("help", {}),
    ("fallback", {}),
    ("webhook.health", {}),
    ("oncall.current", {"service": "payments"}),
    ("oncall.current", {}),
    ("oncall.current", {"service": "paymnts"}),
    ("service.status", {"service": "checkout"}),
    ("incident.list", {}),
    ("deploy.latest", {"service": "nothing-here"}),
    ("incident.acknowledge", {"number": 46}),
    ("incident.resolve", {"number": 46}),
    ("incident.resolve", {"number": 999}),
    ("deploy.latest", {"service": "checkout"}),
    ("oncall.page", {"service": "checkout", "message": "db down"}),
    ("oncall.page.confirm", {}),
    ("oncall.page.cancel", {}),
    ("page.status", {}),
    ("page.status", {"person": "Tom"}),
]


def _text(out, dialect_name):
    if dialect_name == "es":
        return out.get("fulfillmentText", "")
    return "\n".join(m["text"]["text"][0] for m in out["fulfillmentResponse"]["messages"] if "text" in m)


def _ask(server, intent, params, language, dialect_name):
    build = es_request if dialect_name == "es" else cx_request
    response, log = server.traced_post(build(intent, params=params, language=language))
    assert response.status_code == 200, response.text
    out = response.json()
    assert_valid_response(out, dialect_name)
    return _text(out, dialect_name), out, log


@pytest.fixture(scope="module")
def english_sentences():
    """Every English sentence without placeholders that a translation changes (what must
    never appear in a translated answer)."""
    return sorted(
        {
            m.id
            for m in catalogs.extract()
            if isinstance(m.id, str) and m.id and not PLACEHOLDER.search(m.id) and len(m.id) > 12
        },
        key=len,
        reverse=True,
    )


@pytest.mark.parametrize("code", ["de-DE", "fr", "es", "pt-BR", "ja"])
def test_each_intent_answers_in_the_callers_language(server, seeded, code, english_sentences):
    catalog = i18n.negotiate(code)
    for index, (intent, params) in enumerate(REQUESTS):
        dialect_name = "es" if index % 2 == 0 else "cx"
        english, _, _ = _ask(server, intent, params, "en", dialect_name)
        text, out, log = _ask(server, intent, params, code, dialect_name)
        assert text and text != english, (code, intent, text)
        for sentence in english_sentences:
            if sentence in text:
                assert i18n.translate(catalog, sentence) == sentence, (code, intent, sentence, text)
        assert log["language"] == code


def test_chips_and_cards_are_translated_too(server, seeded):
    _, out, _ = _ask(server, "service.status", {"service": "checkout"}, "de", "es")
    card = next(m["card"] for m in out["fulfillmentMessages"] if "card" in m)
    assert card["title"] == "Checkout: beeinträchtigt" and "Tier 1" in card["subtitle"]
    chips = [c for m in out["fulfillmentMessages"] for c in m.get("quickReplies", {}).get("quickReplies", [])]
    assert "Wer hat Bereitschaft für Checkout?" in chips


def test_german_on_call_answer_has_german_dates(server, seeded):
    """The issue's example: a German request to oncall.current, answered in German, with
    German weekdays and times in the on-call person's time zone."""
    from oncall import shifts

    text, _, log = _ask(server, "oncall.current", {"service": "payments"}, "de", "es")
    shift = shifts.current_shift("payments-team")
    assert shift is not None
    i18n.use("de")
    try:
        window = fmt.window(shift.starts, shift.ends, shift.primary["timezone"])
    finally:
        i18n.use("")
    assert text.startswith(f"{shift.primary['name']} hat Bereitschaft für Payments, {window} Ortszeit.")
    assert re.search(r"\b(Mo|Di|Mi|Do|Fr|Sa|So)\., \d\d:\d\d bis (Mo|Di|Mi|Do|Fr|Sa|So)\., \d\d:\d\d\b", window)
    assert log["outcome"] == "ok"


def test_v1_refusal_in_the_language_the_body_names(server):
    response = server.post({"result": {"action": "x"}, "lang": "fr", "sessionId": "s1"})
    assert response.status_code == 400 and "obsolètes" in response.json()["error"]


@pytest.mark.parametrize("dialect_name,build", [("es", es_request), ("cx", cx_request)])
def test_crash_apology_in_the_callers_language(monkeypatch, setenv, dialect_name, build):
    """Our own bug past the handler: the apology still speaks the caller's language."""
    from flask import Request
    from werkzeug.test import EnvironBuilder

    setenv("WEBHOOK_ALLOW_UNAUTHENTICATED", "1")
    import main
    from fulfillment.wire import dialect, fit

    def broken(reply, turn):
        raise KeyError("renderer bug")

    monkeypatch.setattr(dialect, "render", broken)
    monkeypatch.setattr(fit, "_rendered", type(fit._rendered)())
    request = Request(
        EnvironBuilder(
            method="POST",
            path="/",
            data=json.dumps(build("welcome", language="pt-BR")),
            content_type="application/json",
        ).get_environ()
    )
    try:
        result: Any = main.webhook(request)  # functions-framework's decorator erases the type
        body, status, _ = result
    finally:
        i18n.use("")  # this process goes on with other tests, in English
    assert status == 200
    assert_valid_response(json.loads(body), dialect_name)
    assert "Desculpe, algo deu errado do meu lado." in body.decode()


# ---- phrases and synonyms per language, in both exports ----------------------------------


def test_phrases_and_synonyms_per_language_in_the_es_export():
    app.load_for_command_line()
    archive = zipfile.ZipFile(io.BytesIO(export_es.build_zip()))
    names = set(archive.namelist())
    agent = json.loads(archive.read("agent.json"))
    assert agent["language"] == "en" and sorted(agent["supportedLanguages"]) == ["de", "es", "fr", "ja", "pt-br"]
    for code in ("en", "de", "fr", "es", "pt-br", "ja"):
        assert f"intents/oncall.current_usersays_{code}.json" in names
        assert f"entities/severity_entries_{code}.json" in names
    says = json.loads(archive.read("intents/oncall.current_usersays_de.json"))
    assert says[0]["lang"] == "de" and says[0]["data"][1] == {
        "text": "payments",
        "alias": "service",
        "meta": "@service",
        "userDefined": True,
    }
    severity = {e["value"]: e["synonyms"] for e in json.loads(archive.read("entities/severity_entries_de.json"))}
    assert "kritisch" in severity["1"] and "sev 1" in severity["1"]
    prompts = json.loads(archive.read("intents/oncall.current.json"))["responses"][0]["parameters"][0]["prompts"]
    assert {"lang": "de", "value": "Für welchen Service oder welches Team?"} in prompts


def test_phrases_synonyms_and_prompts_per_language_in_the_cx_export():
    app.load_for_command_line()
    files = export_cx.files()
    agent = files["agent.json"]
    assert agent["defaultLanguageCode"] == "en" and "pt-br" in agent["supportedLanguageCodes"]
    phrases = files["intents/oncall.current/trainingPhrases/pt-br.json"]["trainingPhrases"]
    assert (
        phrases[0]["languageCode"] == "pt-br" and {"text": "payments", "parameterId": "service"} in phrases[0]["parts"]
    )
    assert "intents/Default Welcome Intent/trainingPhrases/ja.json" in files
    entries = {e["value"]: e["synonyms"] for e in files["entityTypes/severity/entities/ja.json"]["entities"]}
    assert "緊急" in entries["1"]
    page = files["flows/Default Start Flow/pages/oncall.current form.json"]
    messages = page["form"]["parameters"][0]["fillBehavior"]["initialPromptFulfillment"]["messages"]
    assert {"text": {"text": ["Pour quel service ou quelle équipe ?"]}, "languageCode": "fr"} in messages


# ---- the latency report --------------------------------------------------------------------


def test_latency_report_groups_by_language():
    lines = [
        {"latency_ms": 10, "intent": "welcome", "language": "de-DE", "outcome": "ok"},
        {"latency_ms": 30, "intent": "welcome", "language": "de-de", "outcome": "ok"},
        {"latency_ms": 20, "intent": "help", "language": "pt-BR", "outcome": "ok"},
        {"latency_ms": 5, "intent": "help", "outcome": "ok"},
    ]
    stats = report.summarize(lines, by="language")
    assert set(stats) == {"de-de", "pt-br", "(none)", "ALL"}
    assert sorted(stats["de-de"].latencies) == [10, 30]
    table = report.format_table(report.rows(stats, None), None, first="language")
    assert table.splitlines()[0].startswith("language") and "de-de" in table
