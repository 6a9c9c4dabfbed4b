"""`make run`: a Firestore emulator with seeded demo data, and the webhook on
functions-framework (the same server the function runs on when deployed).

The webhook restarts by itself when a source file changes (main.py, fulfillment/, and the
intent packages), keeping the emulator and its data: edit an intent, ask again.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import webhook_server  # noqa: E402

import emulator  # noqa: E402


def server_command(port: int | str) -> list[str]:
    """functions-framework's server, as deployed, with a read deadline against slow clients
    (scripts/serve.py): nothing stands in front of it here."""
    return [sys.executable, str(ROOT / "scripts" / "serve.py"), "--host=127.0.0.1", f"--port={port}"]


def watched_files() -> dict[Path, float]:
    """Modification times of every source the webhook loads."""
    folders = [ROOT / "fulfillment"]
    for package in os.environ.get("INTENT_PACKAGES", "intents").split(","):
        for base in [ROOT, *map(Path, filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)))]:
            if (base / package.strip()).is_dir():
                folders.append(base / package.strip())
    files = [ROOT / "main.py", *(f for folder in folders for f in folder.rglob("*.py"))]
    return {f: f.stat().st_mtime for f in files if f.exists()}


def serve(port: str) -> subprocess.Popen:
    return subprocess.Popen(server_command(port), cwd=ROOT, env=os.environ.copy())


def stop(server: subprocess.Popen | None) -> None:
    if server is not None and server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    port = os.environ.get("PORT", "8080")
    if not webhook_server.port_is_free(port):
        print(f"make run: port {port} is already in use (another `make run`?); "
              f"choose another with: PORT={int(port) + 1} make run", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))     # `kill` cleans up like Ctrl-C does
    emu = emulator.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emu.host
    os.environ.setdefault("GOOGLE_CLOUD_PROJECT", "watchkeeper-local")
    server = None
    try:
        from fulfillment import store

        import seed

        count = seed.seed(store.client())
        print(f"Firestore emulator ({emu.kind}) on {emu.host}, seeded {count} documents", flush=True)
        print(f"Webhook on http://127.0.0.1:{port}/  (try: PORT={port} .venv/bin/python -m fulfillment say "
              f"\"who is on call for payments\" --intent oncall.current --param service=payments)", flush=True)
        print("Edits to main.py, fulfillment/ and intents/ restart the webhook; Ctrl-C stops everything.",
              flush=True)
        server = serve(port)
        seen = watched_files()
        while True:
            time.sleep(0.5)
            now = watched_files()
            if now != seen:
                changed = sorted(str(f.relative_to(ROOT)) if f.is_relative_to(ROOT) else str(f)
                                 for f in set(now) ^ set(seen) | {f for f in now if now[f] != seen.get(f)})
                print(f"changed: {', '.join(changed[:3])}{' ...' if len(changed) > 3 else ''}: restarting the webhook",
                      flush=True)
                seen = now
                stop(server)
                server = serve(port)
            elif server.poll() is not None:
                print("the webhook stopped (an import error? see above); it restarts on the next edit", flush=True)
                while watched_files() == seen:
                    time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        stop(server)
        emu.stop()


if __name__ == "__main__":
    sys.exit(main())
