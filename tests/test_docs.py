"""DESIGN.md stays true to the code: every `module.name` it mentions for a module of ours
(fulfillment's modules, main, the on-call domain's) exists in that module."""

import importlib
import re

from conftest import ROOT


def _modules() -> dict[str, str]:
    names = {p.stem: f"oncall.{p.stem}" for p in (ROOT / "oncall").glob("*.py") if p.stem != "__init__"}
    for path in (ROOT / "fulfillment").rglob("*.py"):
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        if dotted != "fulfillment":
            names[dotted.rsplit(".", 1)[-1]] = dotted
    names["main"] = "main"
    del names["turn"]  # "turn.text(...)" in DESIGN.md is a Turn, not the module
    return names


def test_design_names_only_what_the_code_has():
    modules = _modules()
    text = (ROOT / "DESIGN.md").read_text()
    mentioned = set(re.findall(r"(?<![\w./])([a-z_]+)\.([a-z_][a-z_0-9]*)\b(?!\.py)", text))
    checked, missing = 0, []
    for module, name in sorted(mentioned):
        if module not in modules or name == "py":  # "es.py" is a file name
            continue
        checked += 1
        if not hasattr(importlib.import_module(modules[module]), name):
            missing.append(f"{module}.{name}")
    assert checked >= 10, f"only {checked} references found: is the pattern still right?"
    assert not missing, f"DESIGN.md names what the code does not have: {missing}"


def test_intent_files_are_named_after_their_intent():
    """README's convention: `deploy.count` lives in intents/deploy_count.py; `_` modules declare none."""
    from fulfillment import router

    router.load("intents")
    for name, declared in router.intents().items():
        module = declared.handler.__module__
        if not module.startswith("intents."):
            continue
        assert not module.split(".")[-1].startswith("_"), f"{name} is declared in helper module {module}"
        assert module == "intents." + name.replace(".", "_").replace("-", "_"), (name, module)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _documents() -> list:
    return [ROOT / "README.md", ROOT / "DESIGN.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_link_in_the_docs_resolves():
    """Links to files of the repository (and to their headings) point at something that exists."""
    broken, checked = [], 0
    for doc in _documents():
        text = re.sub(r"```.*?```|`[^`\n]*`", "", doc.read_text(), flags=re.S)  # code is not prose
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            resolved = (doc.parent / path).resolve() if path else doc
            checked += 1
            if not resolved.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
            elif anchor and resolved.suffix == ".md":
                headings = re.findall(r"(?m)^#+ (.+)$", re.sub(r"```.*?```", "", resolved.read_text(), flags=re.S))
                if anchor not in {_slug(h) for h in headings}:
                    broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert checked >= 10 and not broken, broken


def test_the_readme_fits_a_newcomer():
    """About a screenful of what to do first; the reference lives in docs/, linked from it."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 160
    linked = set(re.findall(r"\]\((docs/[\w.-]+\.md)\)", readme))
    assert linked == {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}, "every doc is in Read next"
