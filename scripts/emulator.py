"""Start, reset and stop a local Firestore emulator for `make run` and `make test`.

Google's emulator (Google Cloud CLI component `cloud-firestore-emulator`, needs Java) is
used where installed. Otherwise the npm package `@firestore-emulator/server` (pinned in
package.json, launched by scripts/firestore-fallback.mjs on 127.0.0.1 only) stands in; it
is weaker (no transaction isolation, non-atomic batches, no collection-group queries,
cursors/offset ignored) and tests that need those skip on it, saying why.

    python scripts/emulator.py start   # prints FIRESTORE_EMULATOR_HOST=..., runs until killed
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Emulator:
    host: str  # gRPC host:port for FIRESTORE_EMULATOR_HOST
    kind: str  # "google" or "npm-fallback"
    process: subprocess.Popen
    control: str = ""  # host:port of the HTTP endpoints (ready, reset)

    def __post_init__(self):
        self.control = self.control or self.host

    @property
    def weak(self) -> bool:
        return self.kind != "google"

    def reset(self, project: str) -> None:
        """Delete every document of the project's default database."""
        request = urllib.request.Request(
            f"http://{self.control}/emulator/v1/projects/{project}/databases/(default)/documents", method="DELETE"
        )
        urllib.request.urlopen(request, timeout=10).read()

    def stop(self) -> None:
        """Stop the emulator and everything it started (gcloud -> shell -> java)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # stragglers (the java child)
        except ProcessLookupError:
            pass


def free_port() -> int:
    """A free loopback port whose successor is free too (the fallback's HTTP endpoints)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        try:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free loopback port pair")


def google_available() -> bool:
    gcloud = shutil.which("gcloud")
    if not gcloud or not shutil.which("java"):
        return False
    sdk = Path(os.path.realpath(gcloud)).parent.parent
    return any(
        (base / "platform" / "cloud-firestore-emulator").exists()
        for base in (sdk, sdk / "lib" / "google-cloud-sdk", Path("/usr/lib/google-cloud-sdk"))
    )


def start(port: int | None = None, log_path: Path | None = None, prefer: str = "") -> Emulator:
    port = port or free_port()
    host = f"127.0.0.1:{port}"
    kind = prefer or os.environ.get("WATCHKEEPER_EMULATOR") or ("google" if google_available() else "npm-fallback")
    if kind == "google":
        command = ["gcloud", "emulators", "firestore", "start", f"--host-port={host}", "--quiet"]
    else:
        node_modules = ROOT / "node_modules" / "@firestore-emulator" / "server"
        if not node_modules.exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
        command = ["node", str(ROOT / "scripts" / "firestore-fallback.mjs"), str(port)]
    log_path = log_path or ROOT / ".local" / f"emulator-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, cwd=ROOT
    )
    control = host if kind == "google" else f"127.0.0.1:{port + 1}"
    return wait_ready(
        Emulator(host, kind, process, control), f"http://{control}/", f"the {kind} Firestore emulator", log_path
    )


def wait_ready(emulator: Emulator, url: str, what: str, log_path: Path, timeout_s: float = 60) -> Emulator:
    """The emulator once `url` answers; RuntimeError (pointing at its log) if it exits or stays silent."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if emulator.process.poll() is not None:
            raise RuntimeError(f"{what} exited; see {log_path}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return emulator
        except OSError:
            time.sleep(0.1)
    emulator.stop()
    raise RuntimeError(f"{what} did not answer within {timeout_s:.0f} s; see {log_path}")


def serve_until_killed(emulator: Emulator, announce: str) -> None:
    """`python scripts/<emulator>.py start`: say where it is, run until interrupted, stop it."""
    print(announce, flush=True)
    try:
        emulator.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    if sys.argv[1:] != ["start"]:
        sys.exit(__doc__)
    emulator = start()
    serve_until_killed(emulator, f"FIRESTORE_EMULATOR_HOST={emulator.host}  ({emulator.kind})")
