"""Offline proof of the deploy path: the bootstrap and every cloudbuild.yaml step run here
against a recording gcloud stand-in laid out as each step's image has it; every recorded
command and flag is checked against the real local gcloud's --help; docs/iam.md must
name a permission and a granted role for every command the build runs."""

import json
import os
import re
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest
import requests

import fake_gcloud
import gcloud_help
from conftest import ROOT, start_server, stop_server
from deploy_offline import BUILD, Fake, read_only, run_bootstrap, run_step, substitute, substitutions, workspace
from fake_dialogflow import AgentsServer

sys.path.insert(0, str(ROOT / "scripts"))
import bootstrap  # noqa: E402

PROJECT, REGION = "demo-proj", "europe-west1"
SDK_BIN = "google-cloud-sdk/bin/gcloud"


def step(step_id):
    return next(s for s in BUILD["steps"] if s["id"] == step_id)


def _build(fake, agents, work, function_url, overrides=None, only=None):
    values = substitutions(PROJECT, {"_SMOKE_MAX_SECONDS": "60", **(overrides or {})})  # no speed test here
    results = {}
    for s in BUILD["steps"]:
        if only and s["id"] not in only:
            continue
        before = len(fake.calls())
        result = run_step(
            fake,
            s,
            work,
            values,
            {
                "FAKE_GCLOUD_FUNCTION_URL": function_url,
                "DIALOGFLOW_ENDPOINT": agents.address,
                "DIALOGFLOW_INSECURE": "1",
                "INDEX_POLL_SECONDS": "0.05",
            },
        )
        results[s["id"]] = SimpleNamespace(result=result, calls=fake.calls(before))
        assert result.returncode == 0, f"step {s['id']} failed:\n{result.stdout}\n{result.stderr}"
    return results


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, emulator):
    root = tmp_path_factory.mktemp("gcp")
    fake = Fake(root)
    agents = AgentsServer(polls_before_done=1)
    extra = ["--github-repo=acme/watchkeeper", f"--dialogflow-endpoint={agents.address}"]
    first = run_bootstrap(fake, PROJECT, REGION, extra)
    assert first.returncode == 0, first.stdout + first.stderr
    after_first, agent_calls_first = len(fake.calls()), list(agents.calls)
    second = run_bootstrap(fake, PROJECT, REGION, extra)
    assert second.returncode == 0, second.stdout + second.stderr
    after_second, agent_calls_second = len(fake.calls()), list(agents.calls)
    password = fake.state["objects"][f"secrets|{bootstrap.Config(PROJECT, REGION).basic_secret}"]["data"]
    server = start_server(
        {"WEBHOOK_BASIC_USER": "dialogflow", "WEBHOOK_BASIC_PASSWORD": password}, name="webhook-offline-deploy"
    )
    work = workspace(root / "workspace")
    try:
        build = _build(fake, agents, work, server.url + "/")
        yield SimpleNamespace(
            password_left=(work / ".basic-password").exists(),
            fake=fake,
            agents=agents,
            first=first,
            second=second,
            work=work,
            build=build,
            server=server,
            password=password,
            bootstrap_calls=fake.calls()[:after_first],
            second_calls=fake.calls()[after_first:after_second],
            agent_calls_first=agent_calls_first,
            agent_calls_second=agent_calls_second,
        )
    finally:
        stop_server(server)
        agents.stop()


# ---- bootstrap -------------------------------------------------------------------------------


def test_second_bootstrap_only_describes(deployed):
    assert "0 created or updated" in deployed.second.stdout, deployed.second.stdout
    writes = [
        c["argv"][:4]
        for c in deployed.second_calls
        if not read_only(c["argv"]) and c["argv"][:2] != ["projects", "describe"]
    ]
    assert deployed.second_calls and writes == []
    assert deployed.agent_calls_first.count("SetAgent") == 1  # the agent was created once
    assert deployed.agent_calls_second.count("SetAgent") == 1


def test_bootstrap_describes_before_every_create(deployed):
    last_read = None
    writes = 0
    for call in deployed.bootstrap_calls:
        group, verb, rest, _ = fake_gcloud.parse(call["argv"])
        if read_only(call["argv"]) or group == ["projects"] and verb == "describe":
            last_read = (group, rest[:1] if verb != "list" else [])
        else:
            writes += 1
            assert last_read and last_read[0] == group, f"{call['argv']} ran right after {last_read}, not its describe"
    assert writes > 20


