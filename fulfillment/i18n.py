"""Answers in the caller's language: gettext catalogs, one language per request.

Sentences are English msgids in the code, wrapped in `_()` (translate now) or `N_()`
(mark for extraction, translate where used). Catalogs are the application's: it names their
folder (`App.locale_dir`, or the LOCALE_DIR setting), laid out as `LANG/LC_MESSAGES/
messages.po` compiled to `.mo`; without one every answer is English. The runtime reads `.mo` files with the standard
library's `gettext`; Babel is imported only to format dates, durations and lists, on the
first request that needs it (see `fmt.py`), so a cold start that greets pays nothing.

The language comes from the request (ES `queryResult.languageCode`, CX `languageCode`:
`en-us`, `pt-BR`, `de`) and falls back from region to language to English (`negotiate`).
`use()` sets it for the current request; the handler thread inherits it (deadline.run
copies the context).
"""

from __future__ import annotations

import contextvars
import functools
import gettext as _gettext
from pathlib import Path
from typing import Any

DEFAULT = "en"
DOMAIN = "messages"
_locale_dir: Path | None = None  # set by fulfillment.configure (App.locale_dir / LOCALE_DIR)

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT)


def N_(message: str) -> str:
    """Mark a sentence for extraction without translating it here (module-level constants)."""
    return message


def set_locale_dir(folder: str | Path) -> None:
    """Where the catalogs are ("" for none: English only); forgets what was loaded."""
    global _locale_dir
    _locale_dir = Path(folder) if folder else None
    available.cache_clear()
    negotiate.cache_clear()
    catalog.cache_clear()


def locale_dir() -> Path | None:
    return _locale_dir


@functools.lru_cache(maxsize=1)
def available() -> tuple[str, ...]:
    """Languages with a compiled catalog, plus the default (English needs none)."""
    if _locale_dir is None:
        return (DEFAULT,)
    found = {p.parent.parent.name for p in _locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return (DEFAULT, *sorted(found - {DEFAULT}))


def agent_languages() -> list[str]:
    """The agent's languages for the exports: AGENT_LANGUAGES (comma separated) or every catalog;
    the default language first."""
    from fulfillment.settings import settings

    configured = list(settings().agent_languages)
    languages = configured or list(available())
    return [DEFAULT, *[lang for lang in languages if lang != DEFAULT]] if DEFAULT in languages else languages


@functools.lru_cache(maxsize=256)
def negotiate(code: str) -> str:
    """The catalog for a request's language code: exact (pt_BR), then the language (de for
    de-AT), then any region of it (pt_BR for pt), then English."""
    if not isinstance(code, str) or not code.strip():
        return DEFAULT
    parts = code.strip().replace("-", "_").split("_")
    language = parts[0].lower()
    region = parts[1].upper() if len(parts) > 1 and len(parts[1]) == 2 else ""
    have = available()
    for candidate in (f"{language}_{region}" if region else "", language):
        if candidate and candidate in have:
            return candidate
    return next((h for h in have if h.split("_")[0] == language), DEFAULT)


def use(code: str) -> str:
    """Answer the rest of this request in `code`'s language; returns the catalog chosen."""
    chosen = negotiate(code)
    _current.set(chosen)
    return chosen


def current() -> str:
    return _current.get()


@functools.lru_cache(maxsize=None)
def catalog(language: str) -> _gettext.NullTranslations:
    if language == DEFAULT or _locale_dir is None:
        return _gettext.NullTranslations()
    try:
        with open(_locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as f:
            return _gettext.GNUTranslations(f)
    except OSError:
        return _gettext.NullTranslations()


def translate(language: str, message: str, /, **values: Any) -> str:
    """`message` in `language` (a catalog name or a request code), placeholders filled."""
    text = catalog(negotiate(language)).gettext(message)
    return text.format(**values) if values else text


def _(message: str, /, **values: Any) -> str:
    """`message` in the current request's language, `{placeholders}` filled from `values`."""
    text = catalog(_current.get()).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The singular or plural form for `n` in the current language; `{n}` is filled too."""
    text = catalog(_current.get()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def from_body(body: Any) -> str:
    """A best guess at the language of a raw body (for the crash apology and refusals, when
    no Turn exists): ES queryResult.languageCode, CX languageCode, v1 lang."""
    if not isinstance(body, dict):
        return DEFAULT
    query = body.get("queryResult") or body.get("query_result")
    for source, key in (
        (query, "languageCode"),
        (query, "language_code"),
        (body, "languageCode"),
        (body, "language_code"),
        (body, "lang"),
    ):
        if isinstance(source, dict) and isinstance(source.get(key), str):
            return negotiate(source[key])
    return DEFAULT
