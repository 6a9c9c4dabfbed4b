"""What an application tells the framework about itself, in one explicit call.

The framework speaks for no application: its polite sentences are generic, its basic-auth
realm is "webhook", an exported agent describes itself in neutral words, and it knows no
settings but its own. An application changes that once, from its entry module:

    fulfillment.configure(fulfillment.App(name="pizzeria", realm="pizzeria",
                                          messages={"db_unavailable": N_("The oven is down.")},
                                          settings=(PizzeriaSettings,), locale_dir="/srv/locales"))

`configure` reads every settings section at once, so a bad value stops start-up. The command
line (`python -m fulfillment`) looks for the same `App` as the attribute `APP` of the first
intent package, so the agent it exports is described the way the deployed function is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from fulfillment import settings as _settings
from fulfillment.i18n import N_

# What the user hears when things go wrong (English msgids, translated when used).
MESSAGES = {
    "timeout": N_("Sorry, that is taking too long. Please try again in a moment."),
    "handler_error": N_("Sorry, something went wrong on my side. Please try again."),
    "db_unavailable": N_("Sorry, I can't reach the database right now. Please try again in a minute."),
}


@dataclass(frozen=True)
class App:
    """An application's identity and wording; every field has a neutral default.

    APP = App(name="pizzeria", realm="pizzeria", messages={"db_unavailable": N_("The oven is down.")})
    """

    name: str = "fulfillment-agent"  # the agent's display name when exported
    description: str = "A Dialogflow agent (generated from its intents; do not edit in the console)"
    realm: str = "webhook"  # the basic-auth realm in a 401
    messages: dict[str, str] = field(default_factory=dict)  # rewording of MESSAGES, by key
    settings: tuple[type, ...] = ()  # the app's own settings sections
    locale_dir: str = ""  # its gettext catalogs (none: English only)

    def message(self, kind: str) -> str:
        return self.messages.get(kind) or MESSAGES[kind]


_current = App()


def configure(app: App) -> App:
    """Make `app` the application; read every settings section now (SettingsError if bad).

    fulfillment.configure(intents.APP)        # once, in main.py, before serving
    """
    global _current
    unknown = set(app.messages) - set(MESSAGES)
    if unknown:
        raise ValueError(f"App.messages: no such message {sorted(unknown)}; known: {sorted(MESSAGES)}")
    for section in app.settings:
        if not dataclasses.is_dataclass(section):
            raise TypeError(f"App.settings: {section!r} is not a dataclass of fulfillment.setting fields")
        _settings.section(section)
    _settings.settings()
    _current = app
    from fulfillment import i18n

    i18n.set_locale_dir(_settings.settings().locale_dir or app.locale_dir)
    return app


def current() -> App:
    """The configured application (neutral defaults until `configure`)."""
    return _current


def agent_name() -> str:
    """The agent's display name: the AGENT_NAME setting, else the app's name."""
    return _settings.settings().agent_name or _current.name


def load_for_command_line() -> list[str]:
    """Import the intent packages and configure the `APP` the first one declares (if any),
    so `python -m fulfillment agent ...` describes the agent as the deployed function would."""
    import importlib

    from fulfillment import router

    packages = _settings.settings().intent_packages
    try:
        names = router.load(*packages)
    except ModuleNotFoundError as missing:
        if missing.name not in packages:
            raise
        raise SystemExit(
            f"no intent package {missing.name!r} here: set INTENT_PACKAGES to your app's "
            "package (comma-separated), or run from the folder that holds it"
        ) from None
    declared = getattr(importlib.import_module(packages[0]), "APP", None) if packages else None
    if isinstance(declared, App):
        configure(declared)
    return names
