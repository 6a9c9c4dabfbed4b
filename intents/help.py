"""Says what can be asked, with examples to tap."""
from fulfillment import Reply, Turn, intent
from intents.welcome import CHIPS


@intent("help", inline=True, phrases=["help", "what can you do", "what can I ask", "how does this work"])
def help_intent(turn: Turn) -> Reply:
    return HELP


HELP = (Reply.say("You can ask: who is on call for a service or team; how a service is doing; "
                  "whether there are open incidents; to acknowledge or resolve incident N; "
                  "when a service was last deployed; or to page the on-call.")
        .chips(*CHIPS, "Page the on-call for checkout"))
