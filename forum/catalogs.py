"""The translation catalogs: extraction, completeness, and whether the compiled files are current.

`make translations` extracts with pybabel (babel.cfg), updates every catalog and compiles
it; `make translations-report` prints each catalog's completeness (`python -m
forum.catalogs`). The test suite uses the same functions to fail when a string a person
reads is missing from the catalog, or a compiled .mo is older than its .po.
"""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

FOLDER = Path(__file__).resolve().parent / "translations"
ROOT = FOLDER.parents[1]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "lazy_ngettext": (1, 2),
    "N_": None,
}


def N_(message: str) -> str:
    """Mark a string for extraction where it cannot be translated yet (a module constant
    shown through `_()` later, such as a label in a table): returns it unchanged."""
    return message


def languages() -> list[str]:
    """The locales with a catalog, English (the source language) first."""
    return ["en", *sorted(p.parent.parent.name for p in FOLDER.glob("*/LC_MESSAGES/messages.po"))]


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def extract(root: Path = ROOT, config: Path | None = None) -> set[str]:
    """The msgids (singular) found in `root` with the babel.cfg mapping."""
    with (config or ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _name, _line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def missing(found: set[str], catalog: Catalog) -> list[str]:
    """Strings found in the code that the catalog does not hold."""
    return sorted(m for m in found if m and m not in catalog)


def completeness(catalog: Catalog) -> tuple[int, int]:
    """(translated, total) messages of a catalog; a fuzzy one counts as untranslated."""
    messages = [m for m in catalog if m.id]
    done = [m for m in messages if not m.fuzzy and m.string and all(m.string)]
    return len(done), len(messages)


def stale_compiled(language: str) -> bool:
    """Whether the compiled .mo of a language differs from its .po (`make translations`)."""
    po = FOLDER / language / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists():
        return True
    with mo.open("rb") as f:
        compiled = read_mo(f)
    source = read(po)

    def pairs(catalog: Catalog) -> dict:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): (
                m.string if isinstance(m.string, str) else tuple(m.string)
            )
            for m in catalog
            if m.id and not m.fuzzy and m.string and all(m.string)
        }

    wanted = pairs(source)
    return {k: v for k, v in pairs(compiled).items() if k in wanted} != wanted


def report() -> list[tuple[str, int, int]]:
    """(language, translated, total) for every catalog but English."""
    return [
        (lang, *completeness(read(FOLDER / lang / "LC_MESSAGES" / "messages.po")))
        for lang in languages()[1:]
    ]


def main() -> int:
    for lang, done, total in report():
        share = 100 * done / total if total else 100.0
        print(f"{lang:6} {share:6.1f}%  {done}/{total} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
