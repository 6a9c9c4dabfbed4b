"""Watchkeeper's on-call domain: the directory, shifts, incidents, deploys, the page outbox,
the clock and its settings, and the answers several intents share.

`intents/` (what people ask), `events/` (what Pub/Sub brings) and `admin/` (the operator's
commands) all use it; it uses only the framework's public surface (tests/test_layers.py)."""
