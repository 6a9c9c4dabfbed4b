"""Anything not understood, and intents without a handler: a polite nudge, never an error."""
from fulfillment import Reply, Turn, intent
from intents.welcome import CHIPS


@intent("fallback", inline=True, aliases=("Default Fallback Intent",), fallback=True)
def fallback(turn: Turn) -> Reply:
    return NUDGE


NUDGE = (Reply.say("Sorry, I didn't get that. You can ask who is on call, about open "
                   "incidents, or how a service is doing.")
         .chips(*CHIPS[:3], "Help"))
