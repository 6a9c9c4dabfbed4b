"""The agent as code: export, push/pull through the official client, and `say`."""

import io
import json
import re
import subprocess
import sys
import zipfile

import pytest

from fulfillment import Reply, app, router
from fulfillment.agent import export_es, sync_es

from conftest import ROOT
from fake_dialogflow import AgentsServer, SessionsServer


@pytest.fixture(scope="module")
def exported():
    app.load_for_command_line()
    return zipfile.ZipFile(io.BytesIO(export_es.build_zip("en")))


def test_zip_layout_and_agent_settings(exported, setenv):
    names = exported.namelist()
    assert "agent.json" in names and "package.json" in names
    agent = json.loads(exported.read("agent.json"))
    assert agent["language"] == "en" and "webhook" in agent
    for name in names:
        assert re.fullmatch(r"agent\.json|package\.json|intents/[^/]+\.json|entities/[^/]+\.json", name), name
    setenv("WEBHOOK_URL", "https://example.com/webhook")
    setenv("WEBHOOK_BASIC_USER", "dialogflow")
    webhook = export_es.agent_json("en")["webhook"]
    assert (
        webhook["url"] == "https://example.com/webhook" and webhook["username"] == "dialogflow" and webhook["available"]
    )


def test_every_handler_has_a_webhook_intent_and_back(exported):
    intent_files = {
        json.loads(exported.read(n))["name"]: json.loads(exported.read(n))
        for n in exported.namelist()
        if n.startswith("intents/") and "_usersays_" not in n
    }
    assert set(intent_files) == set(router.intents())  # the startup check and the export agree
    for name, body in intent_files.items():
        assert body["webhookUsed"] is True, name
    assert intent_files["fallback"]["fallbackIntent"] is True
    assert {"name": "WELCOME"} in intent_files["welcome"]["events"]
    confirm = intent_files["oncall.page.confirm"]
    assert confirm["parentId"] == intent_files["oncall.page"]["id"] and confirm["contexts"] == ["page-pending"]
    assert intent_files["oncall.page"]["responses"][0]["affectedContexts"] == [{"name": "page-pending", "lifespan": 2}]


def test_training_phrases_annotate_declared_parameters(exported):
    says = json.loads(exported.read("intents/oncall.current_usersays_en.json"))
    parts = says[0]["data"]
    assert parts[0] == {"text": "who is on call for ", "userDefined": False}
    assert parts[1] == {"text": "payments", "alias": "service", "meta": "@service", "userDefined": True}
    params = json.loads(exported.read("intents/oncall.current.json"))["responses"][0]["parameters"]
    assert params[0]["name"] == "service" and params[0]["required"] and params[0]["prompts"][0]["value"]


def test_entities_come_from_services_and_aliases(exported):
    entries = {e["value"]: e["synonyms"] for e in json.loads(exported.read("entities/service_entries_en.json"))}
    assert "cart" in entries["checkout"] and "Checkout" in entries["checkout"]
    assert "payments-team" in entries
    severity = {e["value"]: e["synonyms"] for e in json.loads(exported.read("entities/severity_entries_en.json"))}
    assert "sev 1" in severity["1"] and "critical" in severity["1"]


def test_undeclared_annotation_is_refused():
    bad = router.Intent("bad", lambda t: Reply.say(""), phrases=("page [x](nope)",))
    with pytest.raises(ValueError, match="undeclared parameter"):
        export_es.usersays(bad, "en")


def test_export_is_reproducible():
    assert export_es.build_zip("en") == export_es.build_zip("en")


