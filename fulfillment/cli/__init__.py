"""Argument parsing for `python -m fulfillment`; each command lives in its own module."""

from __future__ import annotations

import argparse

from fulfillment.settings import settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fulfillment", description="Dialogflow fulfillment tools")
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser("latency-report", help="latency per intent from request logs")
    report.add_argument("files", nargs="+", help="log files: JSON lines or a JSON array, gzip or not; - for stdin")
    report.add_argument("--slo", help="latency SLO as PERCENT:MS, e.g. 99:1000")
    report.add_argument("--plot", help="write a latency CDF per intent to this PNG")
    report.add_argument("--quiet", action="store_true", help="no progress bar")

    agent = commands.add_parser("agent", help="the Dialogflow ES or CX agent, as code")
    agent_commands = agent.add_subparsers(dest="agent_command", required=True)
    export = agent_commands.add_parser("export", help="write an ES agent zip (or a CX package) from intents/")
    export.add_argument("--out", help="default agent.zip (ES) or agent-cx.zip (--cx)")
    export.add_argument("--cx", action="store_true", help="a Dialogflow CX JSON package")
    helps = {
        "push": "create if absent (ES), restore from the code, point at the webhook, train",
        "pull": "diff the live agent against the code",
        "describe": "exit 0 if the ES agent exists, 3 if not",
        "create": "create the ES agent if there is none",
        "connect": "create if absent, point at the webhook",
    }
    for name, text in helps.items():
        sub = agent_commands.add_parser(name, help=text)
        sub.add_argument("--project", required=True)
        sub.add_argument("--location", default="global", help="the agent's region (its regional API host is used)")
        if name in ("push", "pull"):
            sub.add_argument("--cx", action="store_true", help="a Dialogflow CX agent (needs --agent)")
            sub.add_argument("--agent", help="with --cx: the agent's id (or its full name)")
        else:
            sub.set_defaults(cx=False)
        sub.add_argument("--endpoint", help="API endpoint (host:port); default Dialogflow's own for the location")
        sub.add_argument("--insecure", action="store_true", help="plain-text gRPC (a local test server)")
        if name == "push":
            sub.add_argument("--zip", help="push this zip instead of exporting afresh")
        if name in ("push", "connect"):
            sub.add_argument("--webhook-url", help="set the fulfillment webhook to this URL")
            sub.add_argument("--basic-user", default="dialogflow", help="basic-auth user for the webhook")
            sub.add_argument("--password-file", help="file holding the basic-auth password (never on argv)")

    commands.add_parser("settings", help="the configuration table: every variable, its default and meaning")

    say = commands.add_parser("say", help="send one turn to a running webhook and show the reply")
    say.add_argument("text")
    say.add_argument("--intent", help="the intent Dialogflow would have matched (webhook mode)")
    say.add_argument("--param", action="append", default=[], metavar="K=V")
    say.add_argument(
        "--url",
        default=f"http://127.0.0.1:{settings().port}/",
        help="the webhook (default: 127.0.0.1 on the PORT setting, 8080)",
    )
    say.add_argument("--cx", action="store_true", help="send a CX request (the intent is the tag)")
    say.add_argument("--session", help="keep contexts across calls under this name")
    say.add_argument("--project", help="call the live agent's detect_intent instead")
    say.add_argument("--location", default="global", help="with --project: the agent's region")
    say.add_argument("--agent", help="with --project --cx: the CX agent's id")
    say.add_argument("--endpoint", help="with --project: API endpoint (host:port); default Dialogflow's own")
    say.add_argument("--insecure", action="store_true", help="with --endpoint: plain-text gRPC (a local test server)")
    say.add_argument("--language", default="en")
    say.add_argument("--user", default="", help="basic auth as USER:PASSWORD")
    say.add_argument("--json", action="store_true", help="also print the raw response")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "latency-report":
        from fulfillment.cli import report

        return report.main(args)
    if args.command == "settings":
        from fulfillment import app, settings

        app.load_for_command_line()
        print(settings.table(settings.Settings, *app.current().settings))
        return 0
    if args.command == "agent":
        if args.cx:
            from fulfillment.agent import export_cx, sync_cx

            if args.agent_command == "export":
                args.out = args.out or "agent-cx.zip"
                return export_cx.main(args)
            return sync_cx.main(args)
        from fulfillment.agent import export_es, sync_es

        if args.agent_command == "export":
            args.out = args.out or "agent.zip"
            return export_es.main(args)
        return sync_es.main(args)
    from fulfillment.cli import say

    return say.main(args)
