"""Make sure a Firestore emulator can start here: Google's (Google Cloud CLI component,
Java) if installed, else the npm fallback (installed from package.json). Run by `make`."""
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import emulator  # noqa: E402

if emulator.google_available():
    print("Firestore emulator: Google's (gcloud emulators firestore)")
elif shutil.which("npm") and shutil.which("node"):
    print("Google's Firestore emulator is not installed: using the npm fallback "
          "@firestore-emulator/server (weaker; some tests will skip and say why)")
    subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=emulator.ROOT, check=True)
else:
    sys.exit("No Firestore emulator: install the Google Cloud CLI with its cloud-firestore-emulator "
             "component and Java, or Node.js and npm for the fallback.")
