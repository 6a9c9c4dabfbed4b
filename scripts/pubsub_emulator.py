"""Start and stop Google's Pub/Sub emulator (Cloud CLI component `pubsub-emulator`, Java)
for the event tests and `make run`. It does not sign push requests with OIDC tokens: see
fulfillment/push.py for how pushes are authenticated locally.

    python scripts/pubsub_emulator.py start   # prints PUBSUB_EMULATOR_HOST=..., runs until killed
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import emulator as firestore_emulator  # noqa: E402

ROOT = firestore_emulator.ROOT


def available() -> str:
    """'' when the emulator can run here, else why not."""
    gcloud = shutil.which("gcloud")
    if not gcloud or not shutil.which("java"):
        return "gcloud or java is not installed"
    sdk = Path(os.path.realpath(gcloud)).parent.parent
    if not any(
        (base / "platform" / "pubsub-emulator").exists()
        for base in (sdk, sdk / "lib" / "google-cloud-sdk", Path("/usr/lib/google-cloud-sdk"))
    ):
        return "the Cloud CLI component pubsub-emulator is not installed (gcloud components install pubsub-emulator)"
    return ""


def start(project: str, port: int | None = None) -> firestore_emulator.Emulator:
    port = port or firestore_emulator.free_port()
    host = f"127.0.0.1:{port}"
    log_path = ROOT / ".local" / f"pubsub-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        ["gcloud", "beta", "emulators", "pubsub", "start", f"--host-port={host}", f"--project={project}", "--quiet"],
        stdout=open(log_path, "wb"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        cwd=ROOT,
    )
    return firestore_emulator.wait_ready(
        firestore_emulator.Emulator(host, "google-pubsub", process), f"http://{host}/", "the Pub/Sub emulator", log_path
    )


if __name__ == "__main__":
    if sys.argv[1:2] != ["start"]:
        sys.exit(__doc__)
    emu = start(os.environ.get("GOOGLE_CLOUD_PROJECT", "demo-local"))
    firestore_emulator.serve_until_killed(emu, f"PUBSUB_EMULATOR_HOST={emu.host}")
