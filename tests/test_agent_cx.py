"""The Dialogflow CX agent as code: the JSON package, push/pull through the official client
against a local stand-in for the CX API, and `say --cx --project`.

The package's layout and field names were checked against real CX exports in public
repositories (read, not copied; only the key names are recorded below):
  * Yash-Kavaiya/BankBuddy: agent.json, flows/Default Start Flow/Default Start Flow.json,
    intents/*/trainingPhrases/en.json, entityTypes/spending_habits/{spending_habits.json,
    entities/en.json}, webhooks/*.json (genericWebService, timeout {"seconds": 5})
  * Pankaj-Shinde-19/dialogflow-pizza_booking: intents with parameters (id, entityType) and
    phrases with parameterId parts; pages/Order_Pizza.json (form parameters, fillBehavior,
    initialPromptFulfillment, the `$page.params.status = "FINAL"` route)
  * GireeshPanayappilly/DialogflowCX-Training: agent.json with displayName
"""

import io
import json
import re
import subprocess
import sys
import zipfile

import pytest

from fulfillment import app, router
from fulfillment.agent import export_cx, sync_cx

from conftest import ROOT
from fake_dialogflow import CxAgentsServer, CxSessionsServer

# Key names seen in the real exports above, per file kind.
SEEN = {
    "agent": {
        "displayName",
        "defaultLanguageCode",
        "supportedLanguageCodes",
        "timeZone",
        "enableLogging",
        "projectNumber",
        "speechToTextSettings",
        "startFlow",
        "enableStackdriverLogging",
        "enableSpellCorrection",
        "advancedSettings",
        "speakerIdSettings",
        "textToSpeechSettings",
        "duplexSettings",
        "answerFeedbackSettings",
        "webClientSettings",
        "enableMultiLanguageTraining",
    },
    "intent": {"name", "displayName", "priority", "skipAutoAnnotation", "numTrainingPhrases", "parameters"},
    "intent.parameter": {"id", "entityType"},
    "phrase": {"parts", "repeatCount", "languageCode"},
    "phrase.part": {"text", "auto", "parameterId"},
    "entityType": {"name", "displayName", "kind"},
    "entity": {"value", "synonyms", "languageCode"},
    "webhook": {"name", "displayName", "genericWebService", "timeout"},
    "webhook.service": {"uri", "webhookType", "httpMethod", "requestBody", "parameterMapping"},
    "flow": {"name", "displayName", "description", "transitionRoutes", "eventHandlers", "nluSettings"},
    "route": {"intent", "condition", "triggerFulfillment", "targetPage", "name"},
    "page": {"name", "displayName", "form", "entryFulfillment", "transitionRoutes"},
    "message": {"text", "payload", "languageCode"},
    "form.parameter": {"displayName", "required", "entityType", "fillBehavior"},
}


def _proto_fields(message) -> set[str]:
    return {f.json_name for f in message.pb().DESCRIPTOR.fields}


@pytest.fixture(scope="module")
def package():
    app.load_for_command_line()
    data = export_cx.build_zip(["en"])
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def test_layout_is_a_cx_json_package(package):
    for path in package:
        assert re.fullmatch(
            r"agent\.json|webhooks/[^/]+\.json|intents/([^/]+)/(\1|trainingPhrases/[a-z-]+)\.json"
            r"|entityTypes/([^/]+)/(\3|entities/[a-z-]+)\.json"
            r"|flows/Default Start Flow/(Default Start Flow|pages/[^/]+)\.json",
            path,
        ), path
    assert package["agent.json"]["startFlow"] == "Default Start Flow"
    assert "intents/Default Welcome Intent/Default Welcome Intent.json" in package  # CX's own greeting
    assert "intents/fallback/fallback.json" not in package  # no-match events instead


