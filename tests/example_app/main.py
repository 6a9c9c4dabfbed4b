"""A second app on the framework: a pizzeria with two intents and no database.

It proves that nothing in fulfillment/ assumes Watchkeeper or its on-call domain: the test
(tests/test_example_app.py) installs the framework as a package and serves this file.
"""
import flask
import functions_framework
import pizzeria

from fulfillment import app, auth, deadline, dialect, encoding, health, i18n, intake, logline, router, timing
from fulfillment.errors import BadRequest
from fulfillment.response import respond
from fulfillment.settings import settings

app.configure(pizzeria.APP)
logline.install_log_handler()
REGISTERED = router.load(*settings().intent_packages)


@functions_framework.http
def webhook(request: flask.Request) -> tuple[bytes, int, dict[str, str]]:
    measure, cfg, body = timing.begin(), settings(), None
    try:
        if health.is_health_check(request.environ, cfg):
            return respond(request, measure, 200, health.status(REGISTERED))
        auth.check(request)
        body = intake.read_json(request, cfg.max_body_bytes)
        turn = dialect.parse(body)
        i18n.use(turn.language)
        measure.deadline = measure.started + deadline.budget_for(turn, cfg)
        measure.fields.update(logline.turn_fields(turn))
        result = deadline.run(*router.intent_for(turn), turn, measure)
        measure.fields.update(logline.outcome_fields(result))
        return respond(request, measure, 200, encoding.encode(result.reply, turn))
    except BadRequest as exc:
        measure.fields.update({"outcome": exc.outcome, "error": str(exc)})
        return respond(request, measure, exc.status, {"error": str(exc)}, headers=exc.headers)
    except Exception:                                    # a bug past the handler: still answer
        measure.fields.update(logline.crash_fields())
        return respond(request, measure, 200, dialect.apology(body, app.current().message("handler_error")))
