"""Writes assistant_welcome.json: a real-sized Google Assistant welcome (ES v2) for `make bench`.

Built here by hand, in the shape Dialogflow ES sends for an Actions on Google conversation
that has been going for a while: 8 output contexts carrying parameters (with their
`.original` spellings) and the full `originalDetectIntentRequest` payload (user, device,
surface capabilities, inputs with arguments, available surfaces). About 4 KB.

    .venv/bin/python bench/requests/make_assistant_welcome.py
"""

import json
from pathlib import Path

SESSION = "projects/watchkeeper-bench/agent/sessions/ABwppHGg2Xx0-1701110400000"
CAPABILITIES = [
    {"name": f"actions.capability.{c}"}
    for c in (
        "SCREEN_OUTPUT",
        "AUDIO_OUTPUT",
        "MEDIA_RESPONSE_AUDIO",
        "ACCOUNT_LINKING",
        "WEB_BROWSER",
        "INTERACTIVE_CANVAS",
    )
]


def context(name: str, lifespan: int | None, **params: object) -> dict:
    entry: dict = {"name": f"{SESSION}/contexts/{name}"}
    if lifespan is not None:
        entry["lifespanCount"] = lifespan
    if params:
        entry["parameters"] = params
    return entry


def request() -> dict:
    return {
        "responseId": "c4b0e1c6-7a1d-4b1e-9a53-4f8b2c8d1e07-2f1b9a3c",
        "queryResult": {
            "queryText": "GOOGLE_ASSISTANT_WELCOME",
            "action": "input.welcome",
            "parameters": {},
            "allRequiredParamsPresent": True,
            "fulfillmentText": "Hi! I'm Watchkeeper.",
            "fulfillmentMessages": [{"text": {"text": ["Hi! I'm Watchkeeper."]}}],
            "outputContexts": [
                context("google_assistant_welcome", None),
                context("actions_capability_screen_output", None),
                context("actions_capability_audio_output", None),
                context("google_assistant_input_type_voice", None),
                context("actions_capability_media_response_audio", None),
                context(
                    "service-followup",
                    4,
                    service="payments",
                    **{"service.original": "the payments service"},
                    severity=2.0,
                    **{"severity.original": "sev two"},
                    **{
                        "date-period": {
                            "startDate": "2026-11-20T00:00:00+01:00",
                            "endDate": "2026-11-26T23:59:59+01:00",
                        },
                        "date-period.original": "last week",
                        "person": {"name": "Ana Souza"},
                        "person.original": "Ana",
                    },
                ),
                context(
                    "page-pending",
                    2,
                    page_target="checkout",
                    **{"page_target.original": "check out"},
                    message="card declines spiking in eu-west-1",
                    **{"message.original": "card declines spiking"},
                    urgent=True,
                ),
                context(
                    "__system_counters__",
                    1,
                    **{"no-input": 0.0, "no-match": 1.0, "last-intent": "help"},
                    service="",
                    **{"service.original": ""},
                    number=["46"],
                    **{"number.original": ["46"]},
                ),
            ],
            "intent": {
                "name": "projects/watchkeeper-bench/agent/intents/2c9d33b4-5f0e-4d7a-8a71-0e3f1f6f5c21",
                "displayName": "Default Welcome Intent",
            },
            "intentDetectionConfidence": 1,
            "diagnosticInfo": {"webhook_latency_ms": 212},
            "languageCode": "en-us",
        },
        "originalDetectIntentRequest": {
            "source": "google",
            "version": "2",
            "payload": {
                "user": {
                    "locale": "en-US",
                    "lastSeen": "2026-11-26T08:14:09Z",
                    "userVerificationStatus": "VERIFIED",
                    "userStorage": '{"data":{"team":"payments-team"}}',
                    "userId": "ABwppHGg2Xx0mT9yQ1cUVtpnKQ7OHoE0w3nZr9m8Yb5Ue2cP4f1sL0kA6hD3gJ7iN9xWqVzRy",
                },
                "conversation": {"conversationId": "ABwppHGg2Xx0-1701110400000", "type": "NEW"},
                "inputs": [
                    {
                        "intent": "actions.intent.MAIN",
                        "rawInputs": [{"inputType": "VOICE", "query": "talk to watchkeeper"}],
                        "arguments": [
                            {
                                "name": "trigger_query",
                                "rawText": "talk to watchkeeper",
                                "textValue": "talk to watchkeeper",
                            }
                        ],
                    }
                ],
                "surface": {"capabilities": CAPABILITIES},
                "device": {
                    "locale": "en-US",
                    "timeZone": {"id": "Europe/Amsterdam", "version": "2026a"},
                    "location": {
                        "coordinates": {"latitude": 52.37, "longitude": 4.89},
                        "formattedAddress": "Amsterdam, Netherlands",
                        "city": "Amsterdam",
                        "zipCode": "1012",
                    },
                },
                "isInSandbox": True,
                "availableSurfaces": [{"capabilities": CAPABILITIES[:2] + CAPABILITIES[4:5]}],
                "requestType": "SIMULATOR",
            },
        },
        "session": SESSION,
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("assistant_welcome.json")
    out.write_text(json.dumps(request(), indent=1) + "\n")
    print(out, len(json.dumps(request())), "bytes compact")