def test_field_names_are_those_of_real_exports_or_the_api(package):
    """Every key is one a real export uses or a field of the official v3 type."""
    from google.cloud import dialogflowcx_v3 as cx

    def check(kind, value, message):
        unknown = set(value) - SEEN[kind] - _proto_fields(message)
        assert not unknown, f"{kind}: {unknown}"

    check("agent", package["agent.json"], cx.Agent)
    check("webhook", package["webhooks/webhook.json"], cx.Webhook)
    check("webhook.service", package["webhooks/webhook.json"]["genericWebService"], cx.Webhook.GenericWebService)
    flow = package["flows/Default Start Flow/Default Start Flow.json"]
    check("flow", flow, cx.Flow)
    for route in flow["transitionRoutes"]:
        check("route", route, cx.TransitionRoute)
    for path, value in package.items():
        if path.startswith("intents/") and "/trainingPhrases/" not in path:
            check("intent", value, cx.Intent)
            for parameter in value.get("parameters", []):
                check("intent.parameter", parameter, cx.Intent.Parameter)
        elif "/trainingPhrases/" in path:
            for phrase in value["trainingPhrases"]:
                check("phrase", phrase, cx.Intent.TrainingPhrase)
                for part in phrase["parts"]:
                    check("phrase.part", part, cx.Intent.TrainingPhrase.Part)
        elif path.startswith("entityTypes/") and "/entities/" in path:
            for entry in value["entities"]:
                check("entity", entry, cx.EntityType.Entity)
        elif path.startswith("entityTypes/"):
            check("entityType", value, cx.EntityType)
        elif "/pages/" in path:
            check("page", value, cx.Page)
            for parameter in value["form"]["parameters"]:
                check("form.parameter", parameter, cx.Form.Parameter)
                for message in (
                    parameter.get("fillBehavior", {}).get("initialPromptFulfillment", {}).get("messages", [])
                ):
                    check("message", message, cx.ResponseMessage)


def test_resources_parse_as_the_official_types(package):
    """Strictly, after undoing the export's own spellings (timeout as {"seconds"}, a language
    code on each phrase and entity), so a restore will read every value we wrote."""
    from google.cloud import dialogflowcx_v3 as cx

    def strict(message, value):
        message.from_json(json.dumps(value), ignore_unknown_fields=False)

    strict(cx.Agent, package["agent.json"])
    webhook = dict(package["webhooks/webhook.json"])
    webhook["timeout"] = f"{webhook['timeout']['seconds']}s"
    strict(cx.Webhook, webhook)
    strict(cx.Flow, package["flows/Default Start Flow/Default Start Flow.json"])
    for path, value in package.items():
        if "/pages/" in path:
            strict(cx.Page, _without_message_languages(value))
        elif "/trainingPhrases/" in path:
            strict(
                cx.Intent,
                {
                    "trainingPhrases": [
                        {k: v for k, v in p.items() if k != "languageCode"} for p in value["trainingPhrases"]
                    ]
                },
            )
        elif path.startswith("intents/"):
            strict(cx.Intent, value)
        elif "/entities/" in path:
            strict(
                cx.EntityType,
                {"entities": [{k: v for k, v in e.items() if k != "languageCode"} for e in value["entities"]]},
            )
        elif path.startswith("entityTypes/"):
            strict(cx.EntityType, value)


def _without_message_languages(value):
    """Exports tag each message with its languageCode (not a field of ResponseMessage)."""
    if isinstance(value, dict):
        return {
            k: _without_message_languages(v) for k, v in value.items() if not (k == "languageCode" and "text" in value)
        }
    if isinstance(value, list):
        return [_without_message_languages(v) for v in value]
    return value


def test_every_intent_routes_to_the_webhook_with_its_name_as_tag(package):
    flow = package["flows/Default Start Flow/Default Start Flow.json"]
    routes = {r["intent"]: r for r in flow["transitionRoutes"]}
    pages = {v["displayName"]: v for p, v in package.items() if "/pages/" in p}
    tags = set()
    for intent in router.intents().values():
        if intent.fallback:
            continue
        route = routes[export_cx.intent_display_name(intent)]
        if "targetPage" in route:  # required parameters: through a form
            final = pages[route["targetPage"]]["transitionRoutes"][0]
            assert final["condition"] == '$page.params.status = "FINAL"'
            fulfillment = final["triggerFulfillment"]
        else:
            fulfillment = route["triggerFulfillment"]
        assert fulfillment["webhook"] == export_cx.WEBHOOK
        tags.add(fulfillment["tag"])
    assert tags == {i.name for i in router.intents().values() if not i.fallback}
    assert {h["event"]: h["triggerFulfillment"]["tag"] for h in flow["eventHandlers"]} == {
        "sys.no-match-default": "fallback",
        "sys.no-input-default": "fallback",
    }


