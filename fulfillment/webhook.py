"""The request path, one screen: every webhook request and push delivery, end to end.

An app's entry module declares itself and hands each request here (DESIGN.md):

    webhook.start(APP)                                     # at import: settings, intents, auth

    @functions_framework.http
    def entry(request):
        return webhook.handle(request, events=HANDLERS)   # Pub/Sub pushes on /events/<name>
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Mapping

from fulfillment import app, deadline, i18n, push, router, warmup
from fulfillment.http import auth, health, intake
from fulfillment.http.refusal import Refusal
from fulfillment.http.response import Answer, crashed, refused, respond
from fulfillment.settings import SettingsError, settings
from fulfillment.telemetry import logline, timing
from fulfillment.telemetry.outcome import Outcome
from fulfillment.wire import dialect, fit

if TYPE_CHECKING:
    import flask

    from fulfillment.app import App

_registered: list[str] = []


def start(described: App) -> list[str]:
    """Start-up, once per process: every setting read and checked, every intent imported.

    A bad setting or a broken intent stops the instance here, in one line, rather than on a
    user's request. Returns the registered intent names (what /healthz lists)."""
    try:
        app.configure(described)  # the app's wording, realm, settings (every variable checked)
    except SettingsError as bad:
        raise SystemExit(f"configuration error: {bad}") from None
    logline.install_log_handler()
    _registered[:] = router.load(*settings().intent_packages)
    auth.startup_check()
    warmup.start()  # the app's caches and database client, in the serving process
    return list(_registered)


def handle(request: flask.Request, events: Mapping[str, push.Handler] | None = None) -> Answer:
    """One request: the door, the parse, the handler under the deadline, the render, one log line."""
    cfg = settings()
    measure = timing.begin()
    warmup.ensure()
    i18n.use("")  # English until the body says otherwise
    body = None
    try:
        if health.is_health_check(request.environ, cfg):
            return respond(request, measure, 200, health.status(_registered))
        if events is not None and push.is_push(request.environ):  # Pub/Sub push: /events/<name>
            return push.serve(request, measure, events)
        auth.check(request)  # 401 unless Dialogflow
        body = intake.read_json(request, cfg.max_body_bytes)  # 405 / 415 / 413 / 400
        started = time.perf_counter()
        turn = dialect.parse(body)  # 400 for v1 / not Dialogflow
        measure.add("parse", started)
        i18n.use(turn.language)  # answer in the caller's language
        measure.deadline = measure.started + deadline.budget_for(turn, cfg)
        measure.fields.update(logline.turn_fields(turn, cfg.log_query_text))
        chosen = router.intent_for(turn)  # the intent's handler, or the fallback
        result = deadline.run(chosen, turn, measure)  # ok / fallback / timeout / ...
        measure.fields.update(logline.outcome_fields(result))
        started = time.perf_counter()
        payload = fit.body_for(result.reply, turn)  # ES or CX JSON, under 64 KiB
        measure.add("render", started)
        return respond(request, measure, 200, payload)
    except Refusal as refusal:  # the door said no: a short JSON error
        return refused(request, measure, refusal)
    except Exception:  # a bug of ours: still answer, in the caller's dialect
        if events is not None and push.is_push(request.environ):  # push: 500, Pub/Sub redelivers
            return crashed(request, measure, 500, {"outcome": Outcome.HANDLER_ERROR})
        apology = i18n.translate(i18n.from_body(body), app.current().message("handler_error"))
        return crashed(request, measure, 200, dialect.apology(body, apology))
