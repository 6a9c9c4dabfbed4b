"""`agent push` / `pull` / `describe` / `create` / `connect`: the live Dialogflow ES agent against the code.

push makes sure the agent exists (ES restores only into an existing agent), restores the
exported zip (`AgentsClient.restore_agent`), points its fulfillment at the webhook when told
to (a restore replaces those settings too), and waits for training, which goes on after
the restore is done; pull exports the live agent and prints a readable diff against what the
code would export. Regional agents live behind REGION-dialogflow.googleapis.com: the global
host refuses a regional parent.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import sys
import time
import zipfile
from typing import Any, TextIO

from fulfillment import app
from fulfillment.agent import clients, export_es
from fulfillment.settings import settings


def endpoint_for(location: str, endpoint: str | None = None) -> str | None:
    """The API host for a location: an explicit endpoint wins, then the regional host."""
    if endpoint:
        return endpoint
    if location and location != "global":
        return f"{location}-dialogflow.googleapis.com"
    return None


def _client(kind: str, endpoint: str | None, insecure: bool, location: str) -> Any:
    from google.cloud import dialogflow_v2

    return clients.client(getattr(dialogflow_v2, f"{kind}Client"), endpoint_for(location, endpoint), insecure)


def agents_client(endpoint: str | None = None, insecure: bool = False, location: str = "global") -> Any:
    """The official client: a local test server when `endpoint` is given, else the location's host."""
    return _client("Agents", endpoint, insecure, location)


def fulfillments_client(endpoint: str | None = None, insecure: bool = False, location: str = "global") -> Any:
    return _client("Fulfillments", endpoint, insecure, location)


def parent(project: str, location: str) -> str:
    return f"projects/{project}/locations/{location}" if location and location != "global" else f"projects/{project}"


def wait(operation: Any, what: str, out: TextIO = sys.stderr, poll: float = 0.5, timeout: float = 600) -> Any:
    """Wait for a long-running operation, showing that something is happening."""
    started = time.monotonic()
    spinner = "|/-\\"
    tick = 0
    while not operation.done():
        elapsed = time.monotonic() - started
        if elapsed > timeout:
            raise TimeoutError(f"{what} did not finish within {timeout:.0f} s")
        out.write(f"\r{what} {spinner[tick % 4]} {elapsed:5.1f}s")
        out.flush()
        tick += 1
        time.sleep(poll)
    out.write(f"\r{what} done in {time.monotonic() - started:.1f}s\n")
    return operation.result()


def describe(project: str, location: str, client: Any) -> Any:
    """The live agent, or None when the project has none in that location."""
    from google.api_core.exceptions import NotFound

    try:
        return client.get_agent(request={"parent": parent(project, location)})
    except NotFound:
        return None


def create(project: str, location: str, client: Any, language: str = "en") -> bool:
    """Create the agent if there is none; True when it was created."""
    if describe(project, location, client) is not None:
        return False
    client.set_agent(
        request={
            "agent": {
                "parent": parent(project, location),
                "display_name": app.agent_name(),
                "default_language_code": language,
                "time_zone": settings().agent_timezone,
            }
        }
    )
    return True


def connect(project: str, location: str, url: str, user: str, password: str, client: Any) -> None:
    """Point the agent's fulfillment at the webhook with basic auth (the password never leaves the call)."""
    client.update_fulfillment(
        request={
            "fulfillment": {
                "name": f"{parent(project, location)}/agent/fulfillment",
                "enabled": True,
                "generic_web_service": {"uri": url, "username": user, "password": password},
            },
            "update_mask": {"paths": ["enabled", "generic_web_service"]},
        }
    )


def train(project: str, location: str, client: Any, out: TextIO = sys.stderr) -> None:
    wait(client.train_agent(request={"parent": parent(project, location)}), "training the agent", out)


def push(project: str, location: str, zip_bytes: bytes, client: Any, out: TextIO = sys.stderr) -> None:
    """Create if absent, restore, then wait for training (the restore finishes first)."""
    if create(project, location, client):
        out.write(f"created the agent in {parent(project, location)}\n")
    operation = client.restore_agent(request={"parent": parent(project, location), "agent_content": zip_bytes})
    wait(operation, f"restoring agent into {parent(project, location)}", out)


def pull(project: str, location: str, client: Any, out: TextIO = sys.stderr) -> dict[str, object]:
    operation = client.export_agent(request={"parent": parent(project, location), "agent_uri": ""})
    response = wait(operation, f"exporting agent {parent(project, location)}", out)
    with zipfile.ZipFile(io.BytesIO(response.agent_content)) as archive:
        return {name: json.loads(archive.read(name)) for name in archive.namelist() if name.endswith(".json")}


_VOLATILE = {"id", "parentId", "rootParentId", "lastUpdate", "updated", "count", "password", "secondaryKey"}


def _normalise(value: Any) -> Any:
    """Drop what differs between exports without meaning anything (ids, timestamps, secrets)."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in sorted(value.items()) if k not in _VOLATILE}
    if isinstance(value, list):
        items = [_normalise(v) for v in value]
        return (
            sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
            if all(isinstance(v, dict) for v in items)
            else items
        )
    return value


def diff(live: dict[str, object], code: dict[str, object]) -> str:
    """A unified diff per file, live agent (-) against the code (+); "" when they agree."""
    chunks: list[str] = []
    for path in sorted(set(live) | set(code)):
        a = json.dumps(_normalise(live.get(path)), indent=2, ensure_ascii=False).splitlines() if path in live else []
        b = json.dumps(_normalise(code.get(path)), indent=2, ensure_ascii=False).splitlines() if path in code else []
        if a != b:
            chunks.extend(difflib.unified_diff(a, b, f"live/{path}", f"code/{path}", lineterm="", n=2))
    return "\n".join(chunks)


def _webhook(args: argparse.Namespace) -> tuple[str, str, str] | None:
    if not getattr(args, "webhook_url", None):
        return None
    password = open(args.password_file).read().strip() if args.password_file else ""
    return args.webhook_url, args.basic_user, password


def main(args: argparse.Namespace) -> int:
    endpoint = args.endpoint or settings().dialogflow_endpoint or None
    insecure = args.insecure or settings().dialogflow_insecure
    client = agents_client(endpoint, insecure, args.location)
    where = parent(args.project, args.location)
    if args.agent_command == "describe":
        agent = describe(args.project, args.location, client)
        print(f"{where}: {agent.display_name}" if agent is not None else f"{where}: no agent")
        return 0 if agent is not None else 3
    if args.agent_command == "create":
        print(f"created the agent in {where}" if create(args.project, args.location, client) else f"{where}: exists")
        return 0
    webhook = _webhook(args)
    if args.agent_command in ("push", "connect"):
        if args.agent_command == "push":
            app.load_for_command_line()
            data = open(args.zip, "rb").read() if args.zip else export_es.build_zip()
            push(args.project, args.location, data, client)
            print(f"pushed {len(data)} bytes to {where}")
        elif create(args.project, args.location, client):
            print(f"created the agent in {where}")
        if webhook:
            connect(args.project, args.location, *webhook, fulfillments_client(endpoint, insecure, args.location))
            print(f"fulfillment of {where} -> {webhook[0]} (basic auth as {webhook[1]!r})")
        if args.agent_command == "push":
            train(args.project, args.location, client)
        return 0
    app.load_for_command_line()
    text = diff(pull(args.project, args.location, client), export_es.files())
    print(text or "the live agent matches the code")
    return 1 if text else 0
