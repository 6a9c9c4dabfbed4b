"""Keep the build honest: everything about cloudbuild.yaml that can be checked here."""
import ast
import re
import shlex
import shutil
import subprocess
import sys
from functools import lru_cache

import pytest
import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import deploy_indexes  # noqa: E402

BUILD = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
BUILT_IN = {"PROJECT_ID", "SHORT_SHA", "COMMIT_SHA", "BUILD_ID", "BRANCH_NAME", "TAG_NAME", "REPO_NAME",
            "REVISION_ID", "LOCATION", "PROJECT_NUMBER"}


def step(step_id):
    return next(s for s in BUILD["steps"] if s["id"] == step_id)


def test_steps_in_order():
    assert [s["id"] for s in BUILD["steps"]] == ["test", "indexes", "deploy", "agent", "smoke"]
    assert "make test" in step("test")["args"][-1] and ":emulators" in step("test")["name"]


def test_entry_point_exists_in_main():
    args = step("deploy")["args"]
    entry = next(a.split("=", 1)[1] for a in args if a.startswith("--entry-point="))
    tree = ast.parse((ROOT / "main.py").read_text())
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert entry in functions


def test_runtime_matches_supported_python():
    runtime = BUILD["substitutions"]["_RUNTIME"]
    match = re.fullmatch(r"python3(\d+)", runtime)
    assert match, f"{runtime} is not a Python 3 runtime"
    assert int(match.group(1)) >= 11                            # the project supports 3.11 and newer
    assert "--gen2" in step("deploy")["args"] and "--trigger-http" in step("deploy")["args"]
    assert int(BUILD["substitutions"]["_MIN_INSTANCES"]) >= 1


def test_every_substitution_used_is_declared_and_every_declared_is_used():
    text = (ROOT / "cloudbuild.yaml").read_text()
    body = text.split("steps:", 1)[1]
    used = set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", body))
    declared = set(BUILD["substitutions"])
    assert used - BUILT_IN - declared == set()
    assert declared - used == set()
    assert all(name.startswith("_") for name in declared)


def test_no_secret_values_in_the_build():
    text = (ROOT / "cloudbuild.yaml").read_text()
    assert "--set-secrets=" in text and "PASSWORD=" not in text.replace("WEBHOOK_BASIC_PASSWORD=$_BASIC_SECRET", "")


def _gcloud_commands():
    """Every gcloud command line: the deploy step's args, bash scripts, and the index script's."""
    commands = []
    for s in BUILD["steps"]:
        if s.get("entrypoint") == "gcloud":
            commands.append(["gcloud", *s["args"]])
        elif s.get("entrypoint") == "bash":
            for line in s["args"][-1].splitlines():
                if "gcloud " in line:
                    words = shlex.split(line[line.index("gcloud "):])
                    cut = next((i for i, w in enumerate(words) if w in (">", "|", "&&", ";")), len(words))
                    commands.append(words[:cut])
    commands += deploy_indexes.commands("(default)")
    return commands


@lru_cache(maxsize=None)
def _allowed_flags(group):
    result = subprocess.run(["gcloud", *group, "--help"], capture_output=True, text=True, timeout=120,
                            env={"CLOUDSDK_CORE_DISABLE_PROMPTS": "1", "PATH": "/usr/bin:/bin:/usr/local/bin",
                                 "HOME": str(ROOT / ".local")})
    assert result.returncode == 0, result.stderr
    return set(re.findall(r"--[a-z][a-z0-9-]+", result.stdout))


@pytest.mark.skipif(not shutil.which("gcloud"), reason="gcloud is not installed here")
@pytest.mark.parametrize("command", _gcloud_commands(), ids=lambda c: " ".join(c[:4]))
def test_gcloud_flags_exist(command):
    words = [w for w in command[1:] if not w.startswith("-")]
    flags = {w.split("=", 1)[0] for w in command[1:] if w.startswith("--")}
    group = []
    for word in words:                 # the command path is the leading lowercase words
        if not re.fullmatch(r"[a-z][a-z0-9-]*", word) or word in ("latest",):
            break
        group.append(word)
    if group[:2] == ["functions", "deploy"] or group[:2] == ["functions", "describe"]:
        group = group[:2]              # the next word is the function's name
    if group[:3] == ["secrets", "versions", "access"]:
        group = group[:3]
    unknown = flags - _allowed_flags(tuple(group))
    assert not unknown, f"gcloud {' '.join(group)}: unknown flags {unknown}"


def test_gcloudignore_keeps_the_upload_small():
    ignored = (ROOT / ".gcloudignore").read_text().split()
    for entry in ("tests/", "bench/", "data/", "*.zip", ".venv", "requirements-dev.txt", "node_modules/"):
        assert entry in ignored


def test_runtime_requirements_are_pinned_and_lean():
    lines = [item for item in (ROOT / "requirements.txt").read_text().splitlines() if item and not item.startswith("#")]
    assert all("==" in item for item in lines)
    names = {item.split("==")[0] for item in lines}
    # google-cloud-pubsub publishes confirmed pages (imported on the first page, never at start)
    assert names == {"functions-framework", "google-cloud-firestore", "google-auth", "orjson", "babel",
                     "google-cloud-pubsub"}


def test_deployed_function_does_not_import_dev_packages():
    code = ("import sys, main; heavy = [m for m in sys.modules if m.startswith(('google.cloud.dialogflow', "
            "'google.cloud.firestore', 'google.cloud.pubsub', 'numpy', 'matplotlib', 'pytest', "
            "'google.cloud.logging', 'babel', 'icalendar'))]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "WEBHOOK_ALLOW_UNAUTHENTICATED": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"       # Firestore and Babel load on first use, not at start