def test_forms_ask_for_required_parameters_with_the_declared_prompt(package):
    page = package["flows/Default Start Flow/pages/oncall.current form.json"]
    service = page["form"]["parameters"][0]
    assert service["displayName"] == "service" and service["required"] and service["entityType"] == "@service"
    prompt = service["fillBehavior"]["initialPromptFulfillment"]["messages"][0]
    assert prompt == {"text": {"text": ["For which service or team?"]}, "languageCode": "en"}
    page = package["flows/Default Start Flow/pages/oncall.page form.json"]
    assert [p["displayName"] for p in page["form"]["parameters"]] == ["service", "message"]
    assert "fillBehavior" not in page["form"]["parameters"][1]  # optional: not asked


def test_phrases_parameters_and_entities(package):
    intent = package["intents/oncall.current/oncall.current.json"]
    assert intent["parameters"] == [{"id": "service", "entityType": "@service"}]
    phrase = package["intents/oncall.current/trainingPhrases/en.json"]["trainingPhrases"][0]
    assert phrase["parts"] == [{"text": "who is on call for "}, {"text": "payments", "parameterId": "service"}]
    assert phrase["languageCode"] == "en" and phrase["repeatCount"] == 1
    entries = {e["value"]: e["synonyms"] for e in package["entityTypes/service/entities/en.json"]["entities"]}
    assert "cart" in entries["checkout"]
    assert package["entityTypes/severity/severity.json"]["kind"] == "KIND_MAP"


def test_webhook_points_at_the_function_with_its_auth(setenv):
    setenv("WEBHOOK_URL", "https://europe-west1-p.cloudfunctions.net/watchkeeper")
    setenv("WEBHOOK_HEADER_NAME", "X-Watchkeeper-Key")
    setenv("WEBHOOK_HEADER_SECRET", "s3cret")
    setenv("WEBHOOK_TIMEOUT_CX_S", "7")
    webhook = export_cx.webhook_json()
    service = webhook["genericWebService"]
    assert service["uri"] == "https://europe-west1-p.cloudfunctions.net/watchkeeper"
    assert service["serviceAgentAuth"] == "ID_TOKEN"  # what auth.py verifies
    assert service["requestHeaders"] == {"X-Watchkeeper-Key": "s3cret"}
    assert webhook["timeout"] == {"seconds": 7}


def test_export_is_reproducible():
    app.load_for_command_line()
    assert export_cx.build_zip(["en"]) == export_cx.build_zip(["en"])


def test_regional_endpoint():
    from google.auth.credentials import AnonymousCredentials

    client = sync_cx.agents_client("europe-west1", credentials=AnonymousCredentials())
    assert client.api_endpoint == "europe-west1-dialogflow.googleapis.com"
    assert (
        sync_cx.agents_client("global", credentials=AnonymousCredentials()).api_endpoint == "dialogflow.googleapis.com"
    )


