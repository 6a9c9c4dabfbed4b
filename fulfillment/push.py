"""Pub/Sub push deliveries on the same functions-framework entry as the webhook.

A push is `POST {"message": {"data": base64, "attributes": {...}, "messageId": ...},
"subscription": ..., "deliveryAttempt": n}`. What Pub/Sub does with our answer decides
everything here: any 2xx acknowledges (the message is gone), anything else is retried
with backoff (and dead-lettered after the subscription's maximum). So:

  * not from our push subscription -> 401 (retried, and visible in the log);
  * a message we can never use (bad base64, wrong schema, unknown service) -> `Ignore`,
    acknowledged with one log line saying why, so it is not redelivered forever;
  * the database failing -> 503, so Pub/Sub brings the message back later;
  * a bug of ours -> 500 (retried);
  * every delivery writes exactly one JSON log line with its own outcome.

Authentication: the Google-signed OIDC token Pub/Sub push sends in `Authorization:
Bearer`, verified like the webhook's ID tokens (`auth.verify_id_token`): audience =
`PUSH_AUDIENCE_BASE` + the path (the push endpoint), email in `PUSH_SERVICE_ACCOUNTS`.
The Pub/Sub emulator sends no token at all, so with neither variable set pushes are
accepted unauthenticated only when running against emulators (FIRESTORE_EMULATOR_HOST
set); in production an unconfigured push door refuses everything (503), unless
`PUSH_ALLOW_UNAUTHENTICATED=1`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from fulfillment import store
from fulfillment.http import auth
from fulfillment.http.intake import read_json
from fulfillment.http.refusal import NotConfigured, Refusal
from fulfillment.http.response import Answer, respond
from fulfillment.settings import settings
from fulfillment.telemetry import timing
from fulfillment.telemetry.outcome import Outcome

log = logging.getLogger("fulfillment")
PREFIX = "/events/"


class Ignore(Exception):
    """This message can never be used: acknowledge it (200) and say why in the log."""

    def __init__(self, reason: str, fields: Mapping[str, Any] | None = None):
        super().__init__(reason)
        self.fields = dict(fields or {})


class Retry(Exception):
    """Not now (a receiver down, a page being sent elsewhere): 503, so Pub/Sub redelivers."""

    def __init__(self, reason: str, fields: Mapping[str, Any] | None = None):
        super().__init__(reason)
        self.fields = dict(fields or {})


@dataclass(frozen=True)
class Message:
    data: bytes
    attributes: Mapping[str, str]
    message_id: str
    subscription: str
    delivery_attempt: int
    publish_time: str = ""

    def json(self) -> Any:
        """The data as JSON, or `Ignore` saying why not."""
        try:
            return json.loads(self.data)
        except (UnicodeDecodeError, ValueError) as exc:
            raise Ignore(f"data is not JSON: {str(exc)[:100]}") from None


@dataclass
class Result:
    """What a handler reports: the outcome word for the log, and fields worth logging."""

    outcome: str = "ok"
    fields: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Message], Result]


@dataclass(frozen=True)
class PushConfig:
    audience_base: str = ""
    emails: tuple[str, ...] = ()
    allow_unauthenticated: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.audience_base and self.emails)


def config() -> PushConfig:
    cfg = settings()
    return PushConfig(
        audience_base=cfg.push_audience_base.rstrip("/"),
        emails=tuple(e.lower() for e in cfg.push_service_accounts),
        allow_unauthenticated=cfg.push_allow_unauthenticated,
    )


def is_push(environ: Mapping[str, Any]) -> bool:
    return str(environ.get("PATH_INFO", "")).startswith(PREFIX)


def check(request: Any, path: str) -> None:
    """401 unless the push carries a Google-signed token for this endpoint and account."""
    cfg = config()
    if not cfg.configured:
        if settings().production and not cfg.allow_unauthenticated:
            raise NotConfigured("push authentication is not configured; refusing to serve")
        return  # emulators (local run, tests): the emulator signs nothing
    authorization = request.headers.get("Authorization", "")
    if authorization[:7].lower() != "bearer ":
        raise auth.Unauthorized("push without a bearer token", bearer=True)
    expected = auth.AuthConfig(audience=cfg.audience_base + path, emails=cfg.emails, certs_url=auth.config().certs_url)
    try:
        auth.verify_id_token(authorization[7:].strip(), expected)
    except auth.Unauthorized as rejected:
        raise auth.Unauthorized(f"push {rejected}", bearer=True) from None


def envelope(body: Any) -> Message:
    """The push envelope, or `Ignore` (a malformed envelope will never get better)."""
    if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
        raise Ignore("not a Pub/Sub push envelope (no message object)")
    message = body["message"]
    raw = message.get("data", "")
    if not isinstance(raw, str):
        raise Ignore("message data is not a base64 string")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise Ignore("message data is not valid base64") from None
    attributes = message.get("attributes") or {}
    if not isinstance(attributes, dict):
        attributes = {}
    attempt = body.get("deliveryAttempt")
    return Message(
        data=data,
        attributes={str(k): str(v) for k, v in attributes.items()},
        message_id=str(message.get("messageId") or message.get("message_id") or ""),
        subscription=str(body.get("subscription", ""))[:300],
        delivery_attempt=attempt if isinstance(attempt, int) and not isinstance(attempt, bool) else 0,
        publish_time=str(message.get("publishTime") or message.get("publish_time") or ""),
    )


def budget_s() -> float:
    return settings().event_budget_s


def serve(request: Any, measure: timing.Measure, handlers: Mapping[str, Handler]) -> Answer:
    """One push delivery, end to end: auth, envelope, handler, exactly one log line.

    The caller (`webhook.handle`) turns a `Refusal` and a bug into their answers, as for the
    webhook: a refusal its status, a bug 500 (Pub/Sub redelivers)."""
    measure.deadline = measure.started + budget_s()
    path = str(request.environ.get("PATH_INFO", ""))
    name = path[len(PREFIX) :].strip("/")
    measure.fields["event"] = name
    try:
        handler = handlers.get(name)
        if handler is None:
            raise Refusal(f"no event handler at {path}", 404)
        check(request, path)
        try:
            body = read_json(request, settings().max_body_bytes)
        except Refusal as exc:
            if exc.status != 400:
                raise
            raise Ignore(str(exc)) from None  # unreadable now, unreadable on every redelivery
        message = envelope(body)
        measure.fields.update({"message_id": message.message_id, "subscription": message.subscription})
        if message.delivery_attempt:
            measure.fields["delivery_attempt"] = message.delivery_attempt
        with measure.stage("handler"):
            result = handler(message)
        measure.fields.update(result.fields)
        measure.fields["outcome"] = result.outcome
        return respond(request, measure, 200, {"outcome": result.outcome})
    except Retry as why:
        measure.fields.update({"outcome": Outcome.RETRY, **why.fields, "reason": str(why)})
        return respond(request, measure, 503, {"outcome": measure.fields["outcome"], "reason": str(why)})
    except Ignore as why:
        measure.fields.update({"outcome": Outcome.IGNORED, **why.fields, "reason": str(why), "severity": "WARNING"})
        return respond(request, measure, 200, {"outcome": Outcome.IGNORED, "reason": str(why)})
    except Exception as exc:
        if not store.is_unavailable(exc):
            raise  # a refusal or a bug: answered by the request path, as for the webhook
        measure.fields.update({"outcome": Outcome.DB_UNAVAILABLE, "reason": type(exc).__name__})
        return respond(request, measure, 503, {"outcome": Outcome.DB_UNAVAILABLE})
