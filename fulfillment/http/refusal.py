"""Requests we refuse: one exception carrying the status, the outcome word, headers and a message.

The door (method, content type, size, authentication) raises these before any dialect is
known, so this module imports nothing of the framework beyond the outcome words: `intake`,
`auth` and `push` use it without the parsing layer, and the request path logs `outcome`
without mapping statuses back.
"""

from __future__ import annotations

from fulfillment.telemetry.outcome import Outcome


class Refusal(Exception):
    """A request we cannot serve; the message is safe to show the caller.

    raise Refusal("the body must be a JSON object")                  # 400, bad_request
    raise Refusal("use POST", 405, {"Allow": "POST"})
    """

    status = 400
    outcome = Outcome.BAD_REQUEST

    def __init__(self, message: str, status: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.headers = headers or {}


class Unauthorized(Refusal):
    """401 with the challenges a client can answer (RFC 9110 allows several)."""

    status = 401
    outcome = Outcome.UNAUTHORIZED

    def __init__(self, message: str, basic: bool = False, bearer: bool = False, realm: str = "webhook"):
        challenges = [f'Basic realm="{realm}", charset="UTF-8"'] if basic else []
        challenges += ['Bearer error="invalid_token"'] if bearer else []
        super().__init__(message, None, {"WWW-Authenticate": ", ".join(challenges)} if challenges else None)


class NotConfigured(Refusal):
    """503: authentication is required in production and none is configured."""

    status = 503
    outcome = Outcome.UNAUTHORIZED
