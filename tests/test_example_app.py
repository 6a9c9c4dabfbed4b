"""The framework without Watchkeeper: `fulfillment` installed as a package (pyproject.toml)
serves a second app (tests/example_app: a pizzeria, two intents, no Firestore) through the
real functions-framework server, with nothing of this repository's app importable."""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import requests
import webhook_server

from fulfillment.cli.simulate import cx_request, es_request

from conftest import ROOT, assert_valid_response, launch, stop_server

EXAMPLE = ROOT / "tests" / "example_app"
SECRET = {"X-Pizzeria-Key": "margherita"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The framework as `pip install` puts it into another project (no build isolation: the
    suite runs offline from PyPI; setuptools and wheel come from requirements-dev.txt)."""
    source = tmp_path_factory.mktemp("checkout")  # what a clone holds; builds leave no trace here
    shutil.copytree(
        ROOT,
        source,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".venv", ".git", ".local", "node_modules", "__pycache__", "build"),
    )
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def _env(installed: Path, **extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FIRESTORE_", "WEBHOOK_", "GOOGLE_", "PUSH_", "INTENT_", "PYTHON"))
    }
    return {
        **keep,
        "PYTHONPATH": str(installed),
        "PYTHONUNBUFFERED": "1",
        "INTENT_PACKAGES": "pizzeria",
        "WEBHOOK_HEADER_NAME": "X-Pizzeria-Key",
        "WEBHOOK_HEADER_SECRET": "margherita",
        "WEBHOOK_BASIC_USER": "luigi",
        "WEBHOOK_BASIC_PASSWORD": "mario",
        **extra,
    }


def test_the_package_holds_the_framework_and_nothing_of_the_app(installed):
    assert (installed / "fulfillment" / "router.py").exists()
    assert not any((installed / name).exists() for name in ("intents", "events", "admin", "main.py", "locales"))
    probe = (
        "import importlib.util, fulfillment; print(fulfillment.__file__); "
        "print([m for m in ('intents', 'events', 'admin') if importlib.util.find_spec(m)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=EXAMPLE,
        env=_env(installed),
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.splitlines()
    assert out == [str(installed / "fulfillment" / "__init__.py"), "[]"]


def test_the_package_pins_what_requirements_txt_pins():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert declared and set(declared) <= pinned


@pytest.fixture(scope="module")
def pizzeria(installed):
    served = launch("pizzeria", _env(installed, CLOSING_HOUR="22"), source=str(EXAMPLE / "main.py"), cwd=EXAMPLE)
    yield served
    stop_server(served)


def _text(out: dict) -> str:
    if "fulfillmentText" in out:
        return out["fulfillmentText"]
    return " ".join(t for m in out["fulfillmentResponse"]["messages"] for t in m.get("text", {}).get("text", []))


def test_health_lists_the_pizzerias_intents(pizzeria):
    health = requests.get(pizzeria.url + "/healthz", timeout=5).json()
    assert health["intents"] == ["pizza.hours", "pizza.order"]


@pytest.mark.parametrize("dialect_name", ["es", "cx"])
def test_both_intents_answer_and_remember_across_turns(pizzeria, dialect_name):
    build = es_request if dialect_name == "es" else cx_request
    first = pizzeria.post(
        build("pizza.order", "a large one with olives", {"size": "large", "topping": ["olives", "basil"]}), SECRET
    )
    assert first.status_code == 200
    out = first.json()
    assert_valid_response(out, dialect_name)
    assert _text(out) == "One large pizza with olives and basil, coming up."
    if dialect_name == "es":
        carried = [{"name": "last-order", "lifespanCount": 4, "parameters": out["outputContexts"][0]["parameters"]}]
        hours = pizzeria.post(es_request("pizza.hours", "when are you open", contexts=carried), SECRET).json()
    else:
        hours = pizzeria.post(
            cx_request("pizza.hours", "when are you open", out["sessionInfo"]["parameters"]), SECRET
        ).json()
    assert_valid_response(hours, dialect_name)
    assert _text(hours) == "We're open from noon until 22:00. Another large one?"  # its own setting


def test_the_app_words_the_frameworks_failures_and_fallback(pizzeria):
    crashed = pizzeria.post(es_request("pizza.order", "burnt", {"size": "burnt"}), SECRET).json()
    assert_valid_response(crashed, "es")
    assert crashed["fulfillmentText"] == "Mamma mia, the oven is acting up. Please try again."
    unknown = pizzeria.post(es_request("weather.today", "will it rain"), SECRET).json()
    assert_valid_response(unknown, "es")
    assert unknown["fulfillmentText"]  # the framework's own fallback
    refused = requests.post(
        pizzeria.url + "/", json=es_request("pizza.hours"), timeout=5, headers={"Authorization": "Basic bm86bm8="}
    )
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="pizzeria", charset="UTF-8"'
    lines = [json.loads(line) for line in pizzeria.log_path.read_text().splitlines() if line.startswith("{")]
    outcomes = [line.get("outcome") for line in lines if line.get("httpRequest", {}).get("requestMethod") == "POST"]
    assert {"handler_error", "fallback", "unauthorized"} <= set(outcomes)


def test_a_typo_in_the_apps_own_setting_stops_it(installed):
    started = subprocess.run(
        webhook_server.command(0, source=str(EXAMPLE / "main.py")),
        cwd=EXAMPLE,
        env=_env(installed, CLOSING_HOUR="eleven"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0 and "CLOSING_HOUR='eleven' is not an integer" in started.stdout + started.stderr


def test_the_agent_export_describes_the_pizzeria(installed, tmp_path):
    out = tmp_path / "agent.zip"
    subprocess.run(
        [sys.executable, "-m", "fulfillment", "agent", "export", "--out", str(out)],
        cwd=EXAMPLE,
        env=_env(installed),
        check=True,
        capture_output=True,
        timeout=120,
    )
    with zipfile.ZipFile(out) as archive:
        agent = json.loads(archive.read("agent.json"))
        names = archive.namelist()
    assert agent["displayName"] == "pizzeria" and agent["description"].startswith("Luigi's pizzeria")
    assert {"intents/pizza.order.json", "intents/pizza.hours.json", "entities/size.json"} <= set(names)
    assert not [n for n in names if re.search(r"oncall|incident|service", n)]
