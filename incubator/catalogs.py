"""Translation catalogues, one per area: extract, update, compile and check them.

``python -m incubator.catalogs update`` refreshes every ``messages.po`` from the code and templates
(new strings arrive untranslated in ``zh``; ``en`` mirrors the English source), ``compile`` writes the
``.mo`` files the app reads, ``check`` lists what ``zh`` still lacks. Each area owns its catalogue, so
work on one area never touches another's.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
LOCALES = ("zh", "en")
CORE = "core"
CORE_PACKAGES = ("main",)  # small areas whose strings live in the core catalogue

KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2), "_n": (1, 2),
            "lazy_pgettext": ((1, "c"), 2)}
JINJA = "jinja2.ext:babel_extract"
JINJA_OPTIONS = {"extensions": "jinja2.ext.do,jinja2.ext.loopcontrols", "trimmed": "true"}


def areas() -> dict[str, tuple[list[Path], Path]]:
    """Area name -> (source files, translations folder)."""
    result: dict[str, tuple[list[Path], Path]] = {}
    core_files = [path for path in PACKAGE.glob("*.py")]
    core_files += [path for path in TEMPLATES.glob("*.html")]
    for name in ("errors", *CORE_PACKAGES):
        core_files += sorted((TEMPLATES / name).rglob("*.*")) if (TEMPLATES / name).is_dir() else []
    for name in CORE_PACKAGES:
        core_files += sorted((PACKAGE / name).rglob("*.py"))
    result[CORE] = (sorted(core_files), PACKAGE / "translations")
    for package in sorted(path.parent for path in PACKAGE.glob("*/__init__.py")):
        if package.name in CORE_PACKAGES or package.name in ("templates", "static", "translations"):
            continue
        files = sorted(package.rglob("*.py"))
        if (TEMPLATES / package.name).is_dir():
            files += sorted(path for path in (TEMPLATES / package.name).rglob("*") if path.is_file())
        result[package.name] = (files, package / "translations")
    return result


def extract(files: list[Path]) -> Catalog:
    template = Catalog(project="incubator", fuzzy=False)
    for path in files:
        method = "python" if path.suffix == ".py" else JINJA
        options = {} if method == "python" else JINJA_OPTIONS
        for lineno, message, comments, context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                      options=options, strip_comment_tags=True):
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            template.add(message, None, [(str(path.relative_to(PACKAGE.parent)), lineno)],
                         auto_comments=comments, context=context)
    return template


def po_path(folder: Path, locale: str) -> Path:
    return folder / locale / "LC_MESSAGES" / "messages.po"


def load(path: Path, locale: str) -> Catalog:
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale=locale)
    return Catalog(locale=locale, project="incubator", fuzzy=False)


def update(only: str | None = None) -> None:
    """Refresh the catalogues (only the area ``only`` when given, so parallel work stays apart)."""
    for name, (files, folder) in areas().items():
        if only and name != only:
            continue
        template = extract(files)
        if not len(template) and not folder.exists():
            continue
        for locale in LOCALES:
            path = po_path(folder, locale)
            catalog = load(path, locale)
            catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
            catalog.obsolete.clear()
            if locale == "en":
                for message in catalog:
                    if message.id and not message.string or (isinstance(message.string, tuple) and not any(message.string)):
                        message.string = message.id
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=120, sort_output=True, ignore_obsolete=True, include_lineno=False)
        print(f"{name}: {len(template)} messages")


def compile_all() -> None:
    for path in PACKAGE.rglob("translations/*/LC_MESSAGES/messages.po"):
        locale = path.parent.parent.name
        catalog = load(path, locale)
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)


def untranslated(locale: str = "zh") -> dict[str, list[str]]:
    """Per area, the strings of the code and templates that the catalogue does not translate."""
    missing: dict[str, list[str]] = {}
    for name, (files, folder) in areas().items():
        template = extract(files)
        catalog = load(po_path(folder, locale), locale)
        lacking = []
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id, context=message.context)
            string = found.string if found is not None else None
            filled = all(string) if isinstance(string, tuple) else bool(string)
            if found is None or not filled or found.fuzzy:
                lacking.append(message.id if isinstance(message.id, str) else message.id[0])
        if lacking:
            missing[name] = lacking
    return missing


def fill(tsv_path: str, only: str | None = None, locale: str = "zh") -> int:
    """Fill empty translations from a file of ``msgid<TAB>translation`` lines, in every area that has them."""
    pairs = {}
    for line in Path(tsv_path).read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            msgid, text = line.split("\t", 1)
            pairs[msgid] = text
    filled = 0
    for name, (_files, folder) in areas().items():
        if only and name != only:
            continue
        path = po_path(folder, locale)
        if not path.exists():
            continue
        catalog = load(path, locale)
        changed = False
        for message in catalog:
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key in pairs and (not message.string or message.fuzzy or
                                 (isinstance(message.string, tuple) and not all(message.string))):
                message.string = (pairs[key],) if isinstance(message.id, tuple) else pairs[key]
                message.flags.discard("fuzzy")
                changed = True
                filled += 1
        if changed:
            with path.open("wb") as handle:
                write_po(handle, catalog, width=120, sort_output=True, ignore_obsolete=True, include_lineno=False)
    return filled


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "update":
        update(argv[2] if len(argv) > 2 else None)
    elif command == "compile":
        compile_all()
    elif command == "fill":
        print(f"{fill(argv[2], argv[3] if len(argv) > 3 else None)} translations filled")
    elif command == "check":
        missing = untranslated()
        for name, ids in missing.items():
            for msgid in ids:
                print(f"{name}: {msgid}")
        return 1 if missing else 0
    else:
        print("usage: python -m incubator.catalogs update [AREA] | compile | check | fill FILE.tsv [AREA]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
