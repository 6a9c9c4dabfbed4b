"""Intents that misbehave on purpose, loaded only by test servers (INTENT_PACKAGES)."""
