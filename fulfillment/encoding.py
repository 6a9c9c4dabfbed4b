"""The response body for a Reply: rendered for the caller's dialect and surface, cut to fit.

Kept apart from `dialect` (which only detects, parses and renders) because it also keeps
the bytes of Replies that recur, and that cache has rules of its own (see `encode`).
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from . import dialect, limits
from .reply import Reply
from .turn import Turn

_rendered: OrderedDict[tuple, tuple[Reply, bytes]] = OrderedDict()
_rendered_lock = threading.Lock()


def encode(reply: Reply, turn: Turn) -> bytes:
    """The response body: rendered for the dialect and surface, cut under 64 KiB.

    Handlers often return the same immutable Reply object (a greeting, help). Without
    contexts, memories or a followup its bytes depend only on dialect and surface, so they are kept
    (the Reply itself is held, so its id cannot be reused while cached)."""
    if reply.contexts or reply.memories or reply.followup:
        return limits.fit(reply, lambda r: dialect.render(r, turn))
    key = (id(reply), turn.dialect, turn.surface)
    with _rendered_lock:
        cached = _rendered.get(key)
        if cached is not None and cached[0] is reply:
            _rendered.move_to_end(key)
            return cached[1]
    body = limits.fit(reply, lambda r: dialect.render(r, turn))
    with _rendered_lock:
        _rendered[key] = (reply, body)
        if len(_rendered) > 256:
            _rendered.popitem(last=False)
    return body
