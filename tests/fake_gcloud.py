"""A recording stand-in for `gcloud` with just enough memory to answer describe-before-create.

Installed by tests/deploy_offline.py as an executable named `gcloud` wherever a build step's
image keeps it. Every call is appended to $FAKE_GCLOUD_LOG (argv and where it was found);
what `create`, `enable`, `deploy`, `update` and `add-iam-policy-binding` did is kept in
$FAKE_GCLOUD_STATE, so `describe`, `list` and `get-iam-policy` answer as Google would:
NOT_FOUND (exit 1) until created, and ALREADY_EXISTS (exit 1) on a second create.
Secret values arrive on stdin and are kept in the state, never in the log."""

from __future__ import annotations

import json
import os
import re
import sys

VERBS = {
    "describe",
    "create",
    "list",
    "enable",
    "update",
    "deploy",
    "get-iam-policy",
    "add-iam-policy-binding",
    "access",
    "print-access-token",
    "print-identity-token",
}
PROJECT_NUMBER = "123456789012"
FIELD_FLAGS = {  # a describe's field -> the create/update flag that set it
    "pushConfig.pushEndpoint": "--push-endpoint",
    "pushConfig.oidcToken.serviceAccountEmail": "--push-auth-service-account",
    "pushConfig.oidcToken.audience": "--push-auth-token-audience",
    "deadLetterPolicy.deadLetterTopic": "--dead-letter-topic",
    "deadLetterPolicy.maxDeliveryAttempts": "--max-delivery-attempts",
    "ackDeadlineSeconds": "--ack-deadline",
    "httpTarget.uri": "--uri",
    "httpTarget.oidcToken.serviceAccountEmail": "--oidc-service-account-email",
    "httpTarget.oidcToken.audience": "--oidc-token-audience",
    "schedule": "--schedule",
}


def parse(argv: list[str]) -> tuple[list[str], str, list[str], dict[str, list[str]]]:
    """(group words, verb, positionals after the verb, flags name -> values)."""
    words = [w for w in argv if not w.startswith("--")]
    flags: dict[str, list[str]] = {}
    for w in argv:
        if w.startswith("--"):
            name, _, value = w.partition("=")
            flags.setdefault(name, []).append(value if "=" in w else "true")
    verb_at = next(i for i, w in enumerate(words) if w in VERBS)
    return words[:verb_at], words[verb_at], words[verb_at + 1 :], flags


def field(obj: dict, name: str) -> str:
    flags = obj.get("flags", {})
    derived = {
        "locationId": flags.get("--location", [""])[0],
        "pointInTimeRecoveryEnablement": "POINT_IN_TIME_RECOVERY_ENABLED"
        if "--enable-pitr" in flags
        else "POINT_IN_TIME_RECOVERY_DISABLED",
        "deleteProtectionState": "DELETE_PROTECTION_ENABLED"
        if "--delete-protection" in flags
        else "DELETE_PROTECTION_DISABLED",
        "installationState.stage": os.environ.get("FAKE_GCLOUD_CONNECTION_STAGE", "COMPLETE"),
        "serviceConfig.uri": os.environ.get("FAKE_GCLOUD_FUNCTION_URL", "https://fn.example"),
        "name": obj["id"],
        "email": obj["id"],
        "projectNumber": PROJECT_NUMBER,
    }
    if name in FIELD_FLAGS:
        return flags.get(FIELD_FLAGS[name], [""])[-1]
    return derived.get(name, str(obj.get(name, "")))


def render(objs: list[dict], fmt: str) -> str:
    match = re.fullmatch(r"value\((.+)\)", fmt)
    if match:
        return "".join("\t".join(field(o, f.strip()) for f in match.group(1).split(",")) + "\n" for o in objs)
    return json.dumps(objs if len(objs) != 1 else objs[0])


def index_json(obj: dict, project: str, state: dict) -> dict:
    flags = obj["flags"]
    polls = state.setdefault("index_polls", {})
    polls[obj["id"]] = polls.get(obj["id"], 0) + 1
    fields = []
    for config in flags.get("--field-config", []):
        parts = dict(p.split("=", 1) for p in config.split(","))
        fields.append({"fieldPath": parts["field-path"], "order": parts.get("order", "ascending").upper()})
    database = flags.get("--database", ["(default)"])[0]
    return {
        "name": f"projects/{project}/databases/{database}/collectionGroups/{flags['--collection-group'][0]}"
        f"/indexes/{obj['id']}",
        "queryScope": flags.get("--query-scope", ["collection"])[0].upper().replace("-", "_"),
        "fields": fields + [{"fieldPath": "__name__", "order": fields[-1]["order"] if fields else "ASCENDING"}],
        "state": "CREATING" if polls[obj["id"]] < 2 else "READY",
    }


