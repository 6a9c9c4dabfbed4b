"""Anything not understood, and intents without a handler: a polite nudge, never an error."""

import functools

from fulfillment import Reply, Turn, i18n, intent
from fulfillment.i18n import _
from intents.welcome import chips


@intent("fallback", inline=True, aliases=("Default Fallback Intent",), fallback=True)
def fallback(turn: Turn) -> Reply:
    return nudge(i18n.current())


@functools.lru_cache(maxsize=None)
def nudge(language: str) -> Reply:
    return Reply.say(
        _("Sorry, I didn't get that. You can ask who is on call, about open incidents, or how a service is doing.")
    ).chips(*chips()[:3], _("Help"))
