"""Reply: what to answer, the same shape for Dialogflow ES and CX.

Handlers build it fluently and never see the wire format:

    Reply.say("Ana is on call.").chips("Page Ana", "Open incidents")

A Reply is immutable: every method returns a new one. A handler that runs past the deadline
therefore cannot change a reply that is already on its way out. Rendering (which JSON each
dialect and surface gets) lives in `es.py` and `cx.py`.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Concatenate, Generic, Mapping, ParamSpec, Sequence

_P = ParamSpec("_P")

# ---- messages, in the order the user sees them ------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Speech:
    """Spoken output. `ssml` is sent to voice surfaces; `display` to screens."""

    ssml: str
    display: str


@dataclass(frozen=True)
class Chips:
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Button:
    """A link button on a card.

    Reply.card("Checkout", buttons=[Button("Status page", "https://status.example.com/checkout")])
    """

    title: str
    url: str


@dataclass(frozen=True)
class Card:
    title: str
    subtitle: str = ""
    image_url: str = ""
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Image:
    url: str
    alt: str = ""


@dataclass(frozen=True)
class ListItem:
    """One entry of `Reply.list`; `key` is what selecting it says back (defaults to the title).

    ListItem("#42 Visa failing", "sev 1, payments", key="incident 42")
    """

    title: str
    description: str = ""
    key: str = ""  # what selecting it says back (ES option key / a chip's text)


@dataclass(frozen=True)
class ItemList:
    title: str
    items: tuple[ListItem, ...]


@dataclass(frozen=True)
class LinkOut:
    title: str
    url: str


@dataclass(frozen=True)
class Payload:
    """A raw custom payload for one surface ("slack", "telegram", "google", "messenger",
    or "" for the generic custom payload)."""

    surface: str
    data: Mapping[str, Any]


Message = Text | Speech | Chips | Card | Image | ItemList | LinkOut | Payload

# ---- effects on the conversation --------------------------------------------------------


@dataclass(frozen=True)
class ContextSet:
    name: str
    lifespan: int = 5
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Memory:
    """Something to recall on later turns (`Reply.remember`); lifespan 0 forgets it."""

    name: str
    lifespan: int
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Followup:
    event: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    language: str = ""


@dataclass(frozen=True)
class FormParameterState:
    name: str
    state: str  # "EMPTY" / "INVALID" / "FILLED" (CX ParameterState)
    value: Any = None
    required: bool | None = None


class _Starter(Generic[_P]):
    """Lets `Reply.say(...)` start a reply from the class as well as extend one; typed so that
    both `Reply.say("x")` and `reply.say("x")` are seen as returning a Reply."""

    def __init__(self, func: Callable[Concatenate[Reply, _P], Reply]) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj: Reply | None, owner: type[Reply]) -> Callable[_P, Reply]:
        target = obj if obj is not None else owner()
        return self.func.__get__(target, owner)


@dataclass(frozen=True)
class Reply:
    """What to answer, the same for ES and CX, built fluently; every method returns a new Reply.

        return (Reply.say("Ana is on call for Payments.")
                .chips("Page Ana", "Open incidents")
                .set_context("last-service", 5, service="payments"))

    Messages come out in the order added; `es.render` / `cx.render` write each dialect's JSON
    for the caller's surface (console, Messenger, Slack, Telegram, Assistant, telephony)."""

    messages: tuple[Message, ...] = ()
    contexts: tuple[ContextSet, ...] = ()  # ES: set (lifespan 0 deletes)
    memories: tuple[Memory, ...] = ()  # either dialect: remembered / forgotten
    followup: Followup | None = None  # ES followup event
    session_params: Mapping[str, Any] = field(default_factory=dict)  # CX; a None value deletes
    form: tuple[FormParameterState, ...] = ()  # CX form parameter states
    target_page: str = ""
    target_flow: str = ""
    merge: str = ""  # CX: "APPEND" or "REPLACE"
    end: bool = False  # end the conversation / interaction
    handoff: Mapping[str, Any] | None = None  # CX live agent hand-off metadata

    def _add(self, message: Message) -> "Reply":
        return replace(self, messages=self.messages + (message,))

    # -- messages --
    @_Starter
    def say(self, *texts: str) -> "Reply":
        """One text bubble per argument.

        Reply.say("Ana is on call.", "She is in Lisbon.")
        """
        reply = self
        for text in texts:
            reply = reply._add(Text(str(text)))
        return reply

    @_Starter
    def speak(self, ssml: str, display: str = "") -> "Reply":
        """Speech with SSML for voice surfaces; `display` is shown on screens (defaults to the SSML's words).

        Reply.speak("Ana is on call.<break time='300ms'/>Page her?", display="Ana is on call. Page her?")
        """
        ssml = ssml if ssml.lstrip().startswith("<speak>") else f"<speak>{ssml}</speak>"
        return self._add(Speech(ssml, display or strip_ssml(ssml)))

    @_Starter
    def chips(self, *labels: str) -> "Reply":
        """Suggestion chips (quick replies); empty labels are dropped.

        Reply.say("Anything else?").chips("Open incidents", "Who is on call")
        """
        return self._add(Chips(tuple(str(label) for label in labels if label)))

    @_Starter
    def card(
        self, title: str, subtitle: str = "", image_url: str = "", buttons: tuple[Button, ...] | list[Button] = ()
    ) -> "Reply":
        """A card with optional subtitle, image and link buttons.

        Reply.card("Checkout: degraded", "SLO 99.95%", buttons=[Button("Dashboard", "https://...")])
        """
        return self._add(Card(title, subtitle, image_url, tuple(buttons)))

    @_Starter
    def image(self, url: str, alt: str = "") -> "Reply":
        """An image, with alt text for screen readers and text-only surfaces.

        Reply.image("https://example.com/graph.png", "Error rate, last hour")
        """
        return self._add(Image(url, alt))

    @_Starter
    def list(self, title: str, items: Sequence[ListItem]) -> "Reply":
        """A selectable list; selecting an item says its `key` (or title) back.

        Reply.list("Open incidents", [ListItem("#42 Visa failing", "sev 1", key="incident 42")])
        """
        return self._add(ItemList(title, tuple(items)))

    @_Starter
    def link(self, title: str, url: str) -> "Reply":
        """A link-out suggestion (a button that opens a URL).

        Reply.say("Runbook:").link("Open the runbook", "https://runbooks.example.com/payments")
        """
        return self._add(LinkOut(title, url))

    @_Starter
    def payload(self, surface: str, data: Mapping[str, Any]) -> "Reply":
        """A raw custom payload for one surface ("slack", "telegram", "google", "messenger", or
        "" for the generic one), sent as is.

            Reply.say("Done.").payload("slack", {"blocks": [{"type": "divider"}]})
        """
        return self._add(Payload(surface, data))

    # -- effects --
    @_Starter
    def remember(self, name: str, lifespan: int = 5, **values: Any) -> "Reply":
        """Keep `values` under `name` for later turns, in either dialect; read them back with
        `turn.memory(name)`. ES: the output context `name` for `lifespan` turns (so an intent
        can require it as an input context). CX: the session parameter `memory_key(name)`,
        kept until forgotten (CX sessions have no lifespans).

            Reply.say("Page Ana?").remember("page-pending", 2, target="Ana")
        """
        kept = tuple(m for m in self.memories if m.name != name)
        return replace(self, memories=kept + (Memory(name, max(0, int(lifespan)), values),))

    @_Starter
    def forget(self, name: str) -> "Reply":
        """Drop what was remembered under `name` (ES: the context; CX: the session parameter).

        Reply.say("OK, nothing sent.").forget("page-pending")
        """
        return self.remember(name, 0)

    @_Starter
    def set_context(self, name: str, lifespan: int = 5, **parameters: Any) -> "Reply":
        """Set an ES output context for `lifespan` turns (0 deletes it); on CX its parameters
        become session parameters.

            Reply.say("Page Ana?").set_context("page-pending", 2, page_target="Ana")
        """
        kept = tuple(c for c in self.contexts if c.name != name)
        return replace(self, contexts=kept + (ContextSet(name, lifespan, parameters),))

    @_Starter
    def delete_context(self, name: str) -> "Reply":
        """Delete an ES context (lifespan 0).

        Reply.say("Cancelled.").delete_context("page-pending")
        """
        return self.set_context(name, 0)

    @_Starter
    def followup_event(self, event: str, language: str = "", **parameters: Any) -> "Reply":
        """Trigger an ES follow-up event (Dialogflow then matches the intent listening for it).

        Reply.followup_event("page-confirmed", service="checkout")
        """
        return replace(self, followup=Followup(event, parameters, language))

    @_Starter
    def set_session(self, **parameters: Any) -> "Reply":
        """CX session parameters; pass None to delete one.

        Reply.say("Noted.").set_session(service="checkout", pending=None)
        """
        return replace(self, session_params={**self.session_params, **parameters})

    @_Starter
    def form_state(self, name: str, state: str, value: Any = None, required: bool | None = None) -> "Reply":
        """Report a CX form parameter's state (EMPTY, INVALID or FILLED) back to the page.

        Reply.say("That is not an incident number.").form_state("number", "INVALID", required=True)
        """
        state = {"VALID": "FILLED"}.get(state.upper(), state.upper())
        if state not in ("EMPTY", "INVALID", "FILLED"):
            raise ValueError(f"form state must be EMPTY, INVALID or FILLED, not {state!r}")
        return replace(self, form=self.form + (FormParameterState(name, state, value, required),))

    @_Starter
    def goto(self, page: str = "", flow: str = "") -> "Reply":
        """Move a CX session to another page and/or flow (full resource names).

        Reply.say("Let's page someone.").goto(page="projects/.../flows/.../pages/page-confirm")
        """
        return replace(self, target_page=page, target_flow=flow)

    @_Starter
    def merge_behavior(self, behavior: str) -> "Reply":
        """CX: whether these messages are added to ("APPEND") or replace ("REPLACE") the agent's own.

        Reply.say("Only this.").merge_behavior("REPLACE")
        """
        return replace(self, merge=behavior.upper())

    @_Starter
    def end_conversation(self) -> "Reply":
        """End the conversation: Assistant gets `expectUserResponse: false`, CX an end-interaction
        message; ES agents end it with the intent's own "end of conversation" setting.

            Reply.say("Goodbye.").end_conversation()
        """
        return replace(self, end=True)

    @_Starter
    def hand_off(self, **metadata: Any) -> "Reply":
        """Hand the CX conversation to a live agent, with metadata for the agent desk.

        Reply.say("Connecting you to a person.").hand_off(queue="sre")
        """
        return replace(self, handoff=metadata)

    # -- reading --
    @property
    def texts(self) -> builtins.list[str]:
        """What a screen shows as plain text, in order.

        assert Reply.say("Hi").chips("Help").texts == ["Hi"]
        """
        return [m.text if isinstance(m, Text) else m.display for m in self.messages if isinstance(m, (Text, Speech))]

    def without(self, kind: type) -> "Reply":
        """The same reply without messages of one kind (e.g. for a surface that cannot show them).

        Reply.say("Hi").chips("Help").without(Chips)
        """
        return replace(self, messages=tuple(m for m in self.messages if not isinstance(m, kind)))


def strip_ssml(ssml: str) -> str:
    """The words of an SSML string, for screens: pauses and paragraphs become spaces,
    other tags vanish, entities are unescaped."""
    import html
    import re

    text = re.sub(r"<(?:break|/?p|/?s)\b[^>]*>", " ", ssml)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
