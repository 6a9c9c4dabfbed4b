"""The framework's public API explains itself: every name `fulfillment` exports, every Reply
method and every Turn accessor has a docstring with a short example (an indented code line)."""

import inspect

import pytest

import fulfillment
from fulfillment import Reply, Turn

TURN_ACCESSORS = ["param", "text", "number", "integer", "flag", "memory", "context", "has_context"]
REPLY_METHODS = [
    name
    for name, value in vars(Reply).items()
    if not name.startswith("_")
    and (callable(value) or hasattr(value, "__get__"))
    and name not in Reply.__dataclass_fields__
]


def _documented_with_example(obj) -> bool:
    """A summary line, then (after a blank line) an example: a line of code calling something."""
    doc = inspect.getdoc(obj) or ""
    summary, _, rest = doc.partition("\n\n")
    return bool(summary.strip()) and any("(" in line and ")" in line for line in rest.splitlines())


@pytest.mark.parametrize("name", fulfillment.__all__)
def test_every_exported_name_has_a_docstring_with_an_example(name):
    assert _documented_with_example(getattr(fulfillment, name)), f"fulfillment.{name} needs a docstring with an example"


@pytest.mark.parametrize("name", REPLY_METHODS)
def test_every_reply_method_has_a_docstring_with_an_example(name):
    assert _documented_with_example(getattr(Reply, name)), f"Reply.{name} needs a docstring with an example"


@pytest.mark.parametrize("name", TURN_ACCESSORS)
def test_every_turn_accessor_has_a_docstring_with_an_example(name):
    assert _documented_with_example(getattr(Turn, name)), f"Turn.{name} needs a docstring with an example"


def test_the_list_of_reply_methods_is_the_real_one():
    assert {"say", "chips", "card", "list", "set_context", "texts", "without"} <= set(REPLY_METHODS)