def main(argv: list[str]) -> int:
    state_path, log_path = os.environ["FAKE_GCLOUD_STATE"], os.environ["FAKE_GCLOUD_LOG"]
    state = json.load(open(state_path)) if os.path.exists(state_path) else {"objects": {}, "services": []}
    with open(log_path, "a") as log:
        log.write(
            json.dumps({"argv": argv, "as": os.environ.get("FAKE_GCLOUD_AS", sys.argv[0]), "cwd": os.getcwd()}) + "\n"
        )
    group, verb, rest, flags = parse(argv)
    project = flags.get("--project", [os.environ.get("FAKE_GCLOUD_PROJECT", "fake-project")])[0]
    fmt = flags.get("--format", ["json"])[0]
    if group and group[-1] in ("triggers", "connections") and verb == "create" and rest[:1] == ["github"]:
        rest = rest[1:]
    if group == ["scheduler", "jobs"] and verb in ("create", "update") and rest[:1] == ["http"]:
        rest = rest[1:]
    key = " ".join(group)
    ident = rest[0] if rest else (flags.get("--name") or flags.get("--database") or [project])[0]
    if key == "iam service-accounts" and verb == "create":
        ident = f"{ident}@{project}.iam.gserviceaccount.com"
    if key == "firestore fields ttls":
        ident = (
            f"projects/{project}/databases/{flags.get('--database', ['(default)'])[0]}/collectionGroups/"
            f"{flags.get('--collection-group', [''])[0]}/fields/{ident}"
        )
    if key in ("firestore backups schedules", "firestore indexes composite") and verb == "create":
        ident = f"{key.split()[1]}-{sum(1 for k in state['objects'] if k.startswith(key))}"
    objects: dict = state["objects"]
    name = f"{key}|{ident}"
    code, out, err = 0, "", ""
    if verb == "print-access-token" or verb == "print-identity-token":
        out = "fake-token\n"
    elif key == "projects" and verb == "describe":
        out = render([{"id": project, "flags": {}}], fmt)
    elif key == "services" and verb == "list":
        out = "".join(s + "\n" for s in state["services"])
    elif key == "services" and verb == "enable":
        state["services"] = sorted(set(state["services"]) | set(rest))
    elif key == "firestore indexes composite" and verb == "list":
        out = json.dumps([index_json(o, project, state) for k, o in objects.items() if k.startswith(key)])
    elif verb == "list":
        out = render([o for k, o in objects.items() if k.startswith(key + "|")], fmt)
    elif verb == "update" and key == "firestore fields ttls":  # a field's TTL is set, never created
        objects[name] = {"id": ident, "flags": flags}
    elif verb in ("describe", "get-iam-policy", "update") and name not in objects and key != "projects":
        code, err = 1, f"ERROR: (gcloud.{key.replace(' ', '.')}.{verb}) NOT_FOUND: {ident} was not found\n"
    elif verb == "describe":
        out = render([objects[name]], fmt)
    elif verb == "get-iam-policy":
        bindings: dict[str, list[str]] = {}
        for member, role in state.setdefault("policies", {}).get(name, []):
            bindings.setdefault(role, []).append(member)
        out = json.dumps({"bindings": [{"role": r, "members": m} for r, m in bindings.items()], "etag": "BwX="})
    elif verb == "add-iam-policy-binding":
        pair = [flags["--member"][0], flags["--role"][0]]
        policy = state.setdefault("policies", {}).setdefault(name, [])
        if pair not in policy:
            policy.append(pair)
    elif verb == "create" and name in objects:
        code, err = 1, f"ERROR: (gcloud.{key.replace(' ', '.')}.create) ALREADY_EXISTS: {ident} already exists\n"
    elif verb in ("create", "deploy"):
        data = sys.stdin.read() if flags.get("--data-file") == ["-"] else None
        objects[name] = {"id": ident, "flags": flags, **({"data": data} if data is not None else {})}
    elif verb == "update":
        objects[name]["flags"].update(flags)
    elif key == "secrets versions" and verb == "access":
        secret = objects.get(f"secrets|{flags['--secret'][0]}")
        if secret is None:
            code, err = 1, "ERROR: NOT_FOUND: secret\n"
        else:
            out = secret["data"]
    json.dump(state, open(state_path, "w"))
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
