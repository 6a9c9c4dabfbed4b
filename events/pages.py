"""Deliver a page to the on-call person's route: a Google Chat or Slack incoming webhook,
or any HTTPS webhook (people/{id}.route = {kind, url}).

Exactly once where it can be: the page document is claimed (status "delivering" with a
lease, written only if unchanged since read) before anything is sent, and a page already
delivered is acknowledged without sending. A failed attempt is recorded on the page and
answered non-2xx so Pub/Sub retries with backoff; the PAGE_MAX_ATTEMPTS-th failure marks
the page failed (Pub/Sub's dead-letter policy, max delivery attempts = the same N, moves
the message to the dead-letter topic; without one, the next delivery is acknowledged).
A receiver that never answers counts as failed after PAGE_DELIVERY_TIMEOUT_S: it may have
shown the page all the same, which no sender can know; the retry can then show it twice.

The text is in the paged person's language when the directory records one (people/{id}.language;
one without a catalog gets English, which more on-call people read than the asker's language),
else in the asker's (the page's `language`, from the conversation), else English.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from typing import Any

from fulfillment import i18n, store
from fulfillment.i18n import N_
from fulfillment.push import Ignore, Message, Result, Retry
from fulfillment.settings import settings
from oncall import clock, pages
from oncall.settings import oncall_settings

from .alerts import ALERT_MESSAGE

PAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KINDS = ("chat", "slack", "webhook")


def _timeout_s() -> float:
    return oncall_settings().page_delivery_timeout_s


def handle(message: Message) -> Result:
    data = message.json()
    key = (data.get("page") if isinstance(data, dict) else None) or message.attributes.get("page_id", "")
    if not isinstance(key, str) or not PAGE_ID.match(key):
        raise Ignore("message names no page id")
    fields: dict[str, Any] = {"page": key}
    claimed = _claim(key, fields)
    if isinstance(claimed, str):
        return Result(claimed, fields)
    page, ref = claimed
    attempts = list(page.get("attempts") or [])
    person, route, spoken = pages.person_route(str(page.get("oncall", "")))
    language = i18n.negotiate(spoken or str(page.get("language") or "") or i18n.DEFAULT)
    fields.update({"person": person, "page_language": language})
    attempt: dict[str, Any] = {"at": clock.now(), "delivery": message.delivery_attempt or len(attempts) + 1}
    problem = _route_problem(route)
    if problem:
        attempt.update({"outcome": "no_route", "detail": problem})
        ref.update({"status": "failed", "attempts": attempts + [attempt], "lease_until": None}, timeout=store.timeout())
        raise Ignore(f"page {key} cannot be delivered: {problem}", fields)
    assert route is not None
    kind = str(route["kind"])
    attempt["route"] = kind
    fields["route"] = kind
    error = _send(route, page, language)
    if error is None:
        attempt["outcome"] = "delivered"
        ref.update(
            {
                "status": "delivered",
                "delivered_at": attempt["at"],
                "delivered_via": kind,
                "attempts": attempts + [attempt],
                "lease_until": None,
            },
            timeout=store.timeout(),
        )
        return Result("delivered", fields)
    attempt.update({"outcome": "failed", "detail": error})
    final = len(attempts) + 1 >= pages.max_attempts()
    ref.update(
        {
            "status": "failed" if final else "retrying",
            "attempts": attempts + [attempt],
            "last_error": error,
            "lease_until": None,
        },
        timeout=store.timeout(),
    )
    fields.update({"outcome": "delivery_failed", "attempts": len(attempts) + 1, "final": final})
    raise Retry(f"delivery to {kind} failed: {error}", fields)


def handle_outbox(message: Message) -> Result:
    """A periodic tick: publish pages stored but never handed to Pub/Sub."""
    return Result("flushed", {"published": pages.flush_outbox()})


def _claim(key: str, fields: dict[str, Any]) -> tuple[dict[str, Any], Any] | str:
    """The page, claimed for this delivery; or the outcome word when there is nothing to send."""
    from google.api_core.exceptions import FailedPrecondition

    db = store.client()
    ref = db.collection("pages").document(key)
    for _ in range(10):
        snapshot = ref.get(timeout=store.timeout())
        if not snapshot.exists:
            raise Ignore(f"no page {key}")
        page = snapshot.to_dict() or {}
        status = page.get("status")
        fields["page_status"] = status
        if status == "delivered":
            return "duplicate"
        if status == "failed":
            return "already_failed"
        lease = page.get("lease_until")
        if status == "delivering" and lease and lease > clock.now():
            raise Retry(f"page {key} is being delivered by another attempt")
        lease_until = clock.now() + dt.timedelta(seconds=_timeout_s() + 20)
        try:
            ref.update(
                {"status": "delivering", "lease_until": lease_until},
                option=db.write_option(last_update_time=snapshot.update_time),
                timeout=store.timeout(),
            )
        except FailedPrecondition:
            continue
        return page, ref
    raise Retry(f"page {key} kept changing under us")


def _route_problem(route: dict[str, Any] | None) -> str:
    if not route:
        return "the on-call person has no route (people/{id}.route)"
    if route.get("kind") not in KINDS:
        return f"unknown route kind {route.get('kind')!r} (chat, slack or webhook)"
    url = urllib.parse.urlsplit(str(route.get("url", "")))
    local = settings().emulator and url.hostname in ("127.0.0.1", "localhost")
    if not url.hostname or (url.scheme != "https" and not (local and url.scheme == "http")):
        return "route url must be https"
    return ""


def text_of(page: dict[str, Any], language: str = i18n.DEFAULT) -> str:
    """What the person reads, in `language`: the message, who asked, how to acknowledge."""

    def say(sentence: str, /, **values: Any) -> str:
        return i18n.translate(language, sentence, **values)

    by = str(page.get("by") or "")
    if ":" in by and " " not in by:
        platform, user = by.split(":", 1)
        asker = say(N_("{platform} user {user}"), platform=platform.replace("_", " "), user=user)
    elif " " in by:
        asker = by  # a name, or "Cloud Monitoring alert"
    else:
        asker = say(N_("someone talking to Watchkeeper") if by else N_("someone"))  # a session pseudonym
    number = page.get("incident")
    ack = (
        say(N_('Please acknowledge it by telling Watchkeeper "acknowledge incident {number}".'), number=number)
        if number
        else say(N_("Please acknowledge by replying to whoever asked."))
    )
    link = f" {page['url']}" if page.get("url") else ""
    message = page.get("message", "")
    if page.get("source") == "alert" and "title" in page:  # told again in the person's language
        message = say(ALERT_MESSAGE, number=number, service=page.get("service_name", ""), title=page["title"])
    head = say(
        N_("Page for {oncall} ({service}): {message}"),
        oncall=page.get("oncall") or say(N_("the on-call")),
        service=page.get("service", ""),
        message=message,
    )
    asked = say(N_("Asked by {asker}."), asker=asker)
    return f"{head}{link}\n{asked} {ack}"


def _send(route: dict[str, Any], page: dict[str, Any], language: str = i18n.DEFAULT) -> str | None:
    """POST the page; None when the receiver took it (2xx), else what went wrong (no URL: secret)."""
    import urllib.error  # only deliveries need the HTTP client (cold start)
    import urllib.request

    text = text_of(page, language)
    if route["kind"] in ("chat", "slack"):
        body: dict[str, Any] = {"text": text}
    else:
        body = {"text": text, "page": {k: page.get(k) for k in ("service", "oncall", "message", "by", "incident")}}
    request = urllib.request.Request(
        str(route["url"]),
        data=json.dumps(body, default=str).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=_timeout_s()) as response:
            response.read(4096)
            return None
    except urllib.error.HTTPError as exc:
        return f"receiver answered {exc.code}"
    except (TimeoutError, OSError) as exc:  # refused, unreachable, no answer in time
        return f"receiver unreachable ({type(exc).__name__})"
