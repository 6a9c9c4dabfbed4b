"""Watchkeeper's operator tools (not part of the framework, never deployed): see __main__."""
