"""Every environment variable, declared once, read once, checked at start-up.

A setting is a dataclass field made with `setting(...)`: its variable, default and meaning live
next to each other, so docs/configuration.md's table and the code cannot drift (tests/test_settings.py).
`load(cls)` reads a whole section and refuses a value it cannot parse, naming the variable:
a typo in production stops the instance at start-up instead of silently using a default.

The framework's section is `Settings`; an application adds its own section (a dataclass of
`setting(...)` fields) through `fulfillment.configure(App(settings=...))` and reads it with
`section(cls)`. Secrets (passwords, shared secrets) are read here too and never logged.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class SettingsError(ValueError):
    """An environment variable holds a value its setting cannot use."""


def setting(
    name: str,
    default: Any,
    meaning: str,
    *,
    also: tuple[str, ...] = (),
    secret: bool = False,
    bounds: tuple[float, float] | None = None,
) -> Any:
    """A dataclass field read from the variable `name` (or the first of `also` that is set).

    The type of `default` says how to parse it: bool, int, float, str or tuple (comma list):

        ttl_s: float = setting("DIRECTORY_TTL_S", 60.0, "how long the directory is cached")
    """
    return dataclasses.field(
        default=default, metadata={"env": name, "also": also, "meaning": meaning, "secret": secret, "bounds": bounds}
    )


def parse_bool(name: str, raw: str) -> bool:
    """1/true/yes/on or 0/false/no/off (any case); anything else is a typo, not False."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE or value == "":
        return False
    raise SettingsError(f"{name}={raw!r} is not a yes/no value (use 1/true/yes or 0/false/no)")


