"""The intent map: one decorator declares an intent and registers its handler.

    @intent("oncall.current", phrases=[...], params={"service": Param("@service", required=True)})
    def oncall_current(turn: Turn) -> Reply: ...

The same declaration feeds the router (ES display name and CX tag alike), the startup
check, the health endpoint and the agent export.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from fulfillment.i18n import DEFAULT as DEFAULT_LANGUAGE
from fulfillment.reply import Reply
from fulfillment.turn import Turn

log = logging.getLogger("fulfillment")

Handler = Callable[[Turn], Reply]


@dataclass(frozen=True)
class Param:
    """An intent parameter: its entity type, whether Dialogflow must collect it first, the
    prompt it asks with, and whether it takes a list.

        params={"service": Param("@service", required=True, prompt="For which service?"),
                "severity": Param("@sys.number")}
    """

    entity: str  # "@service", "@sys.number", ...
    required: bool = False
    prompt: str = ""
    is_list: bool = False


@dataclass(frozen=True)
class Intent:
    name: str
    handler: Handler
    phrases: tuple[str, ...] = ()
    params: Mapping[str, Param] = field(default_factory=dict)
    input_contexts: tuple[str, ...] = ()
    output_contexts: tuple[tuple[str, int], ...] = ()  # (name, lifespan)
    events: tuple[str, ...] = ()
    parent: str = ""  # followup intents: the parent's name
    aliases: tuple[str, ...] = ()  # other display names routed here ("Default Welcome Intent")
    fallback: bool = False  # the handler for unknown intents and ES fallback
    webhook: bool = True
    inline: bool = False  # no I/O: run on the request thread (see deadline.run)
    translated_phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # language -> phrases
    blocking: str = "any"  # what it may wait on: "any", "firestore" or "none"

    def phrases_in(self, language: str) -> tuple[str, ...]:
        """Training phrases for one language: `phrases` are the default language's."""
        return self.translated_phrases.get(language, ()) if language != DEFAULT_LANGUAGE else self.phrases

    @property
    def on_request_thread(self) -> bool:
        """Run without the worker-thread hand-off: nothing to wait on, or only Firestore,
        whose every RPC the store's interceptor already bounds by the time left."""
        return self.inline or self.blocking in ("none", "firestore")


BLOCKING = ("any", "firestore", "none")
_intents: dict[str, Intent] = {}
_lookup: dict[str, Intent] = {}


def intent(
    name: str,
    *,
    phrases: Iterable[str] | Mapping[str, Iterable[str]] = (),
    params: Mapping[str, Param] | None = None,
    input_contexts: Iterable[str] = (),
    output_contexts: Iterable[str | tuple[str, int]] = (),
    events: Iterable[str] = (),
    parent: str = "",
    aliases: Iterable[str] = (),
    fallback: bool = False,
    webhook: bool = True,
    inline: bool = False,
    blocking: str = "any",
) -> Callable[[Handler], Handler]:
    """Declare an intent and register the decorated function as its handler. `phrases` mark
    parameters as `[text](param)`; the declaration also feeds the agent export and /healthz.

        @intent("deploy.latest", phrases=["last deploy of [checkout](service)"],
                params={"service": Param("@service", required=True, prompt="Which service?")})
        def deploy_latest(turn: Turn) -> Reply:
            return Reply.say(f"Looking at {turn.text('service')}.")

    `phrases` is a list (the default language's) or a mapping language -> list, e.g.
    {"en": [...], "de": [...]}; every language's phrases go to both agent exports.

    `inline=True` is for handlers that do no I/O and return at once (a greeting, help): they
    run on the request thread, saving the ~100 µs hand-off to a worker thread, and the
    deadline cannot interrupt them.

    `blocking` says what the handler may wait on. "any" (the default: an HTTP call, a lock,
    a sleep) runs it on a worker thread that the request thread stops waiting for when the
    deadline comes. "firestore" means its only waits are Firestore RPCs through `store`,
    each of which is cut to the time left, so it runs on the request thread and saves the
    hand-off; declare it only when that is true. "none" is the same as `inline=True`."""
    if blocking not in BLOCKING:
        raise ValueError(f"intent {name!r}: blocking={blocking!r}, expected one of {', '.join(BLOCKING)}")

    by_language: dict[str, tuple[str, ...]] = (
        {lang: tuple(p) for lang, p in phrases.items()}
        if isinstance(phrases, Mapping)
        else {DEFAULT_LANGUAGE: tuple(phrases)}
    )
    default_phrases = by_language.pop(DEFAULT_LANGUAGE, ())

    def register(handler: Handler) -> Handler:
        declared = Intent(
            name,
            handler,
            default_phrases,
            dict(params or {}),
            tuple(input_contexts),
            tuple((c, 5) if isinstance(c, str) else (str(c[0]), int(c[1])) for c in output_contexts),
            tuple(events),
            parent,
            tuple(aliases),
            fallback,
            webhook,
            inline,
            dict(by_language),
            blocking,
        )
        for key in (name, *aliases):
            existing = _lookup.get(key.lower())
            if existing is not None and existing.handler is not handler:
                raise ValueError(
                    f"intent {key!r} is registered twice ({existing.handler.__module__} and {handler.__module__})"
                )
            _lookup[key.lower()] = declared
        _intents[name] = declared
        return handler

    return register


def intents() -> dict[str, Intent]:
    return dict(_intents)


def find(name: str) -> Intent | None:
    return _lookup.get(name.lower()) if name else None


def fallback_intent() -> Intent | None:
    return next((i for i in _intents.values() if i.fallback), None)


def intent_for(turn: Turn) -> Intent:
    """The intent that answers this turn. Unknown intents go to the declared fallback, or to a
    built-in polite one (`Intent.fallback` says which answered)."""
    found = find(turn.intent)
    if found is not None:
        return found
    if turn.intent:
        log.warning("no handler for intent %r; answered by the fallback", turn.intent)
    return fallback_intent() or _DEFAULT_FALLBACK


def _default_fallback(turn: Turn) -> Reply:
    return Reply.say("Sorry, I can't help with that yet.")


_DEFAULT_FALLBACK = Intent("(fallback)", _default_fallback, fallback=True, inline=True)


def prompt_for(turn: Turn, param: str) -> str:
    """The prompt the turn's intent declares for `param` (its msgid: translate it with `_`),
    so a handler asks with the very words the agent's form asks with.

        return Reply.say(_(prompt_for(turn, "service")))      # "Which service?"
    """
    declared = find(turn.intent)
    found = declared.params.get(param) if declared else None
    if found is None or not found.prompt:
        raise LookupError(f"intent {turn.intent!r} declares no prompt for {param!r}")
    return found.prompt


def load(*packages: str) -> list[str]:
    """Import every module of the intent packages (each registers itself); the startup check.

    Modules whose name starts with "_" are helpers, not intents."""
    for package in packages:
        pkg = importlib.import_module(package)
        for module in pkgutil.iter_modules(pkg.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{package}.{module.name}")
    problems = [
        f"{i.name}: parent {i.parent!r} is not declared"
        for i in _intents.values()
        if i.parent and i.parent not in _intents
    ]
    if problems:
        raise ValueError("intent declarations are inconsistent: " + "; ".join(problems))
    names = sorted(_intents)
    log.info("registered intents: %s", ", ".join(names))
    return names
