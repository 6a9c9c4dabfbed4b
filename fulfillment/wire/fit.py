"""The response body for a Reply: rendered for the caller's dialect and surface, under 64 KiB.

Dialogflow rejects webhook responses over 64 KiB, so ours are cut down instead:

The least important parts go first (custom payloads, lists, images, cards, link-outs,
chips), then long texts are shortened. The user still hears the answer.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from html import escape
from typing import Any, Callable

from fulfillment import jsonio
from fulfillment.reply import Card, Chips, Image, ItemList, LinkOut, Message, Payload, Reply, Speech, Text
from fulfillment.turn import Turn
from fulfillment.wire import dialect

log = logging.getLogger("fulfillment")

MAX_RESPONSE_BYTES = 64 * 1024
_DROP_ORDER = (Payload, ItemList, Image, Card, LinkOut, Chips)


def encode(payload: dict[str, Any]) -> bytes:
    return jsonio.dumps(payload)


def cut(reply: Reply, render: Callable[[Reply], dict[str, Any]], limit: int = MAX_RESPONSE_BYTES) -> bytes:
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
        reply = replace(
            reply,
            messages=tuple(_shorten(m, budget) for m in kept),
            contexts=tuple(replace(c, parameters={}) for c in reply.contexts) if budget < 1000 else reply.contexts,
            memories=tuple(replace(m, values={}) for m in reply.memories) if budget < 1000 else reply.memories,
        )
        body = encode(render(reply))
        budget //= 2
    log.warning("response of %d bytes cut to %d to stay under Dialogflow's %d-byte limit", original, len(body), limit)
    return body


def _shorten(message: Message, chars: int) -> Message:
    if isinstance(message, Text) and len(message.text) > chars:
        return Text(message.text[: chars - 1] + "…")
    if isinstance(message, Speech) and len(message.display) > chars:
        short = message.display[: chars - 1] + "…"
        return Speech(f"<speak>{escape(short)}</speak>", short)
    return message


_rendered: OrderedDict[tuple, tuple[Reply, bytes]] = OrderedDict()
_rendered_lock = threading.Lock()


def body_for(reply: Reply, turn: Turn) -> bytes:
    """The response body: rendered for the dialect and surface, cut under 64 KiB.

    Handlers often return the same immutable Reply object (a greeting, help). Without
    contexts, memories or a followup its bytes depend only on dialect and surface, so they are kept
    (the Reply itself is held, so its id cannot be reused while cached)."""
    if reply.contexts or reply.memories or reply.followup:
        return cut(reply, lambda r: dialect.render(r, turn))
    key = (id(reply), turn.dialect, turn.surface)
    with _rendered_lock:
        cached = _rendered.get(key)
        if cached is not None and cached[0] is reply:
            _rendered.move_to_end(key)
            return cached[1]
    body = cut(reply, lambda r: dialect.render(r, turn))
    with _rendered_lock:
        _rendered[key] = (reply, body)
        if len(_rendered) > 256:
            _rendered.popitem(last=False)
    return body
