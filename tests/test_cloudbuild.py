"""Keep the build honest: what can be read off cloudbuild.yaml (tests/test_deploy_offline.py runs it)."""

import ast
import re
import subprocess
import sys

import yaml

from conftest import ROOT

BUILD = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
BUILT_IN = {
    "PROJECT_ID",
    "SHORT_SHA",
    "COMMIT_SHA",
    "BUILD_ID",
    "BRANCH_NAME",
    "TAG_NAME",
    "REPO_NAME",
    "REVISION_ID",
    "LOCATION",
    "PROJECT_NUMBER",
}


def step(step_id):
    return next(s for s in BUILD["steps"] if s["id"] == step_id)


def test_steps_in_order():
    assert [s["id"] for s in BUILD["steps"]] == ["test", "indexes", "bytecode", "deploy", "endpoint", "agent", "smoke"]
    assert "make test" in step("test")["args"][-1] and ":emulators" in step("test")["name"]


def test_entry_point_exists_in_main():
    found = re.search(r"--entry-point=(\w+)", step("deploy")["args"][-1])
    assert found
    entry = found.group(1)
    tree = ast.parse((ROOT / "main.py").read_text())
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert entry in functions


def test_runtime_matches_supported_python():
    runtime = BUILD["substitutions"]["_RUNTIME"]
    match = re.fullmatch(r"python3(\d+)", runtime)
    assert match, f"{runtime} is not a Python 3 runtime"
    assert int(match.group(1)) >= 11  # the project supports 3.11 and newer
    assert "--gen2" in step("deploy")["args"][-1] and "--trigger-http" in step("deploy")["args"][-1]
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
    assert "--update-secrets=" in text and "PASSWORD=" not in text.replace("WEBHOOK_BASIC_PASSWORD=$_BASIC_SECRET", "")


def test_test_step_runs_ci_on_the_functions_python_minor():
    test = step("test")
    minor = "3." + BUILD["substitutions"]["_RUNTIME"].removeprefix("python3")
    script = test["args"][-1]
    assert "CI=true" in test.get("env", [])
    assert f"uv python install {minor}" in script and f'PYTHON="$$(uv python find {minor})"' in script
    assert step("agent")["name"] == f"python:{minor}-slim"
    assert step("bytecode")["name"] == f"python:{minor}-slim"  # a 3.12 runtime ignores cpython-311 files


def test_one_family_of_images():
    for s in BUILD["steps"]:
        assert s["name"].startswith("gcr.io/google.com/cloudsdktool/google-cloud-cli:") or s["name"].startswith(
            "python:"
        ), s["name"]


def test_deploy_keeps_what_is_set_and_leaves_iam_alone():
    script = step("deploy")["args"][-1]
    assert "--update-env-vars=" in script and "--update-secrets=" in script and "--build-service-account=" in script
    assert "--set-env-vars" not in script and "--allow-unauthenticated" not in script
    assert "--ignore-file=.functionignore" in script


def test_function_upload_is_small_and_a_manual_build_gets_everything_it_runs():
    function = (ROOT / ".functionignore").read_text().split()
    for entry in (
        "tests/",
        "bench/",
        "data/",
        "*.zip",
        ".venv",
        "requirements-dev.txt",
        "node_modules/",
        ".basic-password",
    ):
        assert entry in function
    build = (ROOT / ".gcloudignore").read_text().split()  # `gcloud builds submit` uploads with this one
    for needed in ("scripts/", "tests/", "Makefile", "requirements-dev.txt", "firestore.indexes.json", "data/"):
        assert needed not in build
    assert ".venv" in build and ".basic-password" in build  # no slash: also a .venv symlink
    assert not [
        entry for entry in function if "pycache" in entry or entry.endswith(".pyc")
    ]  # the bytecode step's output


def test_the_bytecode_step_covers_everything_main_imports_of_ours():
    import compile_bytecode

    assert step("bytecode")["args"] == ["scripts/compile_bytecode.py"]
    ours = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    tree = ast.parse((ROOT / "main.py").read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported & ours <= set(compile_bytecode.SOURCES) and "main.py" in compile_bytecode.SOURCES


def test_shipped_bytecode_is_what_the_function_loads(tmp_path):
    """Compiled as the build step does, into a copy of the upload: a fresh interpreter then
    loads every module of ours from its .pyc (python -v says which), compiling none."""
    import shutil

    import compile_bytecode

    work = tmp_path / "function"
    work.mkdir()
    for name in compile_bytecode.SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, work / name)
    assert compile_bytecode.compile_all(work)
    result = subprocess.run(
        [sys.executable, "-v", "-c", "import main"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "WEBHOOK_ALLOW_UNAUTHENTICATED": "1", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    from_source = re.findall(rf"# code object from ({re.escape(str(work))}/\S+\.py)$", result.stderr, re.M)
    from_pyc = re.findall(rf"# code object from '({re.escape(str(work))}/\S+\.pyc)'", result.stderr)
    assert from_source == []
    assert len(from_pyc) >= 40  # main and the framework, intents, events


def test_runtime_requirements_are_pinned_and_lean():
    lines = [item for item in (ROOT / "requirements.txt").read_text().splitlines() if item and not item.startswith("#")]
    assert all("==" in item for item in lines)
    names = {item.split("==")[0] for item in lines}
    # google-cloud-pubsub publishes confirmed pages (imported on the first page, never at start)
    assert names == {
        "functions-framework",
        "google-cloud-firestore",
        "google-auth",
        "orjson",
        "babel",
        "google-cloud-pubsub",
    }


def test_deployed_function_does_not_import_dev_packages():
    code = (
        "import sys, main; heavy = [m for m in sys.modules if m.startswith(('google.cloud.dialogflow', "
        "'google.cloud.firestore', 'numpy', 'matplotlib', 'pytest', 'google.cloud.logging', 'babel', "
        "'google.cloud.pubsub', 'icalendar'))]; print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "WEBHOOK_ALLOW_UNAUTHENTICATED": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"  # Firestore and Babel load on first use, not at start
