"""`make run`: a Firestore emulator with seeded demo data, and the webhook on
functions-framework (the same server the function runs on when deployed).

The webhook restarts by itself when a source file changes (main.py, fulfillment/, events/
and the intent packages), keeping the emulator and its data: edit an intent, ask again.

Where Google's Pub/Sub emulator is installed it starts too, with the topics alerts, builds
and pages, each pushing to the local server's /events/<topic>, so a confirmed page is
published and delivered like in production. The seeded people's routes point at a local
inbox on INBOX_PORT (8099) that prints each page it receives. Send a sample alert or
build with `make sample-alert` / `make sample-build` (scripts/sample_events.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import webhook_server  # noqa: E402

import emulator  # noqa: E402
import pubsub_emulator  # noqa: E402

TOPICS = ("alerts", "builds", "pages")


def server_command(port: int | str) -> list[str]:
    """functions-framework's server, as deployed, with a read deadline against slow clients
    (scripts/serve.py): nothing stands in front of it here."""
    return [sys.executable, str(ROOT / "scripts" / "serve.py"), "--host=127.0.0.1", f"--port={port}"]


def watched_files() -> dict[Path, float]:
    """Modification times of every source the webhook loads."""
    folders = [ROOT / "fulfillment", ROOT / "events"]
    for package in os.environ.get("INTENT_PACKAGES", "intents").split(","):
        for base in [ROOT, *map(Path, filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)))]:
            if (base / package.strip()).is_dir():
                folders.append(base / package.strip())
    files = [ROOT / "main.py", *(f for folder in folders for f in folder.rglob("*.py"))]
    return {f: f.stat().st_mtime for f in files if f.exists()}


def start_inbox(port: int) -> ThreadingHTTPServer | None:
    """A stand-in for Chat/Slack: prints every page POSTed to it."""

    class Inbox(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                text = json.loads(body).get("text", body.decode())
            except (ValueError, AttributeError):
                text = body.decode(errors="replace")
            print(f"\n[inbox {self.path}] {text}\n", flush=True)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), Inbox)
    except OSError:
        print(f"inbox port {port} is busy: pages will be retried, not shown", flush=True)
        return None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wire_pubsub(project: str, url: str, **subscription: Any) -> None:
    """One topic per event and a push subscription to /events/<topic> (extra subscription fields, e.g.
    a retry_policy, as given)."""
    from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient

    publisher, subscriber = PublisherClient(), SubscriberClient()
    for name in TOPICS:
        topic = publisher.topic_path(project, name)
        publisher.create_topic(name=topic)
        subscriber.create_subscription(
            request={
                "name": subscriber.subscription_path(project, f"{name}-push"),
                "topic": topic,
                "push_config": {"push_endpoint": f"{url}/events/{name}"},
                "ack_deadline_seconds": 10,
                **subscription,
            }
        )


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
        print(
            f"make run: port {port} is already in use (another `make run`?); "
            f"choose another with: PORT={int(port) + 1} make run",
            file=sys.stderr,
        )
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` cleans up like Ctrl-C does
    emu = emulator.start()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emu.host
    os.environ.setdefault("GOOGLE_CLOUD_PROJECT", "watchkeeper-local")
    server = pubsub = inbox = None
    try:
        from fulfillment import store

        import seed

        count = seed.seed(store.client())
        print(f"Firestore emulator ({emu.kind}) on {emu.host}, seeded {count} documents", flush=True)
        why = pubsub_emulator.available()
        if why:
            print(f"Pub/Sub emulator not started ({why}): pages stay queued", flush=True)
        else:
            pubsub = pubsub_emulator.start(os.environ["GOOGLE_CLOUD_PROJECT"])
            os.environ.update({"PUBSUB_EMULATOR_HOST": pubsub.host, "PAGES_TOPIC": "pages"})
            wire_pubsub(os.environ["GOOGLE_CLOUD_PROJECT"], f"http://127.0.0.1:{port}")
            print(f"Pub/Sub emulator on {pubsub.host}: topics {', '.join(TOPICS)} push to /events/<topic>", flush=True)
        inbox = start_inbox(int(os.environ.get("INBOX_PORT", "8099")))
        print(
            f"Webhook on http://127.0.0.1:{port}/  (try: PORT={port} .venv/bin/python -m fulfillment say "
            f'"who is on call for payments" --intent oncall.current --param service=payments; '
            f"PORT={port} make sample-alert; PORT={port} make sample-build)",
            flush=True,
        )
        print(
            "Edits to main.py, fulfillment/, intents/ and events/ restart the webhook; Ctrl-C stops everything.",
            flush=True,
        )
        server = serve(port)
        seen = watched_files()
        while True:
            time.sleep(0.5)
            now = watched_files()
            if now != seen:
                changed = sorted(
                    str(f.relative_to(ROOT)) if f.is_relative_to(ROOT) else str(f)
                    for f in set(now) ^ set(seen) | {f for f in now if now[f] != seen.get(f)}
                )
                print(
                    f"changed: {', '.join(changed[:3])}{' ...' if len(changed) > 3 else ''}: restarting the webhook",
                    flush=True,
                )
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
        if inbox is not None:
            inbox.shutdown()
        if pubsub is not None:
            pubsub.stop()
        emu.stop()


if __name__ == "__main__":
    sys.exit(main())
