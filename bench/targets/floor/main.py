"""The floor: read the JSON, return a fixed reply. Nothing can be faster."""

import json

import functions_framework

REPLY = json.dumps(
    {
        "fulfillmentText": (
            "Hi, I'm Watchkeeper. I know who is on call, what is on fire and what was deployed. What do you need?"
        ),
        "fulfillmentMessages": [
            {
                "text": {
                    "text": [
                        "Hi, I'm Watchkeeper. I know who is on call, what is on fire and what was deployed. "
                        "What do you need?"
                    ]
                }
            },
            {
                "quickReplies": {
                    "quickReplies": ["Who is on call?", "Open incidents", "How is checkout?", "Last deploy of payments"]
                }
            },
        ],
    }
)


@functions_framework.http
def webhook(request):
    request.get_json(silent=True)
    return REPLY, 200, {"Content-Type": "application/json"}
