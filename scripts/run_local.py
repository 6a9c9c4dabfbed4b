"""`make run`: a Firestore emulator with seeded demo data, and the webhook on
functions-framework (the same server the function runs on when deployed)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import emulator  # noqa: E402


def main() -> int:
    port = os.environ.get("PORT", "8080")
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
        print(f"Webhook on http://127.0.0.1:{port}/  (try: .venv/bin/python -m fulfillment say \"who is on call "
              f"for payments\" --intent oncall.current --param service=payments --url http://127.0.0.1:{port}/)",
              flush=True)
        server = subprocess.Popen([sys.executable, "-m", "functions_framework", "--target=webhook",
                                   "--host=127.0.0.1", f"--port={port}"], cwd=ROOT, env=os.environ.copy())
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        emu.stop()


if __name__ == "__main__":
    sys.exit(main())
