"""Watchkeeper's Dialogflow webhook: the one functions-framework entry point.

One request, end to end (see DESIGN.md):
  door (method, type, size, auth) -> parse (ES or CX) -> handler under the deadline
  -> render for the dialect and surface -> one log line and a Server-Timing header.
Pub/Sub push deliveries (alerts, builds, pages) come in on /events/<name>: see events/.
"""
import time

import flask
import functions_framework

import events
import intents
from fulfillment import (
    app,
    auth,
    deadline,
    dialect,
    encoding,
    health,
    i18n,
    intake,
    logline,
    push,
    router,
    timing,
    warmup,
)
from fulfillment.errors import BadRequest
from fulfillment.response import respond
from fulfillment.settings import SettingsError, settings

try:
    app.configure(intents.APP)   # Watchkeeper's wording, realm, settings (every variable read and checked)
except SettingsError as bad:     # a typo in a setting stops start-up, in one line
    raise SystemExit(f"configuration error: {bad}") from None
logline.install_log_handler()
REGISTERED = router.load(*settings().intent_packages)     # startup check: every intent imports
auth.startup_check()
warmup.start()                   # Firestore client, channel and caches, in the serving process


@functions_framework.http
def webhook(request: flask.Request) -> tuple[bytes, int, dict[str, str]]:
    cfg = settings()
    measure = timing.begin()
    warmup.ensure()
    i18n.use("")                                                   # English until the body says otherwise
    body = None
    try:
        if health.is_health_check(request.environ, cfg):
            return respond(request, measure, 200, health.status(REGISTERED))
        if push.is_push(request.environ):                          # Pub/Sub push: /events/<name>
            return push.serve(request, events.HANDLERS)
        auth.check(request)                                        # 401 unless Dialogflow
        body = intake.read_json(request, cfg.max_body_bytes)       # 405 / 415 / 413 / 400
        started = time.perf_counter()
        turn = dialect.parse(body)                                 # 400 for v1 / not Dialogflow
        measure.add("parse", started)
        i18n.use(turn.language)                                    # answer in the caller's language
        measure.deadline = measure.started + deadline.budget_for(turn, cfg)
        measure.fields.update(logline.turn_fields(turn, cfg.log_query_text))
        chosen, is_fallback = router.intent_for(turn)              # the intent's handler, or the fallback
        result = deadline.run(chosen, is_fallback, turn, measure)  # ok / fallback / timeout / ...
        measure.fields.update(logline.outcome_fields(result))
        started = time.perf_counter()
        payload = encoding.encode(result.reply, turn)              # ES or CX JSON, under 64 KiB
        measure.add("render", started)
        return respond(request, measure, 200, payload)
    except BadRequest as exc:
        measure.fields.setdefault("outcome", exc.outcome)
        measure.fields["error"] = str(exc)
        return respond(request, measure, exc.status, {"error": str(exc)}, headers=exc.headers)
    except Exception:                                              # a bug of ours: still answer
        measure.fields.update(logline.crash_fields())
        apology = i18n.translate(i18n.from_body(body), app.current().message("handler_error"))
        return respond(request, measure, 200, dialect.apology(body, apology))

