"""Watchkeeper's intents: one module each. A module registers itself with @intent;
`fulfillment.router.load("intents")` imports them all. Modules starting with "_" are helpers."""
