"""Watchkeeper's custom entity types (not an intent: the export and the agent read these)."""

import json
from pathlib import Path

from fulfillment import entity

SEED = Path(__file__).resolve().parent.parent / "data" / "seed.json"


def _services_and_teams() -> dict[str, list[str]]:
    """Every service and team with its aliases, from the demo data (export time only)."""
    data = json.loads(SEED.read_text())
    entries: dict[str, list[str]] = {}
    for group in ("services", "teams"):
        for ident, item in data[group].items():
            entries[ident] = sorted({ident, item["name"], *item.get("aliases", [])}, key=lambda s: (s.lower(), s))
    return entries


entity("service", _services_and_teams)
entity(
    "severity",
    {str(n): [str(n), f"sev {n}", f"sev{n}", f"severity {n}", f"p{n}"] for n in range(1, 5)}
    | {
        "1": ["1", "sev 1", "sev1", "severity 1", "p1", "critical"],
        "2": ["2", "sev 2", "sev2", "severity 2", "p2", "major"],
    },
    fuzzy=False,
    translations={
        "de": {"1": ["kritisch", "schweregrad 1"], "2": ["schwer", "schweregrad 2"]},
        "fr": {"1": ["critique", "gravité 1"], "2": ["majeur", "gravité 2"]},
        "es": {"1": ["crítico", "severidad 1"], "2": ["grave", "severidad 2"]},
        "pt_BR": {"1": ["crítico", "severidade 1"], "2": ["grave", "severidade 2"]},
        "ja": {"1": ["緊急", "重大度1"], "2": ["重大", "重大度2"]},
    },
)
