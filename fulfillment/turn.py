"""Turn: what the user said this turn, the same shape for Dialogflow ES and CX.

Built only by the dialect parsers (`es.parse`, `cx.parse`). Handlers read it through the
small accessors below, which absorb the messiness of real traffic: values that arrive as
strings, lists where one value is meant, nested entity objects and empty strings that mean
"not filled".
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Context:
    """An ES context by its short name (the last path segment of its full name)."""

    name: str
    lifespan: int | None = None
    parameters: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True)
class FormParameter:
    """A CX form parameter as the page reports it (state FILLED / EMPTY / INVALID)."""

    name: str
    state: str = ""
    value: Any = None
    required: bool = False
    just_collected: bool = False


@dataclass(frozen=True)
class Turn:
    """What the user said this turn, the same for ES and CX; handlers read it, never the JSON.

    @intent("oncall.current", params={"service": Param("@service", required=True)})
    def oncall_current(turn: Turn) -> Reply:
        name = turn.text("service")          # "payments", whatever shape the entity took
        return Reply.say(f"Looking up {name} for you ({turn.language or 'en'}).")
    """

    dialect: str  # "es" or "cx"
    intent: str = ""  # ES intent display name, or CX tag
    parameters: Mapping[str, Any] = field(default_factory=_empty)  # merged: contexts < query / session
    original: Mapping[str, Any] = field(default_factory=_empty)  # the `.original` spellings, apart
    contexts: Mapping[str, Context] = field(default_factory=_empty)  # ES, by short name
    session: str = ""  # full session path, "" when not sent
    session_id: str = ""
    language: str = ""
    query_text: str = ""
    event: str = ""  # CX triggerEvent / ES event name
    surface: str = "console"
    caller_id: str = ""
    turn_id: str = ""  # responseId / detectIntentResponseId
    page: str = ""  # CX current page display name
    form: Mapping[str, FormParameter] = field(default_factory=_empty)  # CX page form parameters
    raw: Mapping[str, Any] = field(default_factory=_empty, repr=False, compare=False)

    # ---- accessors handlers use -------------------------------------------------------
    def param(self, name: str, default: Any = None) -> Any:
        """The parameter's value as sent, or `default` when absent or not filled ("" / [] / {}).

        turn.param("date-period", {})     # {"startDate": ..., "endDate": ...} or {}
        """
        value = self.parameters.get(name)
        return default if _is_empty(value) else value

    def text(self, name: str, default: str = "") -> str:
        """The parameter as one string, whatever shape the entity gave it (a list takes its
        first filled item; `sys.person` gives its name).

            turn.text("service")               # "payments" from "payments", ["payments"] or {"name": ...}
        """
        return as_text(self.param(name)) or default

    def number(self, name: str, default: float | None = None) -> float | None:
        """The parameter as a finite float ("2.5", 2.5, [2.5], {"amount": 2.5}), else `default`.

        turn.number("minutes", 10.0)
        """
        return as_number(self.param(name), default)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """The parameter as an int (42.0 and "42" give 42), else `default`.

        number = turn.integer("number")    # None when the user gave no usable number
        """
        value = as_number(self.param(name), None)
        return default if value is None else int(value)

    def flag(self, name: str, default: bool = False) -> bool:
        """The parameter as a yes/no (true, "true", "yes", 1), else `default`.

        if turn.flag("urgent"): ...
        """
        return as_bool(self.param(name), default)

    def context(self, name: str) -> Context | None:
        """An ES input context by its short name, any case; None on CX or when not active.

        pending = turn.context("page-pending")
        target = pending.parameters.get("page_target") if pending else None
        """
        return self.contexts.get(name.lower())

    def memory(self, name: str) -> Mapping[str, Any] | None:
        """What a reply remembered under `name` (`Reply.remember`), from either dialect; None
        when nothing is (the ES context expired or was never set, the CX parameter is null).

            pending = turn.memory("page-pending")
            target = as_text(pending.get("target")) if pending else ""
        """
        if self.dialect == "es":
            found = self.context(name)
            return found.parameters if found is not None else None
        value = self.parameters.get(memory_key(name))
        return value if isinstance(value, Mapping) else None

    def has_context(self, name: str) -> bool:
        """Is this ES context active (any case)?

        if turn.has_context("awaiting-confirmation"): ...
        """
        return name.lower() in self.contexts


_FIELD_DEFAULTS: dict[str, Any] = {
    f.name: f.default if f.default is not MISSING else f.default_factory()  # type: ignore[operator]
    for f in fields(Turn)
    if f.init and f.name != "dialect"
}


def built(values: dict[str, Any]) -> Turn:
    """A Turn from a parser's checked values, the unnamed fields at their defaults: the same
    object as `Turn(**values)` without the frozen dataclass's one `object.__setattr__` per
    field, about half of parsing a welcome. For the dialect parsers, which run per request."""
    turn = object.__new__(Turn)
    state = turn.__dict__
    state.update(_FIELD_DEFAULTS)
    state.update(values)
    return turn


def memory_key(name: str) -> str:
    """The CX session parameter holding the memory `name` ("page-pending" -> "page_pending"):
    usable in CX conditions as `$session.params.page_pending`."""
    return name.lower().replace("-", "_")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def as_text(value: Any) -> str:
    """Flatten an entity value to a string: lists take their first filled item, objects
    their most telling field (`sys.person` has `name`, `unit-currency` `amount`+`currency`).

        as_text(pending.parameters.get("page_target"))     # a context value, not a parameter
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else (str(value) if math.isfinite(value) else "")
    if isinstance(value, (list, tuple)):
        for item in value:
            text = as_text(item)
            if text:
                return text
        return ""
    if isinstance(value, Mapping):
        for key in ("name", "original", "value", "text", "city", "street-address", "business-name"):
            text = as_text(value.get(key))
            if text:
                return text
        if "amount" in value:
            return " ".join(
                filter(None, [as_text(value.get("amount")), as_text(value.get("currency") or value.get("unit"))])
            )
        return ""
    return str(value)


def as_mapping(value: Any) -> Mapping[str, Any]:
    """An object field; Dialogflow sends `[]` or null for empty maps, odd callers worse: all {}."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    """A list field; anything else (a number, an object) reads as empty."""
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    """A scalar field as a string; objects and lists (wrong types from odd callers) as ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def as_number(value: Any, default: float | None = None) -> float | None:
    """Numbers arrive as 42, 42.0, "42", "#42", "sev1" or [42]; take the first number seen."""
    if isinstance(value, bool):
        return default
    if isinstance(value, float) and not math.isfinite(value):  # NaN / Infinity: no number
        return default
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        for item in value:
            number = as_number(item, None)
            if number is not None:
                return number
        return default
    if isinstance(value, Mapping):
        return as_number(value.get("amount", value.get("value")), default)
    if isinstance(value, str):
        digits = ""
        for ch in value.strip():
            if ch.isdigit() or (ch in ".-" and not digits.strip("-")):
                digits += ch
            elif digits.strip("-."):
                break
        try:
            number = float(digits)
        except ValueError:
            return default
        if not math.isfinite(number):
            return default
        return int(number) if number.is_integer() else number
    return default


def as_bool(value: Any, default: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "1", "on", "y"):
            return True
        if lowered in ("false", "no", "0", "off", "n"):
            return False
    return default
