"""Every string the user can see has a Norwegian translation."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_string_has_a_norwegian_translation():
    spec = importlib.util.spec_from_file_location("i18n", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    gaps = module.missing()
    assert gaps == [], f"untranslated strings (run scripts/i18n.py update, then translate): {gaps[:20]}"
