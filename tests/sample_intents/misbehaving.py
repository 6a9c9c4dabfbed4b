"""Handlers that fail in every way a handler can."""

import time

from fulfillment import Reply, Turn, intent


@intent("test.boom")
def boom(turn: Turn) -> Reply:
    raise RuntimeError("secret internal detail: kaboom")


@intent("test.slow")
def slow(turn: Turn) -> Reply:
    time.sleep(float(turn.param("seconds", 10)))
    return Reply.say("late answer that must be discarded")


@intent("test.not_a_reply")
def not_a_reply(turn: Turn):
    return "just a string"


@intent("test.huge")
def huge(turn: Turn) -> Reply:
    return Reply.say("Short answer.").say("x" * 200_000).chips(*[f"c{i}" for i in range(100)])


@intent("test.echo")
def echo(turn: Turn) -> Reply:
    """Says back what it was given (unicode, RTL, emoji, many parameters)."""
    return Reply.say(turn.query_text or "(nothing)").set_context("echo", 1, count=len(turn.parameters))
