"""Who may import whom (DESIGN.md, "Layers"): the framework never imports or names the app,
the HTTP door never loads a dialect, and the app uses only the framework's public surface."""
import ast
from pathlib import Path

import pytest

import fulfillment

from conftest import ROOT

FRAMEWORK = sorted((ROOT / "fulfillment").glob("*.py"))
APP_PACKAGES = {"intents", "events", "admin", "main", "scripts", "bench", "tests", "conftest"}


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for each import; a relative import as <the file's package>.X."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                module = path.parent.name + (f".{module}" if module else "")
            found.append((module, [alias.name for alias in node.names]))
    return found


def test_the_framework_never_imports_the_app():
    offenders = [f"{path.name}: {module}" for path in FRAMEWORK for module, _ in _imports(path)
                 if module.split(".")[0] in APP_PACKAGES]
    assert len(FRAMEWORK) > 20 and not offenders, offenders


def test_the_framework_never_names_the_app():
    offenders = [path.name for path in FRAMEWORK if "watchkeeper" in path.read_text().lower()]
    assert not offenders, f"the app's name belongs in its App (fulfillment.configure): {offenders}"


def _framework_deps(name: str) -> set[str]:
    """Framework modules `fulfillment.<name>` loads, directly or through others (at any depth)."""
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        for module, names in _imports(ROOT / "fulfillment" / f"{current}.py"):
            parts = module.split(".")
            if parts[0] != "fulfillment":
                continue
            targets = parts[1:2] or [n for n in names if (ROOT / "fulfillment" / f"{n}.py").exists()]
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
    return seen


@pytest.mark.parametrize("door", ["errors", "intake", "auth"])
def test_the_http_door_loads_no_dialect(door):
    reached = _framework_deps(door)
    assert not reached & {"dialect", "es", "cx", "encoding", "rich"}, sorted(reached)


def test_the_app_uses_only_the_frameworks_public_surface():
    public = set(fulfillment.__all__) | set(fulfillment.PUBLIC_MODULES)
    offenders = []
    for path in [*(ROOT / "intents").rglob("*.py"), *(ROOT / "events").rglob("*.py")]:
        for module, names in _imports(path):
            parts = module.split(".")
            if parts[0] != "fulfillment":
                continue
            if len(parts) == 1:
                offenders += [f"{path.name}: {n}" for n in names if n not in public]
            elif parts[1] not in fulfillment.PUBLIC_MODULES:
                offenders.append(f"{path.name}: {module}")
    assert not offenders, f"not public (add to fulfillment's names, or keep it in the framework): {offenders}"
