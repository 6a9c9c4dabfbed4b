"""Run the bootstrap and cloudbuild.yaml's steps here, against a recording stand-in for gcloud
(tests/fake_gcloud.py) placed where each step's image keeps gcloud:

  google-cloud-cli:emulators  .../google-cloud-sdk/bin/gcloud, nothing in .../usr/bin
  google-cloud-cli:slim       .../usr/bin/gcloud
  python:3.12-slim            no gcloud at all

Each image is a directory of its own under a temporary root (the real /google-cloud-sdk is
not ours to create on a shared machine); PATH holds only that image's directories, so a
step that finds gcloud anywhere else fails here as it would in Cloud Build. Tools a step
installs or runs besides gcloud (apt-get, pip, uv, make) are recording stubs; python3 is
the system's (the gcloud images' scripts must need only the standard library), python in
the python image is this venv's (pip install is a stub)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FAKE = Path(__file__).resolve().parent / "fake_gcloud.py"
BUILD = yaml.safe_load((ROOT / "cloudbuild.yaml").read_text())
TOOLS = [
    "bash",
    "sh",
    "env",
    "cat",
    "rm",
    "grep",
    "sed",
    "mkdir",
    "chmod",
    "sleep",
    "head",
    "tr",
    "dirname",
    "basename",
    "ls",
    "cp",
    "mv",
    "touch",
    "true",
    "false",
    "echo",
    "printf",
    "test",
    "[",
]
IMAGES: dict[str, dict[str, str | None]] = {
    "gcr.io/google.com/cloudsdktool/google-cloud-cli:emulators": {"gcloud": "google-cloud-sdk/bin", "python": "system"},
    "gcr.io/google.com/cloudsdktool/google-cloud-cli:slim": {"gcloud": "usr/bin", "python": "system"},
    "python:3.12-slim": {"gcloud": None, "python": "venv"},
}
STUB = """#!/bin/sh
printf '%s\\n' "$(basename "$0") $* | CI=${CI:-}" >> "$STUB_LOG"
if [ "$(basename "$0")" = uv ] && [ "$1" = python ] && [ "$2" = find ]; then echo /opt/uv/python$3/bin/python$3; fi
exit 0
"""


@dataclass
class Fake:
    """One fake Google project: the stand-in's state and what everyone called."""

    root: Path

    @property
    def state(self) -> dict:
        path = self.root / "state.json"
        return json.loads(path.read_text()) if path.exists() else {"objects": {}, "services": []}

    def calls(self, since: int = 0) -> list[dict]:
        path = self.root / "gcloud.log"
        lines = path.read_text().splitlines() if path.exists() else []
        return [json.loads(line) for line in lines[since:]]

    def stubs(self) -> list[str]:
        path = self.root / "stubs.log"
        return path.read_text().splitlines() if path.exists() else []

    def env(self) -> dict[str, str]:
        return {
            "FAKE_GCLOUD_STATE": str(self.root / "state.json"),
            "FAKE_GCLOUD_LOG": str(self.root / "gcloud.log"),
            "STUB_LOG": str(self.root / "stubs.log"),
            "HOME": str(self.root / "home"),
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
        }

    def image(self, name: str) -> str:
        """Lay out the image's directories once; return its PATH."""
        spec = IMAGES[name]
        base = self.root / "images" / re.sub(r"[^a-z0-9]+", "-", name)
        usr_bin = base / "usr" / "bin"
        if not base.exists():
            usr_bin.mkdir(parents=True)
            for tool in TOOLS:
                real = shutil.which(tool, path="/usr/bin:/bin")
                if real:
                    (usr_bin / tool).symlink_to(real)
            for stub in ("apt-get", "pip", "uv", "make"):
                (usr_bin / stub).write_text(STUB)
                (usr_bin / stub).chmod(0o755)
            for alias in ("python", "python3"):
                if spec["python"] == "venv":  # a venv's python finds its packages only when called by its path
                    (usr_bin / alias).write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
                    (usr_bin / alias).chmod(0o755)
                else:
                    (usr_bin / alias).symlink_to(shutil.which("python3", path="/usr/bin:/bin") or "python3")
            if spec["gcloud"]:
                where = base / spec["gcloud"]
                where.mkdir(parents=True, exist_ok=True)
                (where / "gcloud").write_text(f'#!/bin/sh\nFAKE_GCLOUD_AS="$0" exec {sys.executable} {FAKE} "$@"\n')
                (where / "gcloud").chmod(0o755)
        dirs = [base / "google-cloud-sdk" / "bin"] if spec["gcloud"] == "google-cloud-sdk/bin" else []
        return os.pathsep.join(str(d) for d in [*dirs, usr_bin])


def substitute(text: str, values: dict[str, str]) -> str:
    """Cloud Build's substitution: $$ is a dollar, $NAME / ${NAME} a substitution (unknown: an error)."""

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(2)
        if name not in values:
            raise KeyError(f"cloudbuild.yaml uses ${name}, which is neither built in nor declared")
        return values[name]

    return re.sub(r"\$\$|\$\{([A-Z_][A-Z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)", one, text)


def substitutions(project: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    built_in = {
        "PROJECT_ID": project,
        "SHORT_SHA": "abc1234",
        "COMMIT_SHA": "abc1234" * 5,
        "BUILD_ID": "b-1",
        "LOCATION": "europe-west1",
        "PROJECT_NUMBER": "123456789012",
        "BRANCH_NAME": "main",
    }
    return {**built_in, **{k: str(v) for k, v in BUILD["substitutions"].items()}, **(overrides or {})}


def workspace(dest: Path) -> Path:
    """What Cloud Build checks out into /workspace: the repository without local state."""
    shutil.copytree(
        ROOT,
        dest,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".local", "node_modules", "__pycache__", ".pytest_cache", ".hypothesis", "results", "*.zip"
        ),
    )
    return dest


def run_step(
    fake: Fake,
    step: dict,
    work: Path,
    values: dict[str, str],
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """One build step as Cloud Build runs it: its image's PATH, its env, its entrypoint and args."""
    args = [substitute(a, values) for a in step.get("args", [])]
    env = {
        "PATH": fake.image(step["name"]),
        **fake.env(),
        "FAKE_GCLOUD_PROJECT": values["PROJECT_ID"],
        **dict(e.split("=", 1) for e in step.get("env", [])),
        **(extra_env or {}),
    }
    entrypoint = step.get("entrypoint")
    found = shutil.which(entrypoint, path=env["PATH"]) if entrypoint else None
    assert found, f"step {step['id']}: {entrypoint} is not on the image's PATH"
    return subprocess.run(
        [found, *args], cwd=work, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


def run_bootstrap(
    fake: Fake, project: str, region: str, extra: list[str], stdin: str | None = None
) -> subprocess.CompletedProcess:
    """`make bootstrap` on a machine whose gcloud is not in /usr/bin (the slim layout's is elsewhere)."""
    env = {
        **os.environ,
        **fake.env(),
        "PATH": fake.image("gcr.io/google.com/cloudsdktool/google-cloud-cli:emulators"),
        "FAKE_GCLOUD_PROJECT": project,
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bootstrap.py"), f"--project={project}", f"--region={region}", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        input=stdin,
    )


def read_only(argv: list[str]) -> bool:
    words = [w for w in argv if not w.startswith("--")]
    return any(w in ("describe", "list", "get-iam-policy") for w in words)
