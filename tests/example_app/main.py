"""A second app on the framework: a pizzeria with two intents and no database.

It proves that nothing in fulfillment/ assumes Watchkeeper or its on-call domain: the test
(tests/test_example_app.py) installs the framework as a package and serves this file. It is
also the entry module to copy for an app of your own.
"""

import flask
import functions_framework
import pizzeria

from fulfillment import webhook as path

REGISTERED = path.start(pizzeria.APP)


@functions_framework.http
def webhook(request: flask.Request) -> path.Answer:
    return path.handle(request)
