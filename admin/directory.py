"""Sync services, teams and people (with how to reach each person) from a YAML file.

    teams:
      payments-team: {name: Payments, timezone: Europe/Berlin, aliases: [money team]}
    services:
      checkout: {name: Checkout, team: payments-team, tier: 1, aliases: [cart], slo_target: 99.95}
    people:
      tom-okafor:
        name: Tom Okafor
        timezone: Europe/London
        language: en-GB           # pages reach them in it (else the asker's language)
        team: payments-team
        route: {kind: slack, url: https://hooks.slack.com/services/T0/B0/XXXX}

Only the fields in the file are written (a service's live status and error budget stay);
documents missing from the file are listed and kept unless --prune. Every problem in the
file is reported with its line and field, and then nothing is written.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

SECTIONS = {"teams": "teams", "services": "services", "people": "people"}
FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "teams": {"name": str, "timezone": str, "aliases": list},
    "services": {
        "name": str,
        "team": str,
        "tier": int,
        "aliases": list,
        "slo_target": (int, float),
        "dashboard_url": str,
        "runbook_url": str,
    },
    "people": {"name": str, "timezone": str, "team": str, "route": dict, "email": str, "language": str},
}
REQUIRED = {"teams": ("name",), "services": ("name", "team"), "people": ("name",)}
ROUTE_KINDS = ("chat", "slack", "webhook")


class FileError(Exception):
    """The file is wrong: every problem, each with its line and field."""

    def __init__(self, path: str, problems: list[str]):
        super().__init__("\n".join(f"{path}:{p}" for p in problems))
        self.problems = problems


@dataclass
class Plan:
    """What applying would do, per collection: {id: changed fields} (new documents in full)."""

    create: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    update: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.create.values()) and not any(self.update.values())


def load(path: str, text: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The file's documents by collection, or `FileError` naming every problem."""
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}" if mark else "1"
        raise FileError(path, [f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    problems: list[str] = []
    out: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SECTIONS}
    if root is None:
        raise FileError(path, ["1: the file is empty"])
    if not isinstance(root, yaml.MappingNode):
        raise FileError(path, [f"{root.start_mark.line + 1}: expected teams:, services: and people: sections"])
    for key_node, section in root.value:
        line = key_node.start_mark.line + 1
        name = str(key_node.value)
        if name not in SECTIONS:
            problems.append(f"{line}: {name}: unknown section (teams, services or people)")
            continue
        if not isinstance(section, yaml.MappingNode):
            problems.append(f"{line}: {name}: expected a mapping of id -> fields")
            continue
        for id_node, body in section.value:
            ident = str(id_node.value)
            at = id_node.start_mark.line + 1
            if not ident or not all(c.isalnum() or c in "-_" for c in ident):
                problems.append(f"{at}: {name}.{ident}: ids are letters, digits, - and _")
            if not isinstance(body, yaml.MappingNode):
                problems.append(f"{at}: {name}.{ident}: expected fields (name: ...)")
                continue
            doc: dict[str, Any] = {}
            for field_node, value_node in body.value:
                fname = str(field_node.value)
                fline = field_node.start_mark.line + 1
                value = yaml.safe_load(yaml.serialize(value_node))
                problem = _check_field(name, fname, value)
                if problem:
                    problems.append(f"{fline}: {name}.{ident}.{fname}: {problem}")
                doc[fname] = value
            for required in REQUIRED[name]:
                if required not in doc:
                    problems.append(f"{at}: {name}.{ident}.{required}: missing")
            out[name][ident] = doc
    teams = set(out["teams"])
    for section in ("services", "people"):
        for ident, doc in out[section].items():
            if doc.get("team") and doc["team"] not in teams:
                line = _line_of(root, section, ident, "team")
                problems.append(f"{line}: {section}.{ident}.team: no team {doc['team']!r} in this file")
    if problems:
        raise FileError(path, problems)
    return out


def _check_field(section: str, name: str, value: Any) -> str:
    expected = FIELDS[section].get(name)
    if expected is None:
        return f"unknown field (known: {', '.join(FIELDS[section])})"
    if isinstance(value, bool) or not isinstance(value, expected):
        kind = expected.__name__ if isinstance(expected, type) else "number"
        return f"expected {kind}, got {type(value).__name__}"
    return _check_value(name, value)


def _check_value(name: str, value: Any) -> str:
    if name == "aliases" and not all(isinstance(a, str) for a in value):
        return "aliases are strings"
    if name == "timezone":
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception:
            return f"unknown time zone {value!r} (an IANA name like Europe/Berlin)"
    if name == "language" and not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", value):
        return f"not a language code {value!r} (like de, pt-BR)"
    if name == "slo_target" and not 0 < value < 100:
        return "a percentage between 0 and 100"
    if name == "route":
        if value.get("kind") not in ROUTE_KINDS:
            return f"route kind must be one of {', '.join(ROUTE_KINDS)}"
        url = urllib.parse.urlsplit(str(value.get("url", "")))
        if url.scheme != "https" or not url.hostname:
            return "route url must be an https URL"
        if set(value) - {"kind", "url"}:
            return f"unknown route field {sorted(set(value) - {'kind', 'url'})[0]!r}"
    return ""


def _line_of(root: Any, section: str, ident: str, fname: str) -> int:
    for key_node, body in root.value:
        if key_node.value == section:
            for id_node, doc in body.value:
                if id_node.value == ident:
                    for field_node, _ in doc.value:
                        if field_node.value == fname:
                            return int(field_node.start_mark.line) + 1
    return 1


def plan(db: Any, wanted: dict[str, dict[str, dict[str, Any]]]) -> Plan:
    """Compare the file with Firestore: what to create, which fields to change, what is extra."""
    result = Plan()
    for section, docs in wanted.items():
        current = {doc.id: doc.to_dict() or {} for doc in db.collection(SECTIONS[section]).stream(timeout=30)}
        result.create[section] = {i: d for i, d in docs.items() if i not in current}
        result.update[section] = {}
        for ident, doc in docs.items():
            if ident in current:
                changed = {k: v for k, v in doc.items() if current[ident].get(k) != v}
                if changed:
                    result.update[section][ident] = changed
        result.extra[section] = sorted(set(current) - set(docs))
    return result


def describe(result: Plan) -> list[str]:
    lines: list[str] = []
    for section in SECTIONS:
        for ident, doc in result.create.get(section, {}).items():
            lines.append(f"+ {section}/{ident}: {_show(doc)}")
        for ident, doc in result.update.get(section, {}).items():
            lines.append(f"~ {section}/{ident}: {_show(doc)}")
        for ident in result.extra.get(section, []):
            lines.append(f"  {section}/{ident}: not in the file (kept; --prune deletes)")
    return lines


def _show(doc: dict[str, Any]) -> str:
    def value(k: str, v: Any) -> str:
        if k == "route" and isinstance(v, dict):  # webhook URLs are secrets: host only
            return f"{v.get('kind')} via {urllib.parse.urlsplit(str(v.get('url', ''))).hostname}"
        return repr(v)

    return ", ".join(f"{k}={value(k, v)}" for k, v in doc.items())


def apply(db: Any, result: Plan, prune: bool = False) -> int:
    """Write the plan in batches; returns how many documents were written or deleted."""
    writes: list[tuple[str, str, dict[str, Any] | None]] = []
    for section in SECTIONS:
        writes += [(section, i, d) for i, d in result.create.get(section, {}).items()]
        writes += [(section, i, d) for i, d in result.update.get(section, {}).items()]
        if prune:
            writes += [(section, i, None) for i in result.extra.get(section, [])]
    for start in range(0, len(writes), 400):
        batch = db.batch()
        for section, ident, doc in writes[start : start + 400]:
            ref = db.collection(SECTIONS[section]).document(ident)
            if doc is None:
                batch.delete(ref)
            else:
                batch.set(ref, doc, merge=True)
        batch.commit(timeout=30)
    return len(writes)
