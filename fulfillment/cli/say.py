"""`python -m fulfillment say "TEXT" --intent NAME`: one turn, as a person would see it.

Builds the request Dialogflow would send for that turn (`simulate`), posts it to a running
webhook (http://127.0.0.1:8080/ by default) and prints the bubbles, chips, cards and the
contexts set. `--session NAME` keeps contexts (ES) or session parameters (CX) between calls
the way Dialogflow does (lifespans count down each turn), so a follow-up works:

    python -m fulfillment say "page checkout" --intent oncall.page --param service=checkout --session s
    python -m fulfillment say "yes" --intent oncall.page.confirm --session s

With `--project P` it asks the live agent instead (`SessionsClient.detect_intent`); with
`--project P --cx --agent A` the live CX agent (`dialogflowcx_v3.SessionsClient`, on the
agent's regional endpoint).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, TextIO

from fulfillment.agent import clients
from fulfillment.cli.simulate import cx_request, es_request

STATE_DIR = Path(".local") / "say"


def parse_params(pairs: list[str]) -> dict[str, Any]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--param needs K=V, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def load_state(name: str | None) -> dict[str, Any]:
    if name and (STATE_DIR / f"{name}.json").exists():
        return json.loads((STATE_DIR / f"{name}.json").read_text())
    return {"session_id": f"say-{uuid.uuid4().hex[:12]}", "contexts": {}, "params": {}}


def save_state(name: str | None, state: dict[str, Any]) -> None:
    if name:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        (STATE_DIR / f"{name}.json").write_text(json.dumps(state, indent=2))


def advance(state: dict[str, Any], response: dict[str, Any]) -> None:
    """Dialogflow's bookkeeping after a turn: lifespans count down, the webhook's contexts
    and session parameters apply on top."""
    state["contexts"] = {
        n: {**c, "lifespanCount": c["lifespanCount"] - 1}
        for n, c in state["contexts"].items()
        if c["lifespanCount"] > 1
    }
    for ctx in response.get("outputContexts", []):
        short = ctx["name"].rsplit("/", 1)[-1]
        if ctx.get("lifespanCount", 5) <= 0:
            state["contexts"].pop(short, None)
        else:
            state["contexts"][short] = {
                "name": short,
                "lifespanCount": ctx.get("lifespanCount", 5),
                "parameters": ctx.get("parameters", {}),
            }
    for key, value in (response.get("sessionInfo") or {}).get("parameters", {}).items():
        if value is None:
            state["params"].pop(key, None)
        else:
            state["params"][key] = value


def show(response: dict[str, Any], out: TextIO = sys.stdout) -> None:
    """The reply the way a chat surface would show it."""
    messages = response.get("fulfillmentMessages") or (response.get("fulfillmentResponse") or {}).get("messages", [])
    if not messages and response.get("fulfillmentText"):
        messages = [{"text": {"text": [response["fulfillmentText"]]}}]
    for message in messages:
        if "text" in message:
            for line in message["text"].get("text", []):
                out.write(f"  bot> {line}\n")
        elif "quickReplies" in message:
            out.write("  [ " + " ] [ ".join(message["quickReplies"].get("quickReplies", [])) + " ]\n")
        elif "card" in message:
            card = message["card"]
            out.write(f"  +-- {card.get('title', '')}\n")
            if card.get("subtitle"):
                out.write(f"  |   {card['subtitle']}\n")
            for button in card.get("buttons", []):
                out.write(f"  |   ({button.get('text')}) -> {button.get('postback')}\n")
            out.write("  +--\n")
        elif "image" in message:
            out.write(f"  [image] {message['image'].get('imageUri')}\n")
        elif "simpleResponses" in message:  # Actions on Google rich messages
            for simple in message["simpleResponses"].get("simpleResponses", []):
                out.write(f"  bot> {simple.get('displayText') or simple.get('textToSpeech', '')}\n")
        elif "basicCard" in message:
            card = message["basicCard"]
            out.write(f"  +-- {card.get('title', '')}\n  |   {card.get('formattedText', '')}\n  +--\n")
        elif "suggestions" in message:
            out.write(
                "  [ "
                + " ] [ ".join(s.get("title", "") for s in message["suggestions"].get("suggestions", []))
                + " ]\n"
            )
        elif "outputAudioText" in message:
            out.write(
                f"  (speaks) {message['outputAudioText'].get('ssml') or message['outputAudioText'].get('text')}\n"
            )
        elif "payload" in message:
            rich = message["payload"].get("richContent")
            if rich:
                for entry in (e for row in rich for e in row):
                    if entry.get("type") == "chips":
                        out.write("  [ " + " ] [ ".join(o["text"] for o in entry["options"]) + " ]\n")
                    else:
                        out.write(f"  <{entry.get('type')}> {entry.get('title') or entry.get('text') or ''}\n")
            else:
                out.write(f"  (payload) {json.dumps(message['payload'])[:200]}\n")
        elif "endInteraction" in message:
            out.write("  (conversation ends)\n")
    for ctx in response.get("outputContexts", []):
        short = ctx["name"].rsplit("/", 1)[-1]
        action = "cleared" if ctx.get("lifespanCount", 5) == 0 else f"set for {ctx.get('lifespanCount', 5)} turns"
        out.write(f"  (context {short} {action})\n")
    for key, value in ((response.get("sessionInfo") or {}).get("parameters") or {}).items():
        out.write(f"  (session parameter {key} {'cleared' if value is None else 'set'})\n")  # CX memory
    if response.get("followupEventInput"):
        out.write(f"  (follow-up event {response['followupEventInput']['name']})\n")


def post(url: str, body: dict, user: str = "") -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if user:
        headers["Authorization"] = "Basic " + base64.b64encode(user.encode()).decode()
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main(args: argparse.Namespace) -> int:
    if args.project:
        return _live_cx(args) if args.cx else _live(args)
    if not args.intent:
        raise SystemExit("--intent is needed when talking to a webhook directly (or use --project)")
    state = load_state(args.session)
    params = parse_params(args.param)
    if args.cx:
        body = cx_request(
            args.intent,
            args.text,
            {**state["params"], **params},
            session_id=state["session_id"],
            language=args.language,
        )
    else:
        body = es_request(
            args.intent,
            args.text,
            params,
            session_id=state["session_id"],
            contexts=list(state["contexts"].values()),
            language=args.language,
        )
    print(f"  you> {args.text}")
    try:
        status, response = post(args.url, body, args.user)
    except OSError as error:
        print(
            f"cannot reach the webhook at {args.url}: {error} (is the webhook running on that port?)", file=sys.stderr
        )
        return 2
    if status != 200:
        print(f"  webhook answered {status}: {response.get('error', response)}", file=sys.stderr)
        return 1
    show(response)
    if args.json:
        print(json.dumps(response, indent=2, ensure_ascii=False))
    advance(state, response)
    save_state(args.session, state)
    return 0


def sessions_client(endpoint: str | None = None, insecure: bool = False, location: str = "global") -> Any:
    """The official SessionsClient: the regional endpoint for a regional agent, or `endpoint`."""
    from google.cloud import dialogflow_v2

    from fulfillment.agent.sync_es import endpoint_for

    return clients.client(dialogflow_v2.SessionsClient, endpoint_for(location, endpoint), insecure)


def _live(args: argparse.Namespace) -> int:
    """Ask the live agent (`detect_intent`, with your credentials) and show its reply the same way."""
    from google.cloud import dialogflow_v2

    state = load_state(args.session)
    client = sessions_client(args.endpoint, args.insecure, args.location)
    if args.location and args.location != "global":
        session = f"projects/{args.project}/locations/{args.location}/agent/sessions/{state['session_id']}"
    else:
        session = f"projects/{args.project}/agent/sessions/{state['session_id']}"
    query = dialogflow_v2.QueryInput(text=dialogflow_v2.TextInput(text=args.text, language_code=args.language))
    result = client.detect_intent(request={"session": session, "query_input": query}).query_result
    response = json.loads(dialogflow_v2.QueryResult.to_json(result))
    print(f"  you> {args.text}   (matched {result.intent.display_name or 'nothing'})")
    show(response)
    if args.json:
        print(json.dumps(response, indent=2, ensure_ascii=False))
    save_state(args.session, state)  # the agent keeps the contexts; we keep the session id
    return 0


def cx_sessions_client(endpoint: str | None = None, insecure: bool = False, location: str = "global") -> Any:
    """The official CX SessionsClient on the agent's regional endpoint, or on `endpoint`."""
    from google.cloud import dialogflowcx_v3

    from fulfillment.agent.sync_cx import endpoint_for

    return clients.client(dialogflowcx_v3.SessionsClient, endpoint or endpoint_for(location), insecure)


def _live_cx(args: argparse.Namespace) -> int:
    """Ask the live CX agent (`detect_intent`) and show its reply the same way."""
    from google.cloud import dialogflowcx_v3

    from fulfillment.agent.sync_cx import agent_name

    if not args.agent:
        raise SystemExit("--project with --cx needs --agent AGENT_ID")
    state = load_state(args.session)
    client = cx_sessions_client(args.endpoint, args.insecure, args.location)
    session = f"{agent_name(args.project, args.location, args.agent)}/sessions/{state['session_id']}"
    query = dialogflowcx_v3.QueryInput(text=dialogflowcx_v3.TextInput(text=args.text), language_code=args.language)
    result = client.detect_intent(request={"session": session, "query_input": query}).query_result
    data = json.loads(dialogflowcx_v3.QueryResult.to_json(result))
    matched = result.match.intent.display_name or result.intent.display_name or "nothing"
    print(f"  you> {args.text}   (matched {matched})")
    show({"fulfillmentResponse": {"messages": data.get("responseMessages", [])}})
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    save_state(args.session, state)  # the agent keeps the session's parameters; we keep its id
    return 0
