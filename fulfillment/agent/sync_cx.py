"""`agent push --cx` / `agent pull --cx`: the live Dialogflow CX agent against the code.

push restores the JSON package into an existing agent (`AgentsClient.restore_agent` on the
agent's regional endpoint, REGION-dialogflow.googleapis.com, waiting for the long-running
operation); pull exports the live agent as a JSON package and prints a diff against what
the code would export, field by field for the fields the code declares (a live export
carries many console defaults the code never sets; those are not drift).
"""

from __future__ import annotations

import difflib
import io
import json
import sys
import zipfile
from typing import Any

from fulfillment.agent import clients, export_cx
from fulfillment.agent.sync_es import wait


def endpoint_for(location: str) -> str:
    """CX agents outside `global` answer only on their region's endpoint."""
    return f"{location}-dialogflow.googleapis.com" if location and location != "global" else "dialogflow.googleapis.com"


def agents_client(location: str, endpoint: str | None = None, insecure: bool = False, credentials: Any = None) -> Any:
    from google.cloud import dialogflowcx_v3

    return clients.client(dialogflowcx_v3.AgentsClient, endpoint or endpoint_for(location), insecure, credentials)


def agent_name(project: str, location: str, agent: str) -> str:
    if agent.startswith("projects/"):
        return agent
    return f"projects/{project}/locations/{location or 'global'}/agents/{agent}"


def push(name: str, zip_bytes: bytes, client: Any, out: Any = sys.stderr) -> None:
    operation = client.restore_agent(request={"name": name, "agent_content": zip_bytes})
    wait(operation, f"restoring CX agent {name}", out)


def pull(name: str, client: Any, out: Any = sys.stderr) -> dict[str, Any]:
    from google.cloud import dialogflowcx_v3

    operation = client.export_agent(
        request={"name": name, "data_format": dialogflowcx_v3.ExportAgentRequest.DataFormat.JSON_PACKAGE}
    )
    response: Any = wait(operation, f"exporting CX agent {name}", out)
    with zipfile.ZipFile(io.BytesIO(response.agent_content)) as archive:
        return {path: json.loads(archive.read(path)) for path in archive.namelist() if path.endswith(".json")}


# Differ between exports without meaning anything: resource ids (CX assigns its own), counts, secrets.
_VOLATILE = {"name", "id", "numTrainingPhrases", "password", "projectNumber"}


def _declared(live: Any, code: Any) -> Any:
    """`live` cut down to the fields `code` declares (lists of objects: the union of their keys)."""
    if isinstance(code, dict) and isinstance(live, dict):
        return {k: _declared(live[k], code[k]) for k in code if k in live and k not in _VOLATILE}
    if isinstance(code, list) and isinstance(live, list):
        template = _merged(code)
        if isinstance(template, dict):
            return [_declared(item, template) if isinstance(item, dict) else item for item in live]
    return live


def _merged(items: list[Any]) -> Any:
    """One object holding every key any of `items` has (nested lists merged the same way)."""
    dicts = [item for item in items if isinstance(item, dict)]
    if not dicts:
        return None
    keys = dict.fromkeys(k for d in dicts for k in d)
    out: dict[str, Any] = {}
    for key in keys:
        values = [d[key] for d in dicts if key in d]
        if all(isinstance(v, list) for v in values):
            out[key] = [m] if (m := _merged([x for v in values for x in v])) is not None else values[0]
        elif all(isinstance(v, dict) for v in values):
            out[key] = _merged(values)
        else:
            out[key] = values[0]
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in sorted(value.items()) if k not in _VOLATILE}
    if isinstance(value, list):
        items = [_clean(v) for v in value]
        return (
            sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
            if all(isinstance(v, dict) for v in items)
            else items
        )
    return value


def diff(live: dict[str, Any], code: dict[str, Any]) -> str:
    """A unified diff per file, live agent (-) against the code (+); "" when they agree."""
    chunks: list[str] = []
    for path in sorted(set(live) | set(code)):
        if path in live and path in code:
            a_value: Any = _clean(_declared(live[path], code[path]))
        else:
            a_value = _clean(live.get(path))
        a = json.dumps(a_value, indent=2, ensure_ascii=False).splitlines() if path in live else []
        b = json.dumps(_clean(code[path]), indent=2, ensure_ascii=False).splitlines() if path in code else []
        if a != b:
            chunks.extend(difflib.unified_diff(a, b, f"live/{path}", f"code/{path}", lineterm="", n=2))
    return "\n".join(chunks)


def main(args: Any) -> int:
    from fulfillment.app import load_for_command_line

    if not args.agent:
        raise SystemExit("--cx needs --agent AGENT_ID (create the agent once in the console or with gcloud)")
    load_for_command_line()
    client = agents_client(args.location, args.endpoint, args.insecure)
    name = agent_name(args.project, args.location, args.agent)
    if args.agent_command == "push":
        data = open(args.zip, "rb").read() if args.zip else export_cx.build_zip()
        push(name, data, client)
        print(f"pushed {len(data)} bytes to {name}")
        return 0
    text = diff(pull(name, client), export_cx.files())
    print(text or "the live CX agent matches the code")
    return 1 if text else 0