def _parse(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return parse_bool(name, raw)
    if isinstance(default, (int, float)):
        kind: Callable[[str], Any] = int if isinstance(default, int) else float
        try:
            value = kind(raw.strip())
        except ValueError:
            raise SettingsError(
                f"{name}={raw!r} is not {'an integer' if kind is int else 'a number'} (default {default})"
            ) from None
        if value < 0:
            raise SettingsError(f"{name}={raw!r} must not be negative (default {default})")
        return value
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw.strip()


def load(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
    """Read every `setting(...)` field of `cls` from the environment; SettingsError names a bad one."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if "env" not in f.metadata:
            continue  # derived fields (init=False) are not read
        for name in (f.metadata["env"], *f.metadata["also"]):
            raw = environ.get(name)
            if raw is not None and raw.strip() != "":
                values[f.name] = _parse(name, raw, f.default)
                low, high = f.metadata["bounds"] or (values[f.name], values[f.name])
                if not low <= values[f.name] <= high:
                    raise SettingsError(f"{name}={raw!r} is outside {low:g}-{high:g} (default {f.default})")
                break
    return cls(**values)


def table(*sections: type) -> str:
    """The configuration table of docs/configuration.md (Markdown): variable, default, meaning, for every section."""
    lines = ["| variable | default | what |", "|---|---|---|"]
    for cls in sections:
        for f in dataclasses.fields(cls):
            if "env" not in f.metadata:
                continue
            default = f.default
            shown = (
                ",".join(default)
                if isinstance(default, tuple)
                else ("on" if default else "off")
                if isinstance(default, bool)
                else str(default)
            )
            also = "".join(f" / `{name}`" for name in f.metadata["also"])
            lines.append(
                f"| `{f.metadata['env']}`{also} | {f'`{shown}`' if shown else 'unset'} | {f.metadata['meaning']} |"
            )
    return "\n".join(lines)


@dataclass(frozen=True)
class Settings:
    """The framework's settings. Variables an app adds are in its own section."""

    project: str = setting(
        "GOOGLE_CLOUD_PROJECT",
        "demo-local",
        "Google Cloud project; the local default is an emulator-only demo project",
        also=("GCP_PROJECT", "GCLOUD_PROJECT"),
    )
    database: str = setting("FIRESTORE_DATABASE", "(default)", "Firestore database id")
    emulator_host: str = setting(
        "FIRESTORE_EMULATOR_HOST",
        "",
        "host:port of the Firestore emulator; set means local/test mode (no credentials, open webhook allowed)",
    )
    intent_packages: tuple[str, ...] = setting(
        "INTENT_PACKAGES", ("intents",), "comma-separated packages whose modules register intents"
    )
    version: str = setting("K_REVISION", "dev", "revision in the health check and log lines", also=("APP_VERSION",))
    health_path: str = setting("HEALTH_PATH", "/healthz", "GET path of the health check (GET / answers too)")
    max_body_bytes: int = setting("MAX_BODY_BYTES", 256 * 1024, "largest request body accepted (413 above)")
    read_timeout_s: float = setting(
        "WEBHOOK_READ_TIMEOUT_S",
        10.0,
        "servers that enforce it (scripts/serve.py, `make run`): a request's header and body must arrive within this",
    )
    es_budget_s: float = setting(
        "DEADLINE_ES_S",
        4.0,
        "time a handler has on an ES turn before the polite timeout answer (ES waits 5 s, network included)",
    )
    cx_timeout_s: float = setting(
        "WEBHOOK_TIMEOUT_CX_S",
        5.0,
        "the CX webhook timeout configured on the agent (1-30 s); exported with the agent",
        bounds=(1, 30),
    )
    cx_budget_s: float = setting(
        "DEADLINE_CX_S", 0.0, "time a handler has on a CX turn; 0 means 80% of WEBHOOK_TIMEOUT_CX_S"
    )
    log_query_text: bool = setting("LOG_QUERY_TEXT", False, "log what the user said (off: only its length)")
    # authentication of Dialogflow's calls (see fulfillment/http/auth.py)
    basic_user: str = setting("WEBHOOK_BASIC_USER", "", "basic auth user name")
    basic_password: str = setting("WEBHOOK_BASIC_PASSWORD", "", "basic auth password (secret)", secret=True)
    header_name: str = setting("WEBHOOK_HEADER_NAME", "", "name of a shared-secret header")
    header_secret: str = setting("WEBHOOK_HEADER_SECRET", "", "value of the shared-secret header (secret)", secret=True)
    id_token_audience: str = setting("WEBHOOK_ID_TOKEN_AUDIENCE", "", "audience of Google-signed ID tokens")
    id_token_emails: tuple[str, ...] = setting(
        "WEBHOOK_ID_TOKEN_EMAILS", (), "comma-separated service accounts whose ID tokens are accepted"
    )
    certs_url: str = setting(
        "WEBHOOK_ID_TOKEN_CERTS_URL",
        "https://www.googleapis.com/oauth2/v1/certs",
        "where Google's token-signing certificates are fetched",
    )
    allow_unauthenticated: bool = setting(
        "WEBHOOK_ALLOW_UNAUTHENTICATED",
        False,
        "serve an open webhook in production on purpose (otherwise 503 without auth)",
    )
    # Pub/Sub push deliveries on /events/<name> (see fulfillment/push.py)
    push_audience_base: str = setting(
        "PUSH_AUDIENCE_BASE", "", "the function's URL: a push token's audience is this plus the path"
    )
    push_service_accounts: tuple[str, ...] = setting(
        "PUSH_SERVICE_ACCOUNTS", (), "comma-separated service accounts Pub/Sub signs pushes as"
    )
    push_allow_unauthenticated: bool = setting(
        "PUSH_ALLOW_UNAUTHENTICATED", False, "accept unsigned pushes in production on purpose"
    )
    event_budget_s: float = setting(
        "EVENT_BUDGET_S", 8.0, "time an event handler has before the delivery is refused for a retry"
    )
    # instance start
    warmup: bool = setting(
        "WARMUP", True, "prepare the database client and caches in the background after the first answer"
    )
    warmup_budget_s: float = setting("WARMUP_BUDGET_S", 5.0, "how long the warm-up may take")
    # languages and the agent as code (command line)
    locale_dir: str = setting(
        "LOCALE_DIR", "", "folder of gettext catalogs (default: the app's, given to fulfillment.configure)"
    )
    agent_languages: tuple[str, ...] = setting(
        "AGENT_LANGUAGES", (), "languages the agent speaks; default: every catalog"
    )
    agent_name: str = setting("AGENT_NAME", "", "agent display name on export/push (default: the app's name)")
    agent_timezone: str = setting("AGENT_TIMEZONE", "UTC", "agent time zone on export/push")
    webhook_url: str = setting("WEBHOOK_URL", "", "the webhook's URL, written into an exported agent")
    dialogflow_endpoint: str = setting(
        "DIALOGFLOW_ENDPOINT",
        "",
        "Dialogflow API host:port for agent push/pull and say --project (tests: a local server)",
    )
    dialogflow_insecure: bool = setting("DIALOGFLOW_INSECURE", False, "talk to DIALOGFLOW_ENDPOINT without TLS")
    port: int = setting("PORT", 8080, "local port to serve on, and the default URL of `say`")

    # Derived once, read on every request (plain attributes: no property call on the hot path).
    emulator: bool = dataclasses.field(init=False)  # running against emulators: local or tests
    production: bool = dataclasses.field(init=False)
    cx_deadline_s: float = dataclasses.field(init=False)  # DEADLINE_CX_S, else 80% of the CX timeout

    def __post_init__(self) -> None:
        object.__setattr__(self, "emulator", bool(self.emulator_host))
        object.__setattr__(self, "production", not self.emulator_host)
        object.__setattr__(self, "cx_deadline_s", self.cx_budget_s or 0.8 * min(max(self.cx_timeout_s, 1.0), 30.0))


_sections: dict[type, Any] = {}


def section(cls: type[T]) -> T:
    """The section `cls`, read once per process (`reload()` forgets every section).

    section(OnCallSettings).directory_ttl_s
    """
    found = _sections.get(cls)
    if found is None:
        found = _sections[cls] = load(cls)
    return found


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    """The framework's settings, read once per process (cached: called on every request)."""
    return section(Settings)


def reload() -> None:
    """Read the environment again (tests that change it)."""
    _sections.clear()
    settings.cache_clear()
