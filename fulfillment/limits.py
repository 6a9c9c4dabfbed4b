"""Dialogflow rejects webhook responses over 64 KiB; cut ours down instead.

The least important parts go first (custom payloads, lists, images, cards, link-outs,
chips), then long texts are shortened. The user still hears the answer.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from html import escape
from typing import Any, Callable

from . import jsonio
from .reply import Card, Chips, Image, ItemList, LinkOut, Message, Payload, Reply, Speech, Text

log = logging.getLogger("fulfillment")

MAX_RESPONSE_BYTES = 64 * 1024
_DROP_ORDER = (Payload, ItemList, Image, Card, LinkOut, Chips)


def encode(payload: dict[str, Any]) -> bytes:
    return jsonio.dumps(payload)


def fit(reply: Reply, render: Callable[[Reply], dict[str, Any]],
        limit: int = MAX_RESPONSE_BYTES) -> bytes:
    body = encode(render(reply))
    if len(body) <= limit:
        return body
    original = len(body)
    for kind in _DROP_ORDER:
        if any(isinstance(m, kind) for m in reply.messages):
            reply = reply.without(kind)
            body = encode(render(reply))
            if len(body) <= limit:
                break
    budget = 4000
    while len(body) > limit and budget > 50:
        kept = reply.messages if budget >= 500 else reply.messages[:20]
        reply = replace(reply, messages=tuple(_shorten(m, budget) for m in kept),
                        contexts=tuple(replace(c, parameters={}) for c in reply.contexts)
                        if budget < 1000 else reply.contexts,
                        memories=tuple(replace(m, values={}) for m in reply.memories)
                        if budget < 1000 else reply.memories)
        body = encode(render(reply))
        budget //= 2
    log.warning("response of %d bytes cut to %d to stay under Dialogflow's %d-byte limit",
                original, len(body), limit)
    return body


def _shorten(message: Message, chars: int) -> Message:
    if isinstance(message, Text) and len(message.text) > chars:
        return Text(message.text[:chars - 1] + "…")
    if isinstance(message, Speech) and len(message.display) > chars:
        short = message.display[:chars - 1] + "…"
        return Speech(f"<speak>{escape(short)}</speak>", short)
    return message
