"""Watchkeeper's Dialogflow webhook: the one functions-framework entry point.

The request path is the framework's (fulfillment/webhook.py, drawn in DESIGN.md); this file
says which app it serves: Watchkeeper's intents, and its Pub/Sub events on /events/<name>.
"""

import flask
import functions_framework

import events
import intents
from fulfillment import webhook as path

REGISTERED = path.start(intents.APP)  # settings, intents, auth checked; the warm-up armed


@functions_framework.http
def webhook(request: flask.Request) -> path.Answer:
    return path.handle(request, events=events.HANDLERS)
