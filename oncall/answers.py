"""Answers several intents give the same way."""

from __future__ import annotations

from typing import NamedTuple

from fulfillment import Reply, Turn, fmt, prompt_for
from fulfillment.i18n import _
from oncall import directory


def unknown_name(name: str) -> Reply:
    """A name we don't know: offer the closest ones, never an error."""
    close = directory.suggestions(name)
    if close:
        return Reply.say(
            _(
                'I don\'t know a service or team called "{name}". Did you mean {options}?',
                name=name,
                options=fmt.join(close, "or"),
            )
        ).chips(*close)
    return Reply.say(
        _(
            'I don\'t know a service or team called "{name}". I know {services} and a few more.',
            name=name,
            services=", ".join(directory.known_services()),
        )
    ).chips(*directory.known_services(4))


class Named(NamedTuple):
    """A service or team the user named, with the team that owns it (None if on record none)."""

    kind: str  # "service" or "team"
    thing: directory.Service | directory.Team
    team: directory.Team | None


def named(name: str) -> Named | Reply:
    """The service or team a spoken name, id or alias means, or close matches to offer."""
    found = directory.resolve(name)
    if found is None:
        return unknown_name(name)
    kind, thing = found
    return Named(kind, thing, directory.team_of(kind, thing))


def service_or_none(name: str) -> directory.Service | Reply:
    """The Service for a spoken service name, or the Reply to give instead (a team's name
    gets the question which of its services)."""
    found = named(name)
    if isinstance(found, Reply):
        return found
    team = found.thing
    if isinstance(team, directory.Service):
        return team
    services = [s.name for s in directory.directory().services.values() if s.team == team.id]
    return Reply.say(
        _("{team} is a team. Which of its services: {services}?", team=team.name, services=", ".join(services))
    ).chips(*services[:4])


def _ask(turn: Turn) -> Reply:
    """No service named: ask with the prompt the intent declares for it."""
    return Reply.say(_(prompt_for(turn, "service"))).chips(*directory.known_services(4))


def ask_for_service(turn: Turn) -> directory.Service | Reply:
    """The Service named, or the Reply to give instead: the intent's prompt when no service was
    named, close matches when the name is unknown, the team's services when a team was named."""
    name = turn.text("service")
    return service_or_none(name) if name else _ask(turn)


def ask_for_service_or_team(turn: Turn) -> Named | Reply:
    """What the user named, or the Reply to give instead (the intent's prompt, or close matches)."""
    name = turn.text("service")
    return named(name) if name else _ask(turn)
