"""The search result's extract (tracker/search/text.snippet): around the first matched word,
every matched word inside it highlighted, the text escaped."""

from __future__ import annotations

from tracker.search.text import snippet


def test_the_extract_starts_near_the_first_match_and_marks_every_match_inside_it():
    text = ("Innledning. " * 100 + "Sensorene ved <skolen> måler trafikken; sensor nummer to. "
            + "Slutt. " * 100)
    extract = str(snippet(text, ["sensor"]))
    assert extract.startswith("… ") and extract.endswith(" …")
    assert "<mark>Sensorene</mark> ved &lt;skolen&gt;" in extract
    assert "<mark>sensor</mark> nummer to" in extract
    assert extract.count("<mark>") == 2 and len(extract) < 400


def test_a_text_without_a_match_shows_its_beginning():
    assert str(snippet("Kort <b>tekst</b>.", ["sykkel"])) == "Kort &lt;b&gt;tekst&lt;/b&gt;."
    assert str(snippet("", ["sykkel"])) == ""
