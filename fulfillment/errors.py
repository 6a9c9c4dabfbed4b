"""Requests the webhook refuses: the status, the headers and the outcome logged for each.

The door (method, content type, size, authentication) raises these before any dialect is
known, so this module imports nothing of the framework: `intake`, `auth` and `push` use it
without the parsing layer, and `main.py` logs `outcome` without mapping statuses back.
"""
from __future__ import annotations


class BadRequest(ValueError):
    """A request we cannot serve; the message is safe to show the caller."""

    status = 400
    outcome = "bad_request"

    def __init__(self, message: str, status: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.headers = headers or {}


class Unauthorized(BadRequest):
    """401 with the challenges a client can answer (RFC 9110 allows several)."""

    status = 401
    outcome = "unauthorized"

    def __init__(self, message: str, basic: bool = False, bearer: bool = False, realm: str = "webhook"):
        challenges = ([f'Basic realm="{realm}", charset="UTF-8"'] if basic else []) + \
                     (['Bearer error="invalid_token"'] if bearer else [])
        super().__init__(message, None, {"WWW-Authenticate": ", ".join(challenges)} if challenges else None)


class NotConfigured(BadRequest):
    """503: authentication is required in production and none is configured."""

    status = 503
    outcome = "unauthorized"

