"""A second app on the framework: a pizzeria with two intents and no database.

It proves that nothing in fulfillment/ assumes Watchkeeper or its on-call domain: the test
(tests/test_example_app.py) installs the framework as a package and serves this file. It is
also the entry module to copy for an app of your own: the same request path as Watchkeeper's
main.py, without its Pub/Sub events and database warm-up (a test keeps the two in step).
"""
import time

import flask
import functions_framework
import pizzeria

from fulfillment import app, auth, deadline, dialect, encoding, health, i18n, intake, logline, router, timing
from fulfillment.errors import BadRequest
from fulfillment.response import respond
from fulfillment.settings import SettingsError, settings

try:
    app.configure(pizzeria.APP)
except SettingsError as bad:
    raise SystemExit(f"configuration error: {bad}") from None
logline.install_log_handler()
REGISTERED = router.load(*settings().intent_packages)
auth.startup_check()


@functions_framework.http
def webhook(request: flask.Request) -> tuple[bytes, int, dict[str, str]]:
    cfg = settings()
    measure = timing.begin()
    i18n.use("")
    body = None
    try:
        if health.is_health_check(request.environ, cfg):
            return respond(request, measure, 200, health.status(REGISTERED))
        auth.check(request)
        body = intake.read_json(request, cfg.max_body_bytes)
        started = time.perf_counter()
        turn = dialect.parse(body)
        measure.add("parse", started)
        i18n.use(turn.language)
        measure.deadline = measure.started + deadline.budget_for(turn, cfg)
        measure.fields.update(logline.turn_fields(turn, cfg.log_query_text))
        chosen, is_fallback = router.intent_for(turn)
        result = deadline.run(chosen, is_fallback, turn, measure)
        measure.fields.update(logline.outcome_fields(result))
        started = time.perf_counter()
        payload = encoding.encode(result.reply, turn)
        measure.add("render", started)
        return respond(request, measure, 200, payload)
    except BadRequest as exc:
        measure.fields.setdefault("outcome", exc.outcome)
        measure.fields["error"] = str(exc)
        return respond(request, measure, exc.status, {"error": str(exc)}, headers=exc.headers)
    except Exception:                                    # a bug past the handler: still answer
        measure.fields.update(logline.crash_fields())
        apology = i18n.translate(i18n.from_body(body), app.current().message("handler_error"))
        return respond(request, measure, 200, dialect.apology(body, apology))