def test_bootstrap_builds_the_project(deployed):
    state, cfg = deployed.fake.state, bootstrap.Config(PROJECT, REGION)
    assert set(bootstrap.APIS) <= set(state["services"])
    assert {"iam.googleapis.com", "cloudresourcemanager.googleapis.com"} <= set(state["services"])
    db = state["objects"]["firestore databases|(default)"]["flags"]
    assert db["--location"] == [REGION] and db["--type"] == ["firestore-native"]
    assert "--enable-pitr" in db and "--delete-protection" in db
    schedule = next(o for k, o in state["objects"].items() if k.startswith("firestore backups schedules|"))
    assert schedule["flags"]["--recurrence"] == ["daily"]
    assert (
        f"firestore fields ttls|projects/{PROJECT}/databases/(default)/collectionGroups/pages/fields/expires_at"
        in state["objects"]
    )
    project_policy = state["policies"][f"projects|{PROJECT}"]
    roles_of = lambda account: sorted(r for m, r in project_policy if m == f"serviceAccount:{cfg.email(account)}")  # noqa: E731
    assert roles_of(cfg.runtime_sa) == ["roles/datastore.user"]
    assert roles_of(cfg.build_sa) == sorted(
        [*bootstrap.BUILD_ROLES, f"projects/{PROJECT}/roles/{bootstrap.INVOKER_ROLE_ID}"]
    )
    assert roles_of(cfg.function_build_sa) == ["roles/cloudbuild.builds.builder"]
    for account in (cfg.runtime_sa, cfg.function_build_sa):
        assert state["policies"][f"iam service-accounts|{cfg.email(account)}"] == [
            [f"serviceAccount:{cfg.email(cfg.build_sa)}", "roles/iam.serviceAccountUser"]
        ]
    trigger = state["objects"]["builds triggers|watchkeeper-main"]["flags"]
    assert trigger["--service-account"] == [f"projects/{PROJECT}/serviceAccounts/{cfg.email(cfg.build_sa)}"]
    assert trigger["--build-config"] == ["cloudbuild.yaml"]
    assert "builds connections|github" in state["objects"] and "builds repositories|watchkeeper" in state["objects"]


def test_secrets_never_on_a_command_line_or_in_output(deployed):
    secrets = [o["data"] for k, o in deployed.fake.state["objects"].items() if k.startswith("secrets|")]
    assert len(secrets) == 2 and all(len(s) >= 32 for s in secrets) and secrets[0] != secrets[1]
    log = (deployed.fake.root / "gcloud.log").read_text()
    for value in secrets:
        assert value not in log and value not in deployed.first.stdout + deployed.first.stderr
        for s in deployed.build.values():
            assert value not in s.result.stdout + s.result.stderr


def test_secrets_from_stdin(tmp_path):
    fake = Fake(tmp_path)
    agents = AgentsServer(polls_before_done=0)
    try:
        result = run_bootstrap(
            fake,
            PROJECT,
            REGION,
            ["--secrets-from-stdin", f"--dialogflow-endpoint={agents.address}"],
            stdin="first-value-from-stdin\nsecond-value-from-stdin\n",
        )
    finally:
        agents.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    objects = fake.state["objects"]
    assert objects["secrets|watchkeeper-basic-password"]["data"] == "first-value-from-stdin"
    assert objects["secrets|watchkeeper-header-secret"]["data"] == "second-value-from-stdin"
    assert "value-from-stdin" not in (tmp_path / "gcloud.log").read_text()
    assert "skipped  trigger" in result.stdout  # no GITHUB_REPO: says what to do


def test_waits_for_the_github_app_and_stops(tmp_path):
    fake = Fake(tmp_path)
    agents = AgentsServer(polls_before_done=0)
    os.environ["FAKE_GCLOUD_CONNECTION_STAGE"] = "PENDING_INSTALL_APP"
    try:
        result = run_bootstrap(
            fake, PROJECT, REGION, ["--github-repo=acme/watchkeeper", f"--dialogflow-endpoint={agents.address}"]
        )
    finally:
        del os.environ["FAKE_GCLOUD_CONNECTION_STAGE"]
        agents.stop()
    assert result.returncode == 0 and "waiting  GitHub connection" in result.stdout, result.stdout + result.stderr
    assert "builds triggers|watchkeeper-main" not in fake.state["objects"]


