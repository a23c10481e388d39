"""Every string the user can see has a Norwegian translation."""

import importlib.util
from pathlib import Path

import pytest

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


def test_every_day_and_minute_reads_as_babel_writes_it(app):
    """The dates of a page are written without Babel's per-call lookups: the same text as Babel's
    pattern gives, for every day of two years (leap day included) and every minute of a day
    across a clock change, in both languages."""
    from datetime import UTC, date, datetime, timedelta

    from babel.dates import format_datetime as babel_datetime
    from flask_babel import refresh

    from tracker.formatting import DATE_PATTERNS, MOMENT_PATTERNS, fmt_date

    days = [date(2027, 12, 31) - timedelta(days=n) for n in range(731)]
    moments = [datetime(2026, 10, 24, 23, 0, tzinfo=UTC) + timedelta(minutes=n) for n in range(0, 2880, 7)]
    for lang in ("nb", "en"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            refresh()
            for day in days:
                assert fmt_date(day) == babel_datetime(day, DATE_PATTERNS[lang], locale=lang)
            for moment in moments:
                assert fmt_date(moment) == babel_datetime(moment, MOMENT_PATTERNS[lang], tzinfo="Europe/Oslo",
                                                          locale=lang)


def test_kroner_read_as_babel_writes_them(app):
    """Kroner are grouped without Babel's per-call pattern parsing: the same text as Babel gives."""
    from babel.numbers import format_decimal
    from flask_babel import refresh

    from tracker.formatting import fmt_nok

    amounts = [0, 7, 999, 1000, 12345, 999_999, 1_000_000, 123_456_789, 10**14 + 1, 10**15, -5, -1_234_567]
    for lang in ("nb", "en"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            refresh()
            for amount in amounts:
                assert fmt_nok(amount) == format_decimal(amount, format="#,##0", locale=lang)
            assert fmt_nok(10**40) == str(10**40) and fmt_nok(None) == ""


def test_a_label_of_an_unknown_kind_fails_loudly_and_an_unknown_value_shows_as_stored(app):
    """A misspelt kind is a programming error (it used to show the raw value silently); an unknown
    value is data from an older version (audit entries and status events are never rewritten)."""
    from tracker.labels import label

    with app.test_request_context(headers={"Accept-Language": "nb"}):
        with pytest.raises(KeyError):
            label("stauts", "draft")
        assert label("status", "draft") == "Utkast"
        assert label("status", "archived") == "archived"


def test_every_confirmed_action_has_its_question():
    from tracker.labels import LABELS
    from tracker.pilots.workflow import TRANSITIONS

    assert set(LABELS["action_confirm"]) == {a for a, t in TRANSITIONS.items() if t.confirm}
    assert all(t.confirm for t in TRANSITIONS.values() if t.final)  # a final step is never a slip


def test_a_message_shared_by_two_domains_has_one_norwegian_translation():
    """Flask-Babel merges the domains' catalogues into one and only one translation of a message wins, so a
    second, different translation of the same English text would silently never be shown."""
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "tracker"
    translations: dict[str, dict[str, list[str]]] = {}
    for path in sorted(root.rglob("nb/LC_MESSAGES/messages.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    key, text = (message.id, message.string) if isinstance(message.id, str) else (
                        message.id[0], message.string[0])
                    translations.setdefault(key, {}).setdefault(text, []).append(str(path.relative_to(root)))
    differing = {k: v for k, v in translations.items() if len(v) > 1}
    assert not differing, differing