def test_push_and_pull_through_the_official_client(tmp_path):
    server = AgentsServer()
    try:
        client = sync_es.agents_client(server.address, insecure=True)
        data = export_es.build_zip("en")
        progress = io.StringIO()
        sync_es.push("my-project", "europe-west1", data, client, out=progress)
        assert len(server.restored) == 1
        assert server.restored[0].parent == "projects/my-project/locations/europe-west1"
        assert bytes(server.restored[0].agent_content) == data
        assert "restoring agent" in progress.getvalue() and "done in" in progress.getvalue()

        live = sync_es.pull("my-project", "global", client, out=io.StringIO())
        assert server.exports[0].parent == "projects/my-project"
        assert sync_es.diff(live, export_es.files("en")) == ""

        changed = export_es.files("en")
        changed["intents/welcome.json"]["webhookUsed"] = False
        text = sync_es.diff(live, changed)
        assert "--- live/intents/welcome.json" in text and '+  "webhookUsed": false' in text
    finally:
        server.stop()


def test_regional_locations_use_the_regional_host(monkeypatch):
    assert sync_es.endpoint_for("europe-west1") == "europe-west1-dialogflow.googleapis.com"
    assert sync_es.endpoint_for("global") is None and sync_es.endpoint_for("") is None
    assert sync_es.endpoint_for("europe-west1", "127.0.0.1:1") == "127.0.0.1:1"
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import dialogflow_v2

    seen = []

    class Recording(dialogflow_v2.AgentsClient):
        def __init__(self, client_options=None, **kw):
            seen.append(client_options)
            super().__init__(client_options=client_options, credentials=AnonymousCredentials())

    monkeypatch.setattr(dialogflow_v2, "AgentsClient", Recording)
    client = sync_es.agents_client(location="europe-west1")
    assert seen == [{"api_endpoint": "europe-west1-dialogflow.googleapis.com"}]
    assert client.api_endpoint == "europe-west1-dialogflow.googleapis.com"


def test_push_creates_the_agent_when_absent_then_trains():
    server = AgentsServer(polls_before_done=1)
    try:
        client = sync_es.agents_client(server.address, insecure=True)
        assert sync_es.describe("p1", "europe-west1", client) is None
        sync_es.push("p1", "europe-west1", export_es.build_zip("en"), client, out=io.StringIO())
        sync_es.train("p1", "europe-west1", client, out=io.StringIO())
        assert server.calls == ["GetAgent", "GetAgent", "SetAgent", "RestoreAgent", "TrainAgent"]
        assert sync_es.describe("p1", "europe-west1", client).display_name == "watchkeeper"
        assert sync_es.create("p1", "europe-west1", client) is False  # exists: nothing created
        assert server.calls.count("SetAgent") == 1
    finally:
        server.stop()


