"""A small Dialogflow (ES and CX) fulfillment framework: Turn in, Reply out.

Handlers import what they need from here; nothing heavy is imported at start-up. An
application describes itself once with `configure(App(...))` (see fulfillment/app.py).
Besides these names, an app may use the modules in PUBLIC_MODULES: its entry module the
request path (`webhook.start`, `webhook.handle`), its intents and event handlers sentences,
formatting, the database, the warm-up, push events and settings. Everything else is the
framework's own (tests/test_layers.py holds both rules).
"""

from fulfillment.app import App, configure
from fulfillment.entities import entity
from fulfillment.reply import Button, ListItem, Reply
from fulfillment.router import Param, intent, prompt_for
from fulfillment.settings import section, setting
from fulfillment.telemetry.logline import hash_session
from fulfillment.telemetry.recent import stats as recent_stats
from fulfillment.turn import Turn, as_text

PUBLIC_MODULES = ("webhook", "i18n", "fmt", "store", "warmup", "push", "settings")

__all__ = [
    "App",
    "Button",
    "ListItem",
    "Param",
    "Reply",
    "Turn",
    "as_text",
    "configure",
    "entity",
    "hash_session",
    "intent",
    "prompt_for",
    "recent_stats",
    "section",
    "setting",
]
