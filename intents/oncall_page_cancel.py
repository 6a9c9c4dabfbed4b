"""'no' after a page request: nothing is sent."""
from fulfillment import Reply, Turn, intent
from intents.oncall_page import PENDING


@intent("oncall.page.cancel", inline=True, parent="oncall.page", input_contexts=[PENDING],
        phrases=["no", "cancel", "don't", "never mind"])
def oncall_page_cancel(turn: Turn) -> Reply:
    return (Reply.say("OK, I won't page anyone.")
            .delete_context(PENDING).set_session(page_service=None, page_target=None,
                                                 page_message=None, page_oncall=None))
