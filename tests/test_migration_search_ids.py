"""Migration 0015: search documents written before it (ids handed out in insert order) take their
pilot's id, or minus their partner's, and the engine's index follows (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import make_app
from tests.test_migrations import empty_database_url  # noqa: F401 - the fixture
from tracker.db import db
from tracker.search import backends
from tracker.search.index import _values
from tracker.search.models import SearchDocument
from tracker.search.text import query_terms

# (old id, kind, ref id, title): old ids that collide with the new ones on purpose.
OLD = [(1, "partner", 2, "Sporveien AS"), (2, "pilot", 1, "Kompostering i bakgården"),
       (3, "pilot", 2, "Bysykkel om vinteren"), (4, "partner", 1, "Bymiljøetaten")]


def _found(kind: str, query: str) -> set[int]:
    parts = backends.match_parts(db.engine.dialect.name, kind, query_terms(query), internal=False)
    return {ref_id for part in parts for ref_id, _ in db.session.execute(part.select)}


def test_documents_take_their_pilot_s_or_partner_s_id_and_stay_found(empty_database_url):  # noqa: F811
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0007")
        table = SearchDocument.__table__
        for old_id, kind, ref_id, title in OLD:
            db.session.execute(table.insert().values(id=old_id, kind=kind, ref_id=ref_id,
                                                     **_values(title, "", "")))
        db.session.commit()

        upgrade()
        rows = db.session.execute(sa.select(table.c.id, table.c.kind, table.c.ref_id)).all()
        assert sorted(rows) == sorted((backends.doc_id(kind, ref), kind, ref) for _, kind, ref, _ in OLD)
        assert _found("pilot", "bysykkel") == {2} and _found("partner", "sporveien") == {2}
        assert _found("pilot", "sporveien") == set() and _found("partner", "bymiljøetaten") == {1}

        db.session.rollback()  # the searches' transaction ends, as no app session stays open in a migration
        downgrade(revision="0007")
        ids = db.session.scalars(sa.select(table.c.id)).all()
        assert len(set(ids)) == len(OLD) and min(ids) > 0
        db.session.remove()
        db.engine.dispose()
