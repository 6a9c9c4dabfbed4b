"""Answers several intents give the same way."""
from __future__ import annotations

from typing import NamedTuple

from fulfillment import Reply, Turn, fmt
from fulfillment.i18n import _
from intents import _oncall


def unknown_name(name: str) -> Reply:
    """A name we don't know: offer the closest ones, never an error."""
    close = _oncall.suggestions(name)
    if close:
        return (Reply.say(_("I don't know a service or team called \"{name}\". Did you mean {options}?",
                            name=name, options=fmt.join(close, "or")))
                .chips(*close))
    return (Reply.say(_("I don't know a service or team called \"{name}\". I know {services} and a few more.",
                        name=name, services=", ".join(_oncall.known_services())))
            .chips(*_oncall.known_services(4)))


def service_or_none(name: str) -> _oncall.Service | Reply:
    """The Service for a spoken service name, or the Reply to give instead."""
    found = _oncall.resolve(name)
    if found is None:
        return unknown_name(name)
    kind, thing = found
    if isinstance(thing, _oncall.Team):
        services = [s.name for s in _oncall.directory().services.values() if s.team == thing.id]
        return (Reply.say(_("{team} is a team. Which of its services: {services}?",
                            team=thing.name, services=", ".join(services)))
                .chips(*services[:4]))
    return thing


def ask_for_service(turn: Turn, prompt: str) -> _oncall.Service | Reply:
    """The Service named, or the Reply to give instead: the prompt when no service was named,
    close matches when the name is unknown, the team's services when a team was named."""
    name = turn.text("service")
    if not name:
        return Reply.say(_(prompt)).chips(*_oncall.known_services(4))
    return service_or_none(name)


class Named(NamedTuple):
    """A service or team the user named, with the team that owns it (None if on record none)."""

    kind: str                                   # "service" or "team"
    thing: _oncall.Service | _oncall.Team
    team: _oncall.Team | None


def ask_for_service_or_team(turn: Turn, prompt: str) -> Named | Reply:
    """What the user named, or the Reply to give instead (the prompt, or close matches)."""
    name = turn.text("service")
    if not name:
        return Reply.say(_(prompt)).chips(*_oncall.known_services(4))
    found = _oncall.resolve(name)
    if found is None:
        return unknown_name(name)
    kind, thing = found
    return Named(kind, thing, _oncall.team_of(kind, thing))
