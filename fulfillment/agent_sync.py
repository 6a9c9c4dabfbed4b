"""`agent push` / `agent pull`: the live Dialogflow ES agent against the code.

push restores the exported zip into the agent (`AgentsClient.restore_agent`, waiting on
the long-running operation with a progress indicator); pull exports the live agent and
prints a readable diff against what the code would export.
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

from . import agent_export


def agents_client(endpoint: str | None = None, insecure: bool = False) -> Any:
    """The official client; pointed at `endpoint` (a local test server) when given."""
    from google.cloud import dialogflow_v2

    if endpoint and insecure:
        import grpc
        from google.auth.credentials import AnonymousCredentials
        from google.cloud.dialogflow_v2.services.agents.transports import AgentsGrpcTransport

        transport = AgentsGrpcTransport(channel=grpc.insecure_channel(endpoint), credentials=AnonymousCredentials())
        return dialogflow_v2.AgentsClient(transport=transport)
    options = {"api_endpoint": endpoint} if endpoint else None
    return dialogflow_v2.AgentsClient(client_options=options)


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


def push(project: str, location: str, zip_bytes: bytes, client: Any, out: TextIO = sys.stderr) -> None:
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
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True)) if all(isinstance(v, dict) for v in items) else items
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


def main(args: argparse.Namespace) -> int:
    agent_export.load_intents()
    client = agents_client(args.endpoint, args.insecure)
    if args.agent_command == "push":
        data = open(args.zip, "rb").read() if args.zip else agent_export.build_zip()
        push(args.project, args.location, data, client)
        print(f"pushed {len(data)} bytes to {parent(args.project, args.location)}")
        return 0
    text = diff(pull(args.project, args.location, client), agent_export.files())
    print(text or "the live agent matches the code")
    return 1 if text else 0
