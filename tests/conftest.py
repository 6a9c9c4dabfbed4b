"""Shared test fixtures: a real Firestore emulator, the real functions-framework server
on loopback, strict checks against Dialogflow's official types, and the shared samples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
SHARED = Path(os.environ.get("WATCHKEEPER_SHARED", ROOT.parent / "shared")) / "fixtures"
PROJECT = "watchkeeper-test"

# Fuzzing explores new examples on every developer run; CI replays a fixed, derandomized set so
# a landing never depends on luck (what a developer's run finds is fixed and tested for good).
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")

import webhook_server  # noqa: E402

import intents  # noqa: E402
from fulfillment import app as _app  # noqa: E402

_app.configure(intents.APP)  # in-process tests see Watchkeeper as main.py configures it

import emulator as emulator_script  # noqa: E402
import seed as seed_script  # noqa: E402

# ---- Dialogflow's own types, strictly -----------------------------------------------------


def _walk_keys(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key
            if key not in ("parameters", "payload", "metadata"):  # Structs: the agent's own keys
                yield from _walk_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _walk_keys(item, path)


def assert_valid_response(body: dict, dialect: str) -> None:
    """Parse with the official WebhookResponse, rejecting unknown fields; lowerCamelCase only."""
    text = json.dumps(body)
    if dialect == "es":
        from google.cloud.dialogflow_v2 import WebhookResponse
    else:
        from google.cloud.dialogflowcx_v3 import WebhookResponse
    WebhookResponse.from_json(text, ignore_unknown_fields=False)
    snake = [f"{p}.{k}" for p, k in _walk_keys(body) if "_" in k]
    assert not snake, f"non-canonical (snake_case) field names: {snake}"


# ---- the shared real-world samples ---------------------------------------------------------


def shared_fixture(kind: str, name: str) -> dict:
    path = SHARED / kind / name
    if not path.exists():
        pytest.skip(
            f"{kind}/{name}: one of the sample requests from public Dialogflow projects, "
            "not shipped in this repository (set WATCHKEEPER_SHARED to a folder holding them)"
        )
    return json.loads(path.read_text())


def shared_fixture_names(kind: str) -> list[str]:
    folder = SHARED / kind
    return sorted(p.name for p in folder.glob("*.json")) if folder.exists() else []


@pytest.fixture
def setenv(monkeypatch):
    """`setenv(name, value)`: change a setting for this test (the settings are read again)."""
    from fulfillment import settings

    def change(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        settings.reload()

    yield change
    monkeypatch.undo()
    settings.reload()


# ---- Firestore emulator --------------------------------------------------------------------


@pytest.fixture(scope="session")
def emulator():
    emu = emulator_script.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emu.host
    os.environ["GOOGLE_CLOUD_PROJECT"] = PROJECT
    os.environ["WATCHKEEPER_EMULATOR_USED"] = emu.kind
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def db(emulator):
    from fulfillment import settings, store

    settings.reload()
    store.reset_client()
    return store.client()


@pytest.fixture
def seeded(emulator, db):
    """A fresh database with the demo data, per test."""
    emulator.reset(PROJECT)
    seed_script.seed(db)
    return db


# ---- the real webhook server ---------------------------------------------------------------


class Server:
    def __init__(self, port: int, process: subprocess.Popen, log_path: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.process = process
        self.log_path = log_path

    def post(self, body, headers=None, **kwargs) -> requests.Response:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return requests.post(
            self.url + "/", data=data, headers=all_headers, timeout=kwargs.pop("timeout", 15), **kwargs
        )

    def traced_post(self, body, headers=None, **kwargs) -> tuple[requests.Response, dict]:
        """POST and return the response with the request's own log entry."""
        trace = uuid.uuid4().hex
        response = self.post(body, {"X-Cloud-Trace-Context": f"{trace}/1;o=1", **(headers or {})}, **kwargs)
        return response, self.log_entry(trace)

    def log_entries(self) -> list[dict]:
        entries = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
        return entries

    def log_entry(self, trace: str, wait: float = 3.0) -> dict:
        deadline = time.monotonic() + wait
        while True:
            found = [e for e in self.log_entries() if e.get("logging.googleapis.com/trace", "").endswith(trace)]
            if found or time.monotonic() > deadline:
                assert len(found) == 1, f"expected exactly one log entry for trace {trace}, got {len(found)}"
                return found[0]
            time.sleep(0.02)


def start_server(env_extra: dict | None = None, name: str = "webhook") -> Server:
    # The start-up warm-up (fulfillment/warmup.py) is off unless a test asks for it: it fills the
    # directory cache in the background, and a test that resets the database meanwhile would
    # leave it caching an empty directory for DIRECTORY_TTL_S. tests/test_warmup.py covers it.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "WARMUP": "0", **(env_extra or {})}
    env = {key: value for key, value in env.items() if value is not None}  # None: unset it
    return launch(name, env)


def launch(name: str, env: dict, source: str = "", cwd: Path = ROOT, wait: bool = True) -> Server:
    """functions-framework serving `source` (default main.py) on a free port, once it answers
    (`wait=False`: at once, asked nothing); its output goes to .local/<name>-<port>.log."""
    port = emulator_script.free_port()
    log_path = ROOT / ".local" / f"{name}-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    process = subprocess.Popen(
        webhook_server.command(port, source=source),
        cwd=cwd,
        env=env,
        stdout=open(log_path, "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(port, process, log_path)
    if not wait:
        return server
    try:
        wait_until_healthy(server)
    except RuntimeError:
        stop_server(server)
        raise
    return server


def wait_until_healthy(server: Server, timeout_s: float = 30) -> None:
    """Return once the server's health check answers 200; RuntimeError (with its log, when it
    has one) if its process exits first or it never answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
            raise RuntimeError(f"webhook server exited:\n{log}")
        try:
            if requests.get(server.url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("webhook server did not start")


def stop_server(server: Server) -> None:
    import signal

    try:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=10)
    except ProcessLookupError:
        server.process.wait(timeout=10)  # the whole group is gone already: just reap it
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def server(emulator, db):
    """The session's webhook, started on seeded data as `make run` starts it: its warm-up fills
    the directory cache at start, and an empty database would stay cached for DIRECTORY_TTL_S."""
    emulator.reset(PROJECT)
    seed_script.seed(db)
    srv = start_server()
    yield srv
    stop_server(srv)


def pytest_terminal_summary(terminalreporter):
    kind = os.environ.get("WATCHKEEPER_EMULATOR_USED")
    if kind:
        terminalreporter.write_line(f"Firestore emulator used: {kind}")
