"""Greets and says what can be asked."""

import functools

from fulfillment import Reply, Turn, i18n, intent
from fulfillment.i18n import N_, _

CHIPS = (N_("Who is on call?"), N_("Open incidents"), N_("How is checkout?"), N_("Last deploy of payments"))


def chips() -> tuple[str, ...]:
    """The example questions, in the current language."""
    return tuple(_(chip) for chip in CHIPS)


@intent(
    "welcome",
    inline=True,
    aliases=("Default Welcome Intent",),
    events=("WELCOME",),
    phrases={
        "en": ["hi", "hello", "hey watchkeeper", "good morning", "start"],
        "de": ["hallo", "guten morgen", "hey watchkeeper", "servus"],
        "fr": ["bonjour", "salut", "hey watchkeeper"],
        "es": ["hola", "buenos días", "hey watchkeeper"],
        "pt_BR": ["oi", "olá", "bom dia", "hey watchkeeper"],
        "ja": ["こんにちは", "おはよう", "やあ"],
    },
)
def welcome(turn: Turn) -> Reply:
    return greeting(i18n.current())


# Replies are immutable, so a constant one is built once per language and shared by every request.
@functools.lru_cache(maxsize=None)
def greeting(language: str) -> Reply:
    return Reply.say(
        _("Hi, I'm Watchkeeper. I know who is on call, what is on fire and what was deployed. What do you need?")
    ).chips(*chips())
