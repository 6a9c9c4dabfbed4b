"""Peer: the same reply built with the official google-cloud-dialogflow types."""

import functions_framework
from google.cloud.dialogflow_v2 import Intent, WebhookRequest, WebhookResponse

TEXT = "Hi, I'm Watchkeeper. I know who is on call, what is on fire and what was deployed. What do you need?"


@functions_framework.http
def webhook(request):
    parsed = WebhookRequest.from_json(request.get_data(as_text=True), ignore_unknown_fields=True)
    assert parsed.query_result.intent.display_name in ("welcome", "Default Welcome Intent")
    response = WebhookResponse(
        fulfillment_text=TEXT,
        fulfillment_messages=[
            Intent.Message(text=Intent.Message.Text(text=[TEXT])),
            Intent.Message(
                quick_replies=Intent.Message.QuickReplies(
                    quick_replies=["Who is on call?", "Open incidents", "How is checkout?", "Last deploy of payments"]
                )
            ),
        ],
    )
    return WebhookResponse.to_json(response), 200, {"Content-Type": "application/json"}
