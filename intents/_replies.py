"""Answers several intents give the same way."""
from fulfillment import Reply, fmt
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


def service_or_none(name: str):
    """(Service, None) or (None, the reply to give) for a spoken service name."""
    found = _oncall.resolve(name)
    if found is None:
        return None, unknown_name(name)
    kind, thing = found
    if kind == "team":
        services = [s.name for s in _oncall.directory().services.values() if s.team == thing.id]
        return None, (Reply.say(_("{team} is a team. Which of its services: {services}?",
                                  team=thing.name, services=", ".join(services)))
                      .chips(*services[:4]))
    return thing, None


def ask_for_service(turn, prompt: str):
    """(Service, None), or (None, the reply to give): the prompt when no service was named,
    close matches when the name is unknown, the team's services when a team was named."""
    name = turn.text("service")
    if not name:
        return None, Reply.say(_(prompt)).chips(*_oncall.known_services(4))
    return service_or_none(name)


def ask_for_service_or_team(turn, prompt: str):
    """((kind, service or team, owning team or None), None), or (None, the reply to give)."""
    name = turn.text("service")
    if not name:
        return None, Reply.say(_(prompt)).chips(*_oncall.known_services(4))
    found = _oncall.resolve(name)
    if found is None:
        return None, unknown_name(name)
    kind, thing = found
    return (kind, thing, _oncall.team_of(kind, thing)), None
