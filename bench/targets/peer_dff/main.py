"""Peer: the same reply with the PyPI `dialogflow-fulfillment` package (WebhookClient + handler map)."""

import functions_framework
from dialogflow_fulfillment import QuickReplies, WebhookClient

TEXT = "Hi, I'm Watchkeeper. I know who is on call, what is on fire and what was deployed. What do you need?"


def welcome(agent):
    agent.add(TEXT)
    agent.add(
        QuickReplies(quick_replies=["Who is on call?", "Open incidents", "How is checkout?", "Last deploy of payments"])
    )


@functions_framework.http
def webhook(request):
    agent = WebhookClient(request.get_json())
    agent.handle_request({"welcome": welcome, "Default Welcome Intent": welcome})
    return agent.response
