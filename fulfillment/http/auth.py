"""Only Dialogflow may call the webhook: basic auth, a shared header secret, or a
Google-signed ID token from an allowed service account — any configured one suffices.

Configuration (settings, see fulfillment/settings.py; in production mounted from Secret Manager):
  WEBHOOK_BASIC_USER, WEBHOOK_BASIC_PASSWORD     ES fulfillment "basic auth"
  WEBHOOK_HEADER_NAME, WEBHOOK_HEADER_SECRET     ES/CX custom header with a shared secret
  WEBHOOK_ID_TOKEN_AUDIENCE, WEBHOOK_ID_TOKEN_EMAILS (comma-separated)
                                                 Google ID token in Authorization: Bearer
  WEBHOOK_ALLOW_UNAUTHENTICATED=1                explicit opt-out in production
Credentials are compared in constant time and never logged.
"""

from __future__ import annotations

import base64
import functools
import hmac
import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fulfillment import app
from fulfillment.http.refusal import NotConfigured, Refusal, Unauthorized
from fulfillment.settings import Settings, settings
from fulfillment.telemetry.outcome import Outcome

if TYPE_CHECKING:
    from flask import Request

log = logging.getLogger("fulfillment")

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")


@dataclass(frozen=True)
class AuthConfig:
    basic_user: str = ""
    basic_password: str = ""
    header_name: str = ""
    header_secret: str = ""
    audience: str = ""
    emails: tuple[str, ...] = ()
    certs_url: str = GOOGLE_CERTS_URL
    allow_unauthenticated: bool = False

    @functools.cached_property
    def methods(self) -> list[str]:
        return [
            name
            for name, on in (
                ("basic", self.basic_user and self.basic_password),
                ("header", self.header_name and self.header_secret),
                ("id_token", self.audience and self.emails),
            )
            if on
        ]


_config: tuple[object, AuthConfig] | None = None


def config() -> AuthConfig:
    """The webhook's own callers, from the settings (built again only when they are re-read)."""
    global _config
    cfg = settings()
    if _config is None or _config[0] is not cfg:
        _config = (cfg, _build(cfg))
    return _config[1]


def _build(cfg: Settings) -> AuthConfig:
    return AuthConfig(
        basic_user=cfg.basic_user,
        basic_password=cfg.basic_password,
        header_name=cfg.header_name,
        header_secret=cfg.header_secret,
        audience=cfg.id_token_audience,
        emails=tuple(e.lower() for e in cfg.id_token_emails),
        certs_url=cfg.certs_url,
        allow_unauthenticated=cfg.allow_unauthenticated,
    )


def startup_check() -> None:
    """Say loudly at start-up how callers are checked; refuse to serve an open door in production."""
    cfg = config()
    if cfg.methods:
        log.info("webhook authentication: %s", ", ".join(cfg.methods))
    elif settings().production and not cfg.allow_unauthenticated:
        log.error(
            "NO WEBHOOK AUTHENTICATION CONFIGURED in production: every request will be "
            "refused. Configure basic auth, a header secret or ID tokens, or set "
            "WEBHOOK_ALLOW_UNAUTHENTICATED=1 to serve an open webhook on purpose."
        )
    else:
        log.warning(
            "webhook authentication is OFF (%s): anyone who knows the URL can call it",
            "explicit opt-out" if cfg.allow_unauthenticated else "emulator / local run",
        )


def check(request: Request) -> None:
    cfg = config()
    methods = cfg.methods
    if not methods:
        if not cfg.allow_unauthenticated and settings().production:
            raise NotConfigured("webhook authentication is not configured; refusing to serve")
        return
    authorization = request.headers.get("Authorization", "")
    if "basic" in methods and authorization[:6].lower() == "basic ":
        if _basic_ok(authorization[6:].strip(), cfg):
            return
    if "header" in methods:
        given = request.headers.get(cfg.header_name)
        if given is not None and hmac.compare_digest(given.encode(), cfg.header_secret.encode()):
            return
    if "id_token" in methods and authorization[:7].lower() == "bearer ":
        try:
            verify_id_token(authorization[7:].strip(), cfg)
            return
        except Unauthorized as rejected:
            raise Unauthorized(
                str(rejected), basic="basic" in methods, bearer=True, realm=app.current().realm
            ) from None
    raise Unauthorized("missing or wrong credentials", basic="basic" in methods, realm=app.current().realm)


def _basic_ok(encoded: str, cfg: AuthConfig) -> bool:
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    user_ok = hmac.compare_digest(user.encode(), cfg.basic_user.encode())
    password_ok = hmac.compare_digest(password.encode(), cfg.basic_password.encode())
    return user_ok and password_ok


