"""Translation catalogues: one per domain package (plus the core one), English msgids, nb msgstrs.

    python scripts/i18n.py update    # extract strings into each catalogue, keeping translations
    python scripts/i18n.py compile   # .po -> .mo (run by make; .mo files are not committed)
    python scripts/i18n.py missing   # list strings without a Norwegian translation (exit 1 if any)
    python scripts/i18n.py fill PO JSON   # set msgstrs in PO from a {"msgid": "nb text"} JSON file
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRACKER = ROOT / "tracker"
LOCALES = ("nb",)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
CORE_TEMPLATES = ("base.html", "_macros", "errors", "auth", "home")


def domains() -> list[str]:
    return sorted(p.parent.name for p in TRACKER.glob("*/routes.py") if p.parent.name not in ("auth", "home"))


def sources(domain: str | None) -> list[Path]:
    """The Python and template files whose strings belong in ``domain``'s catalogue (None = core)."""
    if domain is None:
        files = [p for p in TRACKER.glob("*.py")]
        files += [p for d in ("auth", "home") for p in (TRACKER / d).rglob("*.py")]
        for name in CORE_TEMPLATES:
            path = ROOT / "templates" / name
            files += [path] if path.is_file() else sorted(path.rglob("*.html"))
        return sorted(files)
    files = sorted((TRACKER / domain).rglob("*.py"))
    return files + sorted((ROOT / "templates" / domain).rglob("*.html"))


def catalogue_dir(domain: str | None) -> Path:
    return (TRACKER / "translations") if domain is None else (TRACKER / domain / "translations")


def extract(domain: str | None) -> Catalog:
    template = Catalog(project="testarena")
    for path in sources(domain):
        method = "jinja2" if path.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        method = "jinja2.ext:babel_extract" if method == "jinja2" else "python"
        for lineno, message, comments, context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                    options=options):
            template.add(message, None, [(str(path.relative_to(ROOT)), lineno)],
                         auto_comments=comments, context=context)
    return template


def po_path(domain: str | None, locale: str) -> Path:
    return catalogue_dir(domain) / locale / "LC_MESSAGES" / "messages.po"


def _translated(domain: str | None) -> dict[str, object]:
    path = po_path(domain, "nb")
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return {_key(m): m.string for m in read_po(f) if m.id and m.string}


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def update() -> None:
    """Refresh every catalogue; a domain catalogue leaves out strings the core one translates."""
    core = {}
    for domain in [None, *domains()]:
        template = extract(domain)
        for message in list(template):
            if domain is not None and message.id and _key(message) in core:
                template.delete(message.id, context=message.context)
        if domain is None:
            core = _translated(None)
        if not len(template):
            continue
        for locale in LOCALES:
            path = po_path(domain, locale)
            if path.exists():
                with path.open("rb") as f:
                    catalog = read_po(f, locale=locale)
                template.creation_date = catalog.creation_date  # no churn in unchanged files
                catalog.update(template, no_fuzzy_matching=True)
            else:
                catalog = Catalog(locale=locale, project="testarena")
                catalog.update(template, no_fuzzy_matching=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                # File names without line numbers: moving a string does not rewrite the catalogue.
                write_po(f, catalog, width=100, ignore_obsolete=True, include_lineno=False)
            print(f"{path.relative_to(ROOT)}: {len(catalog)} messages")


def compile_all() -> None:
    for path in sorted(TRACKER.rglob("translations/*/LC_MESSAGES/messages.po")):
        with path.open("rb") as f:
            catalog = read_po(f)
        with path.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)


def missing() -> list[tuple[str, str]]:
    """``(catalogue, msgid)`` for every extracted string with no nb translation in any catalogue
    (they are merged at run time)."""
    translated = {}
    for domain in [None, *domains()]:
        translated.update(_translated(domain))
    gaps = []
    for domain in [None, *domains()]:
        for message in extract(domain):
            if not message.id:
                continue
            value = translated.get(_key(message))
            if not value or (isinstance(value, tuple) and not all(value)):
                gaps.append((str(po_path(domain, "nb").relative_to(ROOT)), _key(message)))
    return gaps


def fill(po: str, mapping_file: str) -> None:
    import json

    mapping = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
    with open(po, "rb") as f:
        catalog = read_po(f, locale="nb")
    for message in catalog:
        key = message.id if isinstance(message.id, str) else (message.id[0] if message.id else "")
        if key and key in mapping:
            message.string = mapping[key]
    with open(po, "wb") as f:
        write_po(f, catalog, width=100, include_lineno=False)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "fill":
        fill(sys.argv[2], sys.argv[3])
    elif command == "missing":
        gaps = missing()
        for where, msgid in gaps:
            print(f"{where}: {msgid!r}")
        sys.exit(1 if gaps else 0)
    else:
        sys.exit(__doc__)
