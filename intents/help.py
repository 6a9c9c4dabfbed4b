"""Says what can be asked, with examples to tap."""

import functools

from fulfillment import Reply, Turn, i18n, intent
from fulfillment.i18n import _
from intents.welcome import chips


@intent(
    "help",
    inline=True,
    phrases={
        "en": ["help", "what can you do", "what can I ask", "how does this work"],
        "de": ["hilfe", "was kannst du", "was kann ich fragen"],
        "fr": ["aide", "que sais-tu faire", "que puis-je demander"],
        "es": ["ayuda", "qué puedes hacer", "qué puedo preguntar"],
        "pt_BR": ["ajuda", "o que você sabe fazer", "o que posso perguntar"],
        "ja": ["ヘルプ", "何ができるの", "何を聞けばいい"],
    },
)
def help_intent(turn: Turn) -> Reply:
    return help_reply(i18n.current())


@functools.lru_cache(maxsize=None)
def help_reply(language: str) -> Reply:
    return Reply.say(
        _(
            "You can ask: who is on call for a service or team; how a service is doing; "
            "whether there are open incidents; to acknowledge or resolve incident N; "
            "when a service was last deployed; or to page the on-call."
        )
    ).chips(*chips(), _("Page the on-call for checkout"))
