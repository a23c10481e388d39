"""Migration 0017: the title and folded parts of PostgreSQL's text vectors get columns (and indexes)
of their own, filled for the documents already indexed; a downgrade puts the trigger back as it was.
On SQLite the columns are added and dropped (its index is FTS5's, untouched)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import make_app
from tests.test_migrations import empty_database_url  # noqa: F401 - the fixture
from tracker.db import db
from tracker.search import backends
from tracker.search.index import _values
from tracker.search.text import query_terms

DOCUMENTS = [("Sløyfe for sykkeltellere", "Tellerne står ved brua."), ("Bysykkel om vinteren", "Sløyfe.")]


def _insert(rows) -> None:
    columns = ("id", "kind", "ref_id", *_values("", "", ""))
    table = sa.table("search_documents", *(sa.column(c) for c in columns))  # as the revision has it
    db.session.execute(table.insert(), [dict(id=i, kind="pilot", ref_id=i, **_values(title, body, ""))
                                        for i, (title, body) in rows])
    db.session.commit()


def _found(query: str) -> dict[str, set[int]]:
    """The ids each part of the unranked match finds: titles, text, folded (and substrings)."""
    parts = backends.match_parts(db.engine.dialect.name, "pilot", query_terms(query), False, ranked=False)
    found = {name: set(db.session.scalars(part.select.with_only_columns(part.select.selected_columns.ref_id)))
             for name, part in zip(("titles", "text", "folded", "substrings"), parts, strict=False)}
    db.session.rollback()  # no app transaction stays open across a migration
    return found


def test_documents_indexed_before_keep_being_found_by_title_and_without_diacritics(empty_database_url):  # noqa: F811
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0016")
        _insert(enumerate(DOCUMENTS, start=1))
        upgrade()
        found = _found("sloyfe")
        assert found["titles"] == set() and found["folded"] == {1, 2}
        assert _found("sløyfe")["titles"] == {1} and _found("sykkeltellere")["titles"] == {1}
        _insert([(3, ("Sløyfe i Bjørvika", ""))])  # written by the new trigger
        assert _found("sloyfe")["folded"] == {1, 2, 3} and _found("sløyfe")["titles"] == {1, 3}

        downgrade(revision="0016")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("search_documents")}
        assert not columns & set(backends.PG_PARTS)
        _insert([(4, ("Sløyfe på Tøyen", ""))])  # the trigger as it was before 0017
        upgrade()
        assert _found("sløyfe")["titles"] == {1, 3, 4}
        db.session.remove()
        db.engine.dispose()