MAX_TOKEN_LIFETIME_S = 3600 + 300  # Google's ID tokens live 1 h; allow for clock skew
CLOCK_SKEW_S = 10


class CertsUnavailable(Refusal):
    """Google's signing certificates cannot be had: nobody's ID token can be checked now."""

    outcome = Outcome.UNAUTHORIZED

    def __init__(self) -> None:
        super().__init__(
            "cannot verify ID tokens right now (signing certificates unavailable); try again shortly",
            503,
            {"Retry-After": "5"},
        )


def verify_id_token(token: str, cfg: AuthConfig) -> dict:
    """Verify signature, expiry, audience (google-auth) and issuer, email, not-before and
    lifetime (here: google-auth checks none of these)."""
    from google.auth import exceptions, jwt

    certs = _certs.get(cfg.certs_url)  # CertsUnavailable (503) when there are none
    try:
        claims = jwt.decode(token, certs=certs, audience=cfg.audience, clock_skew_in_seconds=CLOCK_SKEW_S)
    except (ValueError, exceptions.GoogleAuthError) as exc:
        raise Unauthorized(f"invalid ID token: {_reason(exc)}") from None
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise Unauthorized("invalid ID token: wrong issuer")
    now = time.time()
    nbf, iat, exp = claims.get("nbf"), claims.get("iat"), claims.get("exp")
    if nbf is not None and (not _is_number(nbf) or nbf > now + CLOCK_SKEW_S):
        raise Unauthorized("invalid ID token: not yet valid")
    if not (_is_number(iat) and _is_number(exp)) or exp - iat > MAX_TOKEN_LIFETIME_S:
        raise Unauthorized("invalid ID token: lifetime longer than Google's")
    email = str(claims.get("email", "")).lower()
    if not email or email not in cfg.emails or claims.get("email_verified") is not True:
        raise Unauthorized("ID token's service account is not allowed")
    return claims


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _reason(exc: Exception) -> str:
    text = str(exc)
    for word in ("expired", "audience", "signature", "Too early", "segments", "certificate"):
        if word.lower() in text.lower():
            return {"Too early": "not yet valid", "segments": "malformed"}.get(
                word, word if word != "audience" else "wrong audience"
            )
    return "could not be verified"


class _CertCache:
    """Google's signing certificates, kept as long as Cache-Control says, and longer while a
    refresh fails (a rotated-out key stays valid at Google for hours after rotation).

    The fetch runs outside the lock and only one at a time: other callers meanwhile use the
    certificates on hand, or, with none yet, are told at once that none can be had (503)
    instead of queueing behind a slow or hanging certificate URL. A failed fetch backs off
    (1 s, doubling to 60 s) so that a dead URL is not hammered by every request."""

    FETCH_TIMEOUT_S = 3.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, dict]] = {}  # url -> (fresh until, certs)
        self._fetching: set[str] = set()
        self._retry_at: dict[str, tuple[float, float]] = {}  # url -> (not before, last backoff)

    def get(self, url: str) -> dict:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(url)
            if entry and entry[0] > now:
                return entry[1]
            not_before, backoff = self._retry_at.get(url, (0.0, 0.0))
            if url in self._fetching or now < not_before:
                if entry:
                    return entry[1]  # stale, but the best there is
                raise CertsUnavailable()
            self._fetching.add(url)
        try:
            certs, max_age = self._fetch(url)
        except Exception as exc:  # noqa: BLE001 - any failure: unreachable, hanging, garbage
            with self._lock:
                self._fetching.discard(url)
                backoff = min(max(backoff * 2, 1.0), 60.0)
                self._retry_at[url] = (time.monotonic() + backoff, backoff)
            log.warning(
                "fetching ID-token certificates failed (%s); %s",
                type(exc).__name__,
                "serving the last good ones" if entry else "ID tokens refused until it works",
            )
            if entry:
                return entry[1]
            raise CertsUnavailable() from None
        with self._lock:
            self._fetching.discard(url)
            self._retry_at.pop(url, None)
            self._entries[url] = (time.monotonic() + max_age, certs)
        return certs

    def _fetch(self, url: str) -> tuple[dict, int]:
        import urllib.request  # only ID-token setups need it, and only once an hour

        with urllib.request.urlopen(url, timeout=self.FETCH_TIMEOUT_S) as response:
            certs = json.loads(response.read())
            max_age = re.search(r"max-age=(\d+)", response.headers.get("Cache-Control", ""))
        if not isinstance(certs, dict) or not certs:
            raise ValueError("no certificates in the answer")
        return certs, int(max_age.group(1)) if max_age else 300


_certs = _CertCache()