# ---- the build, step by step ----------------------------------------------------------------


def test_every_step_finds_gcloud_where_its_image_keeps_it(deployed):
    assert f"/{SDK_BIN}" in deployed.build["test"].result.stdout  # `command -v gcloud` in the emulators image
    for step_id, s in deployed.build.items():
        image = step(step_id)["name"]
        for call in s.calls:
            assert call["as"].endswith("/usr/bin/gcloud") and image.endswith("google-cloud-cli:slim"), (step_id, call)
    assert not deployed.build["agent"].calls  # python:3.12-slim has no gcloud


def test_test_step_runs_make_test_with_ci_on_the_runtime_python(deployed):
    runtime = BUILD["substitutions"]["_RUNTIME"]
    minor = f"3.{runtime.removeprefix('python3')}"
    stubs = deployed.fake.stubs()
    assert f"uv python install {minor} | CI=true" in stubs
    assert f"make test PYTHON=/opt/uv/python{minor}/bin/python{minor} | CI=true" in stubs


def test_indexes_created_once_and_waited_for_until_ready(deployed):
    calls = [c["argv"] for c in deployed.build["indexes"].calls]
    creates = [c for c in calls if "create" in c]
    assert len(creates) == len(json.loads((ROOT / "firestore.indexes.json").read_text())["indexes"])
    assert sum("list" in c for c in calls) >= 2  # polled until READY
    assert f"all {len(creates)} indexes READY" in deployed.build["indexes"].result.stdout
    again = run_step(
        deployed.fake, step("indexes"), deployed.work, substitutions(PROJECT), {"INDEX_POLL_SECONDS": "0.05"}
    )
    assert again.returncode == 0 and "composite create" not in again.stdout, again.stdout


def _env_vars(argv):
    value = next(a.split("=", 1)[1] for a in argv if a.startswith("--update-env-vars="))
    delimiter = "," if not value.startswith("^") else value[1 : value.index("^", 1)]
    body = value if not value.startswith("^") else value[value.index("^", 1) + 1 :]
    return dict(pair.split("=", 1) for pair in body.split(delimiter))


def test_deploy_keeps_variables_and_names_its_build_account(deployed):
    deploy = next(c["argv"] for c in deployed.build["deploy"].calls if c["argv"][:2] == ["functions", "deploy"])
    flags = {a.split("=", 1)[0] for a in deploy}
    assert "--set-env-vars" not in flags and "--set-secrets" not in flags and "--clear-env-vars" not in flags
    assert "--allow-unauthenticated" not in flags and "--no-allow-unauthenticated" not in flags
    assert (
        f"--build-service-account=projects/{PROJECT}/serviceAccounts/watchkeeper-fn-build@{PROJECT}"
        f".iam.gserviceaccount.com" in deploy
    )
    assert f"--runtime={BUILD['substitutions']['_RUNTIME']}" in deploy
    assert _env_vars(deploy)["WATCHKEEPER_VERSION"] == "abc1234" and "WEBHOOK_ID_TOKEN_AUDIENCE" not in _env_vars(
        deploy
    )
    emails = "service-1@gcp-sa-dialogflow.iam.gserviceaccount.com,ops@example.com"
    fake = deployed.fake
    before = len(fake.calls())
    values = substitutions(PROJECT, {"_ID_TOKEN_AUDIENCE": "https://fn.example/", "_ID_TOKEN_EMAILS": emails})
    assert run_step(fake, step("deploy"), deployed.work, values).returncode == 0
    env = _env_vars(fake.calls(before)[0]["argv"])
    assert env["WEBHOOK_ID_TOKEN_AUDIENCE"] == "https://fn.example/" and env["WEBHOOK_ID_TOKEN_EMAILS"] == emails


def test_invoker_is_set_by_its_own_step_with_the_granted_permission(deployed):
    calls = [c["argv"] for c in deployed.build["endpoint"].calls]
    binding = next(c for c in calls if c[:3] == ["run", "services", "add-iam-policy-binding"])
    assert "--member=allUsers" in binding and "--role=roles/run.invoker" in binding
    assert "run.services.setIamPolicy" in bootstrap.INVOKER_PERMISSIONS


