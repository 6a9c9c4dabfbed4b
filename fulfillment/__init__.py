"""A small Dialogflow (ES and CX) fulfillment framework: Turn in, Reply out.

Handlers import what they need from here; nothing heavy is imported at start-up. An
application describes itself once with `configure(App(...))` (see fulfillment/app.py).
Besides these names, an app's intents and event handlers may use the modules in
PUBLIC_MODULES (sentences, formatting, the database, the warm-up, push events, settings);
everything else is the framework's own (tests/test_layers.py holds both rules).
"""
from .app import App, configure
from .entities import entity
from .logline import hash_session
from .recent import stats as recent_stats
from .reply import Button, ListItem, Reply
from .router import Param, intent, prompt_for
from .settings import section, setting
from .turn import Turn, as_text

PUBLIC_MODULES = ("i18n", "fmt", "store", "warmup", "push", "settings")

__all__ = ["App", "Button", "ListItem", "Param", "Reply", "Turn", "as_text", "configure", "entity",
           "hash_session", "intent", "prompt_for", "recent_stats", "section", "setting"]
