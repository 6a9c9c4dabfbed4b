"""The agent as code (a tool, never on the request path): export and sync for ES and CX, and
Google's official Dialogflow clients."""