def test_push_and_pull_through_the_official_client():
    from google.cloud import dialogflowcx_v3

    app.load_for_command_line()
    server = CxAgentsServer()
    try:
        client = sync_cx.agents_client("europe-west1", server.address, insecure=True)
        name = sync_cx.agent_name("my-project", "europe-west1", "a1b2")
        data = export_cx.build_zip(["en"])
        progress = io.StringIO()
        sync_cx.push(name, data, client, out=progress)
        assert [r.name for r in server.restored] == ["projects/my-project/locations/europe-west1/agents/a1b2"]
        assert bytes(server.restored[0].agent_content) == data
        assert "restoring CX agent" in progress.getvalue() and "done in" in progress.getvalue()

        live = sync_cx.pull(name, client, out=io.StringIO())
        assert server.exports[0].name == name
        assert server.exports[0].data_format == dialogflowcx_v3.ExportAgentRequest.DataFormat.JSON_PACKAGE
        code = export_cx.files(["en"])
        assert sync_cx.diff(live, code) == ""

        # What the console adds (ids of its own, default settings) is not drift...
        live["agent.json"]["projectNumber"] = 12345
        live["agent.json"]["speechToTextSettings"] = {"enableSpeechAdaptation": True}
        live["intents/help/help.json"]["name"] = "5f0c9f0e-0000-4000-8000-000000000000"
        assert sync_cx.diff(live, code) == ""
        # ...a route sent elsewhere, a lost phrase or an intent made in the console is.
        flow = live["flows/Default Start Flow/Default Start Flow.json"]
        help_route = next(r for r in flow["transitionRoutes"] if r["intent"] == "help")
        help_route["triggerFulfillment"]["tag"] = "something-else"
        live["intents/console-made/console-made.json"] = {"displayName": "console-made"}
        text = sync_cx.diff(live, code)
        assert '-        "tag": "something-else"' in text and '+        "tag": "help"' in text
        assert "--- live/intents/console-made/console-made.json" in text
    finally:
        server.stop()


def _run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "fulfillment", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "AGENT_LANGUAGES": "en"},
    )


def test_cli_export_push_pull(tmp_path):
    server = CxAgentsServer(polls_before_done=1)
    try:
        zip_path = tmp_path / "agent-cx.zip"
        exported = _run("agent", "export", "--cx", "--out", str(zip_path))
        assert exported.returncode == 0 and "CX package" in exported.stderr, exported.stderr
        common = (
            "--project",
            "p1",
            "--location",
            "us-central1",
            "--agent",
            "ag1",
            "--endpoint",
            server.address,
            "--insecure",
        )
        pushed = _run("agent", "push", "--cx", *common, "--zip", str(zip_path))
        assert pushed.returncode == 0, pushed.stderr
        assert server.restored[0].name == "projects/p1/locations/us-central1/agents/ag1"
        assert bytes(server.restored[0].agent_content) == zip_path.read_bytes()
        pulled = _run("agent", "pull", "--cx", *common)
        assert pulled.returncode == 0 and "matches the code" in pulled.stdout, pulled.stdout + pulled.stderr
        missing = _run("agent", "push", "--cx", "--project", "p1")
        assert missing.returncode != 0 and "--agent" in missing.stderr
    finally:
        server.stop()


def test_say_against_the_live_cx_agent(tmp_path):
    from google.cloud import dialogflowcx_v3 as cx

    result = cx.QueryResult(
        text="wer hat bereitschaft für payments",
        language_code="de",
        match=cx.Match(intent=cx.Intent(display_name="oncall.current")),
        response_messages=[cx.ResponseMessage(text=cx.ResponseMessage.Text(text=["Ana hat Bereitschaft."]))],
    )
    fake = CxSessionsServer(result)
    try:
        args = (
            "say",
            "wer hat bereitschaft für payments",
            "--project",
            "p9",
            "--cx",
            "--agent",
            "ag9",
            "--location",
            "europe-west3",
            "--endpoint",
            fake.address,
            "--insecure",
            "--session",
            "live",
            "--language",
            "de",
        )
        run = _run(*args, cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert "(matched oncall.current)" in run.stdout and "bot> Ana hat Bereitschaft." in run.stdout
        sent = fake.requests[0]
        assert sent.session.startswith("projects/p9/locations/europe-west3/agents/ag9/sessions/say-")
        assert sent.query_input.text.text == "wer hat bereitschaft für payments"
        assert sent.query_input.language_code == "de"
        again = _run(
            "say",
            "ja",
            "--project",
            "p9",
            "--cx",
            "--agent",
            "ag9",
            "--location",
            "europe-west3",
            "--endpoint",
            fake.address,
            "--insecure",
            "--session",
            "live",
            cwd=tmp_path,
        )
        assert again.returncode == 0 and fake.requests[1].session == sent.session
    finally:
        fake.stop()
