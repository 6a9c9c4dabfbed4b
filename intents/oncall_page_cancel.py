"""'no' after a page request: nothing is sent."""

from fulfillment import Reply, Turn, intent
from fulfillment.i18n import _
from intents.oncall_page import PENDING


@intent(
    "oncall.page.cancel",
    inline=True,
    parent="oncall.page",
    input_contexts=[PENDING],
    phrases={
        "en": ["no", "cancel", "don't", "never mind"],
        "de": ["nein", "abbrechen", "lieber nicht"],
        "fr": ["non", "annule", "laisse tomber"],
        "es": ["no", "cancela", "déjalo"],
        "pt_BR": ["não", "cancela", "deixa pra lá"],
        "ja": ["いいえ", "キャンセル", "やめて"],
    },
)
def oncall_page_cancel(turn: Turn) -> Reply:
    return Reply.say(_("OK, I won't page anyone.")).forget(PENDING)
