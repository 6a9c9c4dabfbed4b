"""One checked configuration: every variable declared once, read once, refused when it does
not parse (with its name in the message), and listed in docs/configuration.md from the same declarations."""

import ast
import dataclasses
from pathlib import Path

import pytest

from fulfillment import settings
from fulfillment.settings import Settings, SettingsError, load, setting
from oncall.settings import OnCallSettings

from conftest import ROOT, start_server, stop_server

CODE = ["main.py", "fulfillment", "intents", "oncall", "events", "admin"]


@dataclasses.dataclass(frozen=True)
class Sample:
    ratio: float = setting("RATIO", 1.5, "a number")
    count: int = setting("COUNT", 3, "an integer")
    on: bool = setting("ON", True, "a switch")
    names: tuple[str, ...] = setting("NAMES", ("a",), "a list")
    where: str = setting("WHERE", "here", "a word", also=("OLD_WHERE",))
    timeout_s: float = setting("TIMEOUT_S", 5.0, "a bounded number", bounds=(1, 30))


def test_each_kind_parses_and_defaults_hold():
    assert load(Sample, {}) == Sample()
    got = load(Sample, {"RATIO": " 2.5", "COUNT": "7", "ON": "No", "NAMES": "x, y,,z", "OLD_WHERE": "there"})
    assert got == Sample(2.5, 7, False, ("x", "y", "z"), "there")
    assert load(Sample, {"TIMEOUT_S": "30"}).timeout_s == 30.0
    assert load(Sample, {"WHERE": "first", "OLD_WHERE": "second"}).where == "first"
    assert load(Sample, {"COUNT": ""}).count == 3  # empty is unset, as in a deploy


@pytest.mark.parametrize(
    "name, raw, says",
    [
        ("RATIO", "4,0", "RATIO='4,0' is not a number"),
        ("COUNT", "2.5", "COUNT='2.5' is not an integer"),
        ("COUNT", "-1", "COUNT='-1' must not be negative"),
        ("ON", "maybe", "ON='maybe' is not a yes/no value"),
        ("TIMEOUT_S", "45", "TIMEOUT_S='45' is outside 1-30"),
        ("TIMEOUT_S", "0.5", "TIMEOUT_S='0.5' is outside 1-30"),
    ],
)
def test_a_typo_is_refused_naming_the_variable(name, raw, says):
    with pytest.raises(SettingsError, match=says.replace("(", r"\(")):
        load(Sample, {name: raw})


@pytest.mark.parametrize(
    "name, raw",
    [("DEADLINE_ES_S", "4,0"), ("WARMUP", "maybe"), ("DIRECTORY_TTL_S", "one minute"), ("WEBHOOK_TIMEOUT_CX_S", "45")],
)
def test_a_typo_stops_the_webhook_at_start_up_in_one_line(name, raw):
    """The framework's section and Watchkeeper's are both read by main.py's configure call."""
    with pytest.raises(RuntimeError, match="webhook server exited") as failed:
        stop_server(start_server({name: raw}))  # started after all: stop it, then fail
    assert f"configuration error: {name}={raw!r}" in str(failed.value)
    assert "Traceback" not in str(failed.value)


def test_readme_lists_every_variable_as_declared():
    readme = (ROOT / "docs" / "configuration.md").read_text()
    assert settings.table(Settings, OnCallSettings) in readme


def _reads_environment(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv", "environb")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_the_settings_module_reads_the_environment():
    files = [p for entry in CODE for p in ((ROOT / entry).rglob("*.py") if (ROOT / entry).is_dir() else [ROOT / entry])]
    offenders = [
        hit
        for path in files
        if path.name != "settings.py" or path.parent.name != "fulfillment"
        for hit in _reads_environment(path)
    ]
    assert not offenders, f"read the environment through fulfillment.settings: {offenders}"
    assert _reads_environment(ROOT / "fulfillment" / "settings.py")  # the scan sees a real read
