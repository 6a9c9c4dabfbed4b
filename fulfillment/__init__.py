"""A small Dialogflow (ES and CX) fulfillment framework: Turn in, Reply out.

Handlers import what they need from here; nothing heavy is imported at start-up.
"""
from .reply import Button, ListItem, Reply
from .router import Param, entity, intent
from .telemetry import hash_session
from .turn import Turn, as_text

__all__ = ["Button", "ListItem", "Param", "Reply", "Turn", "as_text", "entity", "hash_session", "intent"]
