"""Message catalogs: extract, update, compile, check (Babel; a tool, never deployed).

    python scripts/catalogs.py extract            # sentences in the code -> locales/messages.pot
    python scripts/catalogs.py update             # .pot -> every locales/LANG/LC_MESSAGES/messages.po
    python scripts/catalogs.py init LANG          # start a new language from the .pot
    python scripts/catalogs.py compile            # .po -> .mo (the function reads only the .mo)
    python scripts/catalogs.py check              # exit 1 if the .pot or any .mo is stale

Sentences are found in calls of `_`, `N_` and `ngettext` in fulfillment/, intents/, events/ and main.py.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
SOURCES = ["fulfillment", "intents", "oncall", "events", "main.py"]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract():
    """The catalog of every sentence in the code (Babel's Catalog, no translations)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    catalog = Catalog(
        project="watchkeeper", version="1", copyright_holder="", msgid_bugs_address="", charset="utf-8", fuzzy=False
    )
    paths = []
    for source in SOURCES:
        path = ROOT / source
        paths.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    for path in paths:
        for lineno, message, comments, context in extract_from_file("python", str(path), keywords=KEYWORDS):
            catalog.add(message, None, [(str(path.relative_to(ROOT)), lineno)], auto_comments=comments, context=context)
    return catalog


def _write_po(catalog, path: Path) -> bytes:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
    return buffer.getvalue()


def _mo_bytes(catalog) -> bytes:
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def po_files() -> list[Path]:
    return sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))


def read_po(path: Path):
    from babel.messages.pofile import read_po as _read_po

    with open(path, "rb") as f:
        return _read_po(f, locale=path.parent.parent.name)


def _stable_header(catalog) -> None:
    """No dates in the files, so regenerating them changes nothing unless a sentence changed."""
    import datetime as dt

    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    catalog.creation_date = stamp
    catalog.revision_date = stamp


def pot_bytes() -> bytes:
    catalog = extract()
    _stable_header(catalog)
    return _write_po(catalog, POT)


def mo_bytes(po: Path) -> bytes:
    return _mo_bytes(read_po(po))


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        POT.write_bytes(pot_bytes())
        print(f"wrote {POT.relative_to(ROOT)}")
    elif command in ("update", "init"):
        from babel.messages.catalog import Catalog

        template = extract()
        targets = po_files() if command == "update" else [LOCALES / argv[1] / "LC_MESSAGES" / "messages.po"]
        for po in targets:
            catalog = read_po(po) if po.exists() else Catalog(locale=po.parent.parent.name, charset="utf-8")
            catalog.update(template, no_fuzzy_matching=True)
            _stable_header(catalog)
            po.parent.mkdir(parents=True, exist_ok=True)
            po.write_bytes(_write_po(catalog, po))
            print(f"wrote {po.relative_to(ROOT)}")
    elif command == "compile":
        for po in po_files():
            po.with_suffix(".mo").write_bytes(mo_bytes(po))
            print(f"wrote {po.with_suffix('.mo').relative_to(ROOT)}")
    elif command == "check":
        stale = [POT] if not POT.exists() or POT.read_bytes() != pot_bytes() else []
        stale += [
            po.with_suffix(".mo")
            for po in po_files()
            if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").read_bytes() != mo_bytes(po)
        ]
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run scripts/catalogs.py extract / compile)", file=sys.stderr)
        return 1 if stale else 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
