"""Make sure the tools the suite needs can run here (run by `make` on first use):
a Firestore emulator — Google's (Google Cloud CLI component, Java) if installed, else the npm
fallback from package.json — and, best effort, wrk for the benchmarks."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import emulator  # noqa: E402

if emulator.google_available():
    print("Firestore emulator: Google's (gcloud emulators firestore)")
elif shutil.which("npm") and shutil.which("node"):
    print(
        "Google's Firestore emulator is not installed: using the npm fallback "
        "@firestore-emulator/server (weaker; some tests will skip and say why)"
    )
    subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=emulator.ROOT, check=True)
else:
    sys.exit(
        "No Firestore emulator: install the Google Cloud CLI with its cloud-firestore-emulator "
        "component and Java, or Node.js and npm for the fallback."
    )

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pubsub_emulator  # noqa: E402

if pubsub_emulator.available() and shutil.which("gcloud") and shutil.which("apt-get") and os.geteuid() == 0:
    print("installing Google's Pub/Sub emulator for the event tests (apt-get google-cloud-cli-pubsub-emulator)")
    subprocess.run(
        "apt-get install -y -qq google-cloud-cli-pubsub-emulator >/dev/null 2>&1 || "
        "gcloud components install pubsub-emulator --quiet >/dev/null 2>&1",
        shell=True,
        check=False,
    )
if pubsub_emulator.available():
    print(f"Pub/Sub emulator: {pubsub_emulator.available()}; the emulator-backed event tests will skip")

if not shutil.which("wrk") and shutil.which("apt-get") and os.geteuid() == 0:
    print("installing wrk for the benchmarks (apt-get)")
    subprocess.run(
        "apt-get install -y -qq wrk >/dev/null 2>&1 || "
        "(apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1)",
        shell=True,
        check=False,
    )
if not shutil.which("wrk"):
    print("wrk is not installed: the benchmark smoke test will skip (apt-get install wrk)")
