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


def test_dates_read_the_same_way_on_every_page_of_a_language(app):
    """One style per language, Oslo time for moments; English is not the US "10/5/26, 11:00 AM"."""
    from datetime import UTC, date, datetime

    from flask_babel import refresh

    from tracker.formatting import fmt_date

    moment = datetime(2026, 10, 5, 9, 30, tzinfo=UTC)  # 11:30 in Oslo (summer time)
    expected = {"nb": ("5. okt. 2026", "5. okt. 2026 kl. 11:30"), "en": ("5 Oct 2026", "5 Oct 2026, 11:30")}
    for lang, (day, when) in expected.items():
        with app.test_request_context(headers={"Accept-Language": lang}):
            refresh()  # the test's app context outlives each request context: forget its locale
            assert (fmt_date(date(2026, 10, 5)), fmt_date(moment)) == (day, when)
            assert fmt_date(None) == ""
