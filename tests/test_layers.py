"""Who may import whom (DESIGN.md, "Layers"): the framework never imports or names the app,
the HTTP door never loads a dialect, the request path never loads the tools, and the app uses
only the framework's public surface."""

import ast
from pathlib import Path

import pytest

import fulfillment

from conftest import ROOT

FRAMEWORK = sorted((ROOT / "fulfillment").rglob("*.py"))
APP_PACKAGES = {"intents", "events", "admin", "oncall", "main", "scripts", "bench", "tests", "conftest"}
TOOLS = ("fulfillment.agent", "fulfillment.cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_file(module: str) -> Path | None:
    """The file of a dotted module under ROOT (a package's __init__), or None."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for each import; a relative import as <the file's package>.X."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                package = _module_name(path).split(".")
                package = package[: len(package) - node.level] if path.name != "__init__.py" else package
                module = ".".join(package) + (f".{module}" if module else "")
            found.append((module, [alias.name for alias in node.names]))
    return found


def test_the_framework_never_imports_the_app():
    offenders = [
        f"{path.name}: {module}"
        for path in FRAMEWORK
        for module, _ in _imports(path)
        if module.split(".")[0] in APP_PACKAGES
    ]
    assert len(FRAMEWORK) > 20 and not offenders, offenders


def test_the_framework_never_names_the_app():
    offenders = [path.name for path in FRAMEWORK if "watchkeeper" in path.read_text().lower()]
    assert not offenders, f"the app's name belongs in its App (fulfillment.configure): {offenders}"


def _framework_deps(module: str) -> set[str]:
    """Framework modules `module` loads at import, directly or through others (at any depth);
    imports inside functions count too, except those under `if TYPE_CHECKING`."""
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        path = _module_file(current)
        if path is None:
            continue
        for imported, names in _imports(path):
            if imported.split(".")[0] != "fulfillment" and current != "main":
                continue
            targets = [imported] + [f"{imported}.{n}" for n in names if _module_file(f"{imported}.{n}")]
            for parent in (imported.rsplit(".", i)[0] for i in range(1, imported.count(".") + 1)):
                targets.append(parent)  # importing a.b.c runs a/__init__ and a/b/__init__
            for target in targets:
                if target not in seen and _module_file(target):
                    seen.add(target)
                    todo.append(target)
    return seen


def test_the_framework_has_its_layers_as_folders():
    folders = {p.parent.name for p in FRAMEWORK if p.parent.name != "fulfillment"}
    assert {"http", "wire", "telemetry", "agent", "cli"} <= folders, folders


@pytest.mark.parametrize("door", ["refusal", "intake", "auth", "health", "response"])
def test_the_http_door_loads_no_dialect(door):
    reached = _framework_deps(f"fulfillment.http.{door}")
    assert reached and not {m for m in reached if m.startswith("fulfillment.wire")}, sorted(reached)


@pytest.mark.parametrize("entry", ["fulfillment.webhook", "fulfillment", "main"])
def test_the_request_path_never_loads_the_tools(entry):
    """The deployed function imports only what it serves with: cold start is user-visible."""
    reached = _framework_deps(entry)
    assert "fulfillment.deadline" in reached or entry == "fulfillment"
    assert not {m for m in reached if m.startswith(TOOLS)}, sorted(m for m in reached if m.startswith(TOOLS))


def test_the_app_uses_only_the_frameworks_public_surface():
    public = set(fulfillment.__all__) | set(fulfillment.PUBLIC_MODULES)
    offenders = []
    for path in [*(ROOT / "intents").rglob("*.py"), *(ROOT / "events").rglob("*.py"), *(ROOT / "oncall").rglob("*.py")]:
        for module, names in _imports(path):
            parts = module.split(".")
            if parts[0] != "fulfillment":
                continue
            if len(parts) == 1:
                offenders += [f"{path.name}: {n}" for n in names if n not in public]
            elif parts[1] not in fulfillment.PUBLIC_MODULES:
                offenders.append(f"{path.name}: {module}")
    assert not offenders, f"not public (add to fulfillment's names, or keep it in the framework): {offenders}"


@pytest.mark.parametrize("entry", ["main.py", "tests/example_app/main.py"])
def test_an_entry_module_declares_its_app_and_nothing_more(entry):
    """The request path is the framework's: an entry module only says which app it serves."""
    path = ROOT / entry
    framework = [(m, n) for m, n in _imports(path) if m.split(".")[0] == "fulfillment"]
    assert framework == [("fulfillment", ["webhook"])], framework
    assert len(path.read_text().splitlines()) <= 20