def test_agent_step_creates_connects_and_pushes_on_the_regional_parent(deployed):
    request = deployed.agents.fulfillments[-1]
    service = request.fulfillment.generic_web_service
    assert request.fulfillment.name == f"projects/{PROJECT}/locations/{REGION}/agent/fulfillment"
    assert service.uri == deployed.server.url + "/" and service.username == "dialogflow"
    assert service.password == deployed.password and request.fulfillment.enabled
    deployed.agents.calls.clear()
    values = substitutions(PROJECT, {"_PUSH_AGENT": "true"})
    assert run_step(deployed.fake, step("endpoint"), deployed.work, values).returncode == 0  # smoke removed the file
    result = run_step(
        deployed.fake,
        step("agent"),
        deployed.work,
        values,
        {"DIALOGFLOW_ENDPOINT": deployed.agents.address, "DIALOGFLOW_INSECURE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert deployed.agents.calls == ["GetAgent", "RestoreAgent", "UpdateFulfillment", "TrainAgent"]
    assert deployed.agents.restored[-1].parent == f"projects/{PROJECT}/locations/{REGION}"


def test_smoke_step_proves_refusal_and_a_firestore_read(deployed):
    out = deployed.build["smoke"].result.stdout
    assert "without credentials: status 401" in out and "Firestore read works" in out, out
    assert not deployed.password_left


# ---- against the real gcloud ----------------------------------------------------------------


@pytest.mark.skipif(not gcloud_help.gcloud(), reason="gcloud is not installed here")
def test_every_recorded_command_and_flag_exists_in_gcloud(deployed):
    calls = [c["argv"] for c in deployed.fake.calls()]
    paths = {gcloud_help.command_path(c) for c in calls}
    gcloud_help.warm(paths)
    for argv in calls:
        path = gcloud_help.command_path(argv)
        assert path and path[0] not in ("alpha", "beta"), argv
        assert len(path) >= 2, f"not a gcloud command: {argv}"
        assert not gcloud_help.unknown_flags(argv), (path, gcloud_help.unknown_flags(argv))
        assert all("=" in a or a in gcloud_help.flags(path) for a in argv if a.startswith("--")), argv


@pytest.mark.skipif(not gcloud_help.gcloud(), reason="gcloud is not installed here")
def test_gcloud_found_only_under_the_sdks_own_bin(tmp_path):
    """As in google-cloud-cli:emulators: gcloud only in .../google-cloud-sdk/bin, nothing in the tools' dir.
    The gcloud there marks that it ran, then hands over to the real SDK: --help must come from it."""
    real = os.path.realpath(gcloud_help.gcloud() or "gcloud")
    sdk_bin, tools = tmp_path / "google-cloud-sdk" / "bin", tmp_path / "bin"
    sdk_bin.mkdir(parents=True)
    tools.mkdir()
    marker = tmp_path / "ran"
    (sdk_bin / "gcloud").write_text(f'#!/bin/sh\ntouch {marker}\nexec {real} "$@"\n')
    (sdk_bin / "gcloud").chmod(0o755)
    for tool in ("python3", "sh", "bash", "uname", "dirname", "readlink", "basename", "cat", "touch"):
        found = shutil.which(tool, path="/usr/bin:/bin")
        if found:
            (tools / tool).symlink_to(found)
    code = (
        "import gcloud_help; print(gcloud_help.gcloud()); "
        "print(gcloud_help.run_help(('functions', 'deploy')).count('--'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "tests",
        capture_output=True,
        text=True,
        timeout=180,
        env={"PATH": f"{sdk_bin}:{tools}", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    found, count = result.stdout.split()
    assert found == str(sdk_bin / "gcloud") and int(count) > 50 and marker.exists()


# ---- permissions ----------------------------------------------------------------------------


def _iam_table():
    rows = []
    for line in (ROOT / "docs/iam.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 5 and cells[0].startswith("`gcloud"):
            rows.append(
                {
                    "command": cells[0].strip("`").removeprefix("gcloud ").strip(),
                    "permission": cells[1],
                    "role": cells[2],
                    "on": cells[3],
                    "source": cells[4],
                }
            )
    return rows


def test_iam_table_covers_every_command_the_build_runs(deployed):
    rows = _iam_table()
    cfg = bootstrap.Config(PROJECT, REGION)
    granted = {
        *bootstrap.BUILD_ROLES,
        f"projects/PROJECT/roles/{bootstrap.INVOKER_ROLE_ID}",
        "roles/iam.serviceAccountUser",
        "roles/secretmanager.secretAccessor",
    }
    for row in rows:
        assert row["role"].strip("`") in granted, row
        assert re.search(r"https://cloud\.google\.com/\S+", row["source"]), row
    covered = {row["command"] for row in rows}
    for s in deployed.build.values():
        for call in s.calls:
            path = " ".join(gcloud_help.command_path(call["argv"]))
            assert path in covered, f"docs/iam.md has no row for `gcloud {path}`"
    assert {"dialogflow agent (python -m fulfillment agent)"} <= {r["command"] for r in _other_rows()}
    assert cfg.build_sa in (ROOT / "docs/iam.md").read_text()


def _other_rows():
    rows = []
    for line in (ROOT / "docs/iam.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 5 and cells[0].startswith("dialogflow"):
            rows.append({"command": cells[0]})
    return rows


def test_substitution_is_cloud_builds():
    assert substitute("a $$b ${_X} $_X $PROJECT_ID", {"_X": "x", "PROJECT_ID": "p"}) == "a $b x x p"
    with pytest.raises(KeyError):
        substitute("$_UNDECLARED", {})


# ---- signals in, pages out: what the bootstrap wires and the deploy tells the function ----------

EVENT_VAR = re.compile(r'"((?:PUSH|PAGES?|OUTBOX|EVENT)_[A-Z_]+)"')
LEFT_AT_DEFAULT = {"PUSH_ALLOW_UNAUTHENTICATED", "EVENT_BUDGET_S", "PAGE_DELIVERY_TIMEOUT_S", "OUTBOX_AFTER_S"}
PUSH_PATHS = ("alerts", "builds", "pages")


def _deploy_env(deployed):
    return _env_vars(
        next(c["argv"] for c in deployed.build["deploy"].calls if c["argv"][:2] == ["functions", "deploy"])
    )


def _object(deployed, key):
    return deployed.fake.state["objects"][key]["flags"]


def _flag(flags, name):
    return flags[name][-1]


def test_deploy_sets_exactly_the_event_variables_the_code_reads(deployed):
    """Names: a variable the deploy sets that the code does not read (a typo) fails, and so does one
    the code reads that the deploy neither sets nor is listed as left at its default."""
    read = set()
    for folder in ("events", "fulfillment", "intents", "oncall"):
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(EVENT_VAR.findall(path.read_text()))
    assert LEFT_AT_DEFAULT <= read, "LEFT_AT_DEFAULT names a variable nothing reads any more"
    set_by_deploy = {name for name in _deploy_env(deployed) if EVENT_VAR.fullmatch(f'"{name}"')}
    assert set_by_deploy == read - LEFT_AT_DEFAULT


def test_deployed_event_settings_match_what_the_bootstrap_built(deployed):
    """Meaning: the function, given the deploy's variables, expects the audience and account the
    bootstrap's subscriptions and sweep sign with, publishes to the topic it may publish to, and
    gives up on a page when Pub/Sub dead-letters it."""
    code = (
        "import json; from fulfillment import push; from oncall import pages; c = push.config(); "
        "print(json.dumps([c.audience_base, list(c.emails), pages.topic(), pages.max_attempts()]))"
    )
    for attempts in ("5", "7"):
        env = _deploy_env(deployed)
        if attempts != "5":  # a trigger that raises it: the deploy passes it through
            before = len(deployed.fake.calls())
            values = substitutions(PROJECT, {"_PAGE_MAX_ATTEMPTS": attempts})
            assert run_step(deployed.fake, step("deploy"), deployed.work, values).returncode == 0
            env = _env_vars(deployed.fake.calls(before)[0]["argv"])
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **env, "FIRESTORE_EMULATOR_HOST": ""},
        )
        assert result.returncode == 0, result.stderr
        base, emails, topic, max_attempts = json.loads(result.stdout)
        assert max_attempts == int(attempts)
    cfg = bootstrap.Config(PROJECT, REGION)
    assert (
        base
        == f"https://{cfg.function}-{fake_gcloud.PROJECT_NUMBER}.{REGION}.run.app"
        == cfg.function_url(fake_gcloud.PROJECT_NUMBER)
    )
    for path in PUSH_PATHS:
        sub = _object(deployed, f"pubsub subscriptions|watchkeeper-{path}")
        assert _flag(sub, "--push-endpoint") == _flag(sub, "--push-auth-token-audience") == f"{base}/events/{path}"
        assert _flag(sub, "--push-auth-service-account") in emails
        assert _flag(sub, "--topic") in (cfg.alerts_topic, cfg.builds_topic, cfg.pages_topic)
    pages = _object(deployed, "pubsub subscriptions|watchkeeper-pages")
    assert _flag(pages, "--topic") == cfg.pages_topic and topic == f"projects/{PROJECT}/topics/{cfg.pages_topic}"
    assert _flag(pages, "--dead-letter-topic") == f"projects/{PROJECT}/topics/{cfg.dead_letter_topic}"
    assert (
        int(_flag(pages, "--max-delivery-attempts"))
        == cfg.page_max_attempts
        == int(BUILD["substitutions"]["_PAGE_MAX_ATTEMPTS"])
    )
    assert _flag(_object(deployed, "pubsub subscriptions|watchkeeper-builds"), "--topic") == "cloud-builds"
    job = _object(deployed, f"scheduler jobs|{cfg.outbox_job}")
    assert _flag(job, "--uri") == _flag(job, "--oidc-token-audience") == f"{base}/events/outbox"
    assert _flag(job, "--oidc-service-account-email") in emails and _flag(job, "--location") == REGION


def test_event_iam_is_granted_where_each_part_needs_it(deployed):
    cfg, policies = bootstrap.Config(PROJECT, REGION), deployed.fake.state["policies"]
    agent = f"serviceAccount:service-{fake_gcloud.PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
    assert policies[f"iam service-accounts|{cfg.email(cfg.push_sa)}"] == [
        [agent, "roles/iam.serviceAccountTokenCreator"]
    ]
    assert policies[f"pubsub topics|{cfg.dead_letter_topic}"] == [[agent, "roles/pubsub.publisher"]]
    assert policies["pubsub subscriptions|watchkeeper-pages"] == [[agent, "roles/pubsub.subscriber"]]
    assert policies[f"pubsub topics|{cfg.pages_topic}"] == [
        [f"serviceAccount:{cfg.email(cfg.runtime_sa)}", "roles/pubsub.publisher"]
    ]
    assert f"pubsub subscriptions|{cfg.dead_letter_topic}" in deployed.fake.state["objects"]  # dead letters kept
    invokers = [
        c["argv"]
        for c in deployed.build["endpoint"].calls
        if c["argv"][:3] == ["run", "services", "add-iam-policy-binding"]
    ]
    assert [f"--member=serviceAccount:{cfg.email(cfg.push_sa)}", "--role=roles/run.invoker"] == [
        a for a in invokers[-1] if a.startswith(("--member", "--role"))
    ]


def test_drifted_subscription_is_brought_back(tmp_path):
    """Re-running the bootstrap repairs a push subscription someone pointed elsewhere, and only that."""
    fake = Fake(tmp_path)
    agents = AgentsServer(polls_before_done=0)
    try:
        args = [f"--dialogflow-endpoint={agents.address}"]
        assert run_bootstrap(fake, PROJECT, REGION, args).returncode == 0
        state = fake.state
        state["objects"]["pubsub subscriptions|watchkeeper-alerts"]["flags"]["--push-endpoint"] = [
            "https://old.example"
        ]
        (tmp_path / "state.json").write_text(json.dumps(state))
        before = len(fake.calls())
        again = run_bootstrap(fake, PROJECT, REGION, args)
    finally:
        agents.stop()
    assert again.returncode == 0 and "1 created or updated" in again.stdout, again.stdout
    [update] = [c["argv"] for c in fake.calls(before) if not read_only(c["argv"]) and "describe" not in c["argv"]]
    assert update[:4] == ["pubsub", "subscriptions", "update", "watchkeeper-alerts"]
    sub = fake.state["objects"]["pubsub subscriptions|watchkeeper-alerts"]["flags"]
    assert _flag(sub, "--push-endpoint").endswith(".run.app/events/alerts")


def test_pushes_and_the_sweep_signed_as_configured_get_through(deployed, emulator, seeded):
    """The function with the deploy's push variables serves what each subscription and the sweep
    would send: a token with the recorded audience and account (signed here), to the recorded path."""
    import urllib.parse

    from events_kit import envelope
    from test_auth import CertServer, _key_and_cert, token

    signer, cert = _key_and_cert("kid-deploy")
    certs = CertServer({"kid-deploy": cert})
    env = {k: v for k, v in _deploy_env(deployed).items() if k.startswith("PUSH_")}
    server = start_server({**env, "WEBHOOK_ID_TOKEN_CERTS_URL": certs.url}, name="events-deployed")
    cfg = bootstrap.Config(PROJECT, REGION)
    try:
        sends = []
        for path in PUSH_PATHS:
            sub = _object(deployed, f"pubsub subscriptions|watchkeeper-{path}")
            sends.append(
                (
                    _flag(sub, "--push-endpoint"),
                    _flag(sub, "--push-auth-token-audience"),
                    _flag(sub, "--push-auth-service-account"),
                    json.dumps(envelope({})),
                    {"Content-Type": "application/json"},
                )
            )
        job = _object(deployed, f"scheduler jobs|{cfg.outbox_job}")
        sends.append(
            (
                _flag(job, "--uri"),
                _flag(job, "--oidc-token-audience"),
                _flag(job, "--oidc-service-account-email"),
                _flag(job, "--message-body"),
                dict([_flag(job, "--headers").split("=", 1)]),
            )
        )
        for endpoint, audience, email, body, headers in sends:
            path = urllib.parse.urlsplit(endpoint).path
            signed = {**headers, "Authorization": "Bearer " + token(signer, aud=audience, email=email)}
            answer = requests.post(server.url + path, data=body, headers=signed, timeout=30)
            assert answer.status_code == 200, (path, answer.status_code, answer.text)
            if path == "/events/outbox":
                assert answer.json()["outcome"] == "flushed"
            unsigned = requests.post(server.url + path, data=body, headers=headers, timeout=30)
            assert unsigned.status_code == 401, path
    finally:
        stop_server(server)
        certs.httpd.shutdown()


def test_watchkeepers_own_build_is_recorded_as_a_deploy_of_watchkeeper(deployed, emulator, seeded):
    """A Build resource as this cloudbuild.yaml, run by the bootstrap's trigger, produces it."""
    from events_kit import envelope, push

    trigger = _object(deployed, "builds triggers|watchkeeper-main")
    from_trigger = dict(pair.split("=", 1) for pair in _flag(trigger, "--substitutions").split(","))
    assert from_trigger["_SERVICE"] == BUILD["substitutions"]["_SERVICE"] == "watchkeeper"
    values = {
        **{k: str(v) for k, v in BUILD["substitutions"].items()},
        **from_trigger,
        "TRIGGER_NAME": "watchkeeper-main",
        "COMMIT_SHA": "abc1234" * 5 + "abcdef",
        "SHORT_SHA": "abc1234",
        "BRANCH_NAME": "main",
        "REPO_NAME": "watchkeeper",
        "REF_NAME": "main",
        "REVISION_ID": "abc1234" * 5 + "abcdef",
    }
    build = {
        "id": "wk-own-1",
        "projectId": PROJECT,
        "status": "SUCCESS",
        "substitutions": values,
        "steps": [{"id": s["id"], "name": s["name"]} for s in BUILD["steps"]],
        "buildTriggerId": "trig-1",
        "startTime": "2026-11-28T02:00:00.123456789Z",
        "finishTime": "2026-11-28T02:12:00.5Z",
        "logUrl": f"https://console.cloud.google.com/cloud-build/builds;region={REGION}/wk-own-1?project=1",
    }
    response, log = push(deployed.server, "builds", envelope(build))
    assert response.status_code == 200 and log["outcome"] == "recorded" and log["service"] == "watchkeeper", log
    deploy = seeded.collection("deploys").document("build-wk-own-1").get().to_dict()
    assert deploy["service"] == "watchkeeper" and deploy["version"] == "abc1234"
    assert deploy["by"] == "Cloud Build (watchkeeper-main)"
    del values["_SERVICE"]  # the trigger's name alone names no service
    response, log = push(deployed.server, "builds", envelope({**build, "id": "wk-own-2"}))
    assert log["outcome"] == "ignored" and "watchkeeper-main" in log["reason"]
