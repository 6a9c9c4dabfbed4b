"""Custom entity types: declared in the code next to the intents that use them, exported
with the agent (ES and CX), never consulted when serving a turn (Dialogflow resolves them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from fulfillment.i18n import DEFAULT as DEFAULT_LANGUAGE


@dataclass(frozen=True)
class EntityType:
    """A custom entity type. `entries` maps each canonical value to its synonyms, or is a
    function returning that map (called only by the agent export, never when serving)."""

    name: str
    entries: Mapping[str, list[str]] | Callable[[], Mapping[str, list[str]]]
    fuzzy: bool = True
    translations: Mapping[str, Mapping[str, list[str]]] = field(default_factory=dict)  # language -> value -> synonyms

    def resolved_entries(self, language: str = "") -> Mapping[str, list[str]]:
        """The entries for `language` (default: the default language). Every language has every
        canonical value, with the default language's synonyms plus its own."""
        base = self.entries() if callable(self.entries) else self.entries
        if not language or language == DEFAULT_LANGUAGE:
            return base
        extra = self.translations.get(language, {})
        return {value: list(dict.fromkeys([*synonyms, *extra.get(value, [])])) for value, synonyms in base.items()}


_entities: dict[str, EntityType] = {}


def entity(
    name: str,
    entries: Mapping[str, list[str]] | Callable[[], Mapping[str, list[str]]],
    fuzzy: bool = True,
    translations: Mapping[str, Mapping[str, list[str]]] | None = None,
) -> EntityType:
    """Declare a custom entity type, referenced by intents as "@name". `entries` maps each
    value to its synonyms, or is a function returning that map (called only when exporting);
    `translations` adds synonyms per language: {"de": {"1": ["kritisch"]}}.

        entity("severity", {"1": ["1", "sev 1", "critical"], "2": ["2", "sev 2", "major"]}, fuzzy=False)
    """
    declared = EntityType(name, entries, fuzzy, dict(translations or {}))
    _entities[name] = declared
    return declared


def entities() -> dict[str, EntityType]:
    return dict(_entities)