def test_cli_describe_create_connect(tmp_path):
    server = AgentsServer(polls_before_done=0)
    password = tmp_path / "pw"
    password.write_text("s3cret\n")
    run = lambda *a: subprocess.run(  # noqa: E731
        [
            sys.executable,
            "-m",
            "fulfillment",
            "agent",
            *a,
            "--project=p1",
            "--location=europe-west1",
            f"--endpoint={server.address}",
            "--insecure",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        assert run("describe").returncode == 3
        assert run("create").returncode == 0 and run("describe").returncode == 0
        connected = run("connect", "--webhook-url=https://fn.example/", f"--password-file={password}")
        assert connected.returncode == 0, connected.stderr
        assert "s3cret" not in connected.stdout + connected.stderr
        request = server.fulfillments[-1]
        assert request.fulfillment.generic_web_service.password == "s3cret"
        assert request.fulfillment.generic_web_service.username == "dialogflow"
        assert list(request.update_mask.paths) == ["enabled", "generic_web_service"]
    finally:
        server.stop()


def test_cli_push_then_pull(tmp_path):
    server = AgentsServer(polls_before_done=1)
    try:
        zip_path = tmp_path / "agent.zip"
        run = lambda *a: subprocess.run(  # noqa: E731
            [sys.executable, "-m", "fulfillment", *a],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run("agent", "export", "--out", str(zip_path)).returncode == 0
        pushed = run(
            "agent", "push", "--project", "p1", "--endpoint", server.address, "--insecure", "--zip", str(zip_path)
        )
        assert pushed.returncode == 0, pushed.stderr
        assert bytes(server.restored[0].agent_content) == zip_path.read_bytes()
        pulled = run("agent", "pull", "--project", "p1", "--endpoint", server.address, "--insecure")
        assert pulled.returncode == 0 and "matches the code" in pulled.stdout, pulled.stdout + pulled.stderr
    finally:
        server.stop()


def test_say_holds_a_page_conversation(server, seeded, tmp_path):
    def say(*args):
        result = subprocess.run(
            [sys.executable, "-m", "fulfillment", "say", *args, "--url", server.url + "/", "--session", "conv-test"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = say(
        "page checkout: db down", "--intent", "oncall.page", "--param", "service=checkout", "--param", "message=db down"
    )
    assert "bot> Page " in first and "[ Yes ] [ No ]" in first and "(context page-pending set for 2 turns)" in first
    second = say("yes", "--intent", "oncall.page.confirm")
    assert "bot> Paged " in second and "(context page-pending cleared)" in second
    pages = [d.to_dict() for d in seeded.collection("pages").stream()]
    assert len(pages) == 1 and pages[0]["message"] == "db down"
    third = say("yes", "--intent", "oncall.page.confirm")
    assert "no page waiting" in third
    first = say("page checkout", "--intent", "oncall.page", "--param", "service=checkout", "--cx")  # CX: a memory too
    assert "(session parameter page_pending set)" in first
    assert "(session parameter page_pending cleared)" in say("no", "--intent", "oncall.page.cancel", "--cx")


def test_say_cx_and_card(server, seeded, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fulfillment",
            "say",
            "how is checkout",
            "--intent",
            "service.status",
            "--param",
            "service=checkout",
            "--url",
            server.url + "/",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "+-- Checkout: degraded" in result.stdout and "(Dashboard) ->" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "fulfillment", "say", "hi", "--intent", "welcome", "--cx", "--url", server.url + "/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        "bot> Hi, I'm Watchkeeper" in result.stdout
        and "<chips>" not in result.stdout
        and "[ Who is on call? ]" in result.stdout
    )


def test_say_against_the_live_agent_api(tmp_path):
    """`say --project` speaks DetectIntent through the official client and shows the reply."""
    from google.cloud import dialogflow_v2

    result = dialogflow_v2.QueryResult(
        query_text="who is on call for payments",
        language_code="en",
        intent=dialogflow_v2.Intent(display_name="oncall.current"),
        fulfillment_messages=[
            dialogflow_v2.Intent.Message(text=dialogflow_v2.Intent.Message.Text(text=["Ana is on call."])),
            dialogflow_v2.Intent.Message(
                quick_replies=dialogflow_v2.Intent.Message.QuickReplies(quick_replies=["Page Ana"])
            ),
        ],
    )
    fake = SessionsServer(result)
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "fulfillment",
                "say",
                "who is on call for payments",
                "--project",
                "p9",
                "--endpoint",
                fake.address,
                "--insecure",
                "--session",
                "live",
                "--language",
                "de",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        assert run.returncode == 0, run.stderr
        assert (
            "(matched oncall.current)" in run.stdout
            and "bot> Ana is on call." in run.stdout
            and "[ Page Ana ]" in run.stdout
        )
        sent = fake.requests[0]
        assert sent.session.startswith("projects/p9/agent/sessions/say-")
        assert (
            sent.query_input.text.text == "who is on call for payments" and sent.query_input.text.language_code == "de"
        )
        again = subprocess.run(
            [
                sys.executable,
                "-m",
                "fulfillment",
                "say",
                "yes",
                "--project",
                "p9",
                "--endpoint",
                fake.address,
                "--insecure",
                "--session",
                "live",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        assert again.returncode == 0 and fake.requests[1].session == sent.session  # the session is kept
    finally:
        fake.stop()
