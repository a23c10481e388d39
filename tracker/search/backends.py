"""The two search engines behind one interface: SQLite FTS5 (embedded default) and PostgreSQL.

Both index the rows of ``search_documents`` through triggers (so every insert, update and delete
of a row, a rollback included, moves the engine's index with it) and answer :func:`matches`: the
documents of one kind that contain every query term, with a rank (lower is better). The ranking
rules are the same on both: a title match beats a body match, an exact (stemmed) word beats one
found only without diacritics, and a plain substring (a compound's tail, part of a number) comes
last.
"""

from __future__ import annotations

import sqlalchemy as sa

from tracker.search.models import SearchDocument
from tracker.search.text import fold, stems

D = SearchDocument.__table__
# bm25 weights of the FTS5 columns: title, body, internal, folded, folded internal.
SQLITE_WEIGHTS = "10.0, 4.0, 2.0, 1.0, 0.5"

SQLITE_DDL = (
    # External-content FTS5 tables over search_documents: the index only, the text stays in the row.
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_stems, body_stems, internal_stems, folded, "
    "folded_internal, content='search_documents', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE search_fts_trigram USING fts5(raw, raw_internal, content='search_documents', "
    "content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
  INSERT INTO search_fts(rowid, title_stems, body_stems, internal_stems, folded, folded_internal)
    VALUES (new.id, new.title_stems, new.body_stems, new.internal_stems, new.folded, new.folded_internal);
  INSERT INTO search_fts_trigram(rowid, raw, raw_internal) VALUES (new.id, new.raw, new.raw_internal);
END""",
    """CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
  INSERT INTO search_fts(search_fts, rowid, title_stems, body_stems, internal_stems, folded, folded_internal)
    VALUES ('delete', old.id, old.title_stems, old.body_stems, old.internal_stems, old.folded,
            old.folded_internal);
  INSERT INTO search_fts_trigram(search_fts_trigram, rowid, raw, raw_internal)
    VALUES ('delete', old.id, old.raw, old.raw_internal);
END""",
    """CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
  INSERT INTO search_fts(search_fts, rowid, title_stems, body_stems, internal_stems, folded, folded_internal)
    VALUES ('delete', old.id, old.title_stems, old.body_stems, old.internal_stems, old.folded,
            old.folded_internal);
  INSERT INTO search_fts_trigram(search_fts_trigram, rowid, raw, raw_internal)
    VALUES ('delete', old.id, old.raw, old.raw_internal);
  INSERT INTO search_fts(rowid, title_stems, body_stems, internal_stems, folded, folded_internal)
    VALUES (new.id, new.title_stems, new.body_stems, new.internal_stems, new.folded, new.folded_internal);
  INSERT INTO search_fts_trigram(rowid, raw, raw_internal) VALUES (new.id, new.raw, new.raw_internal);
END""",
)
SQLITE_DROP = ("DROP TRIGGER IF EXISTS search_documents_au", "DROP TRIGGER IF EXISTS search_documents_ad",
               "DROP TRIGGER IF EXISTS search_documents_ai", "DROP TABLE IF EXISTS search_fts_trigram",
               "DROP TABLE IF EXISTS search_fts")

PG_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE OR REPLACE FUNCTION search_documents_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.tsv := setweight(to_tsvector('norwegian', NEW.title), 'A')
          || setweight(to_tsvector('english', NEW.title), 'A')
          || setweight(to_tsvector('norwegian', NEW.body), 'B')
          || setweight(to_tsvector('english', NEW.body), 'B')
          || setweight(to_tsvector('simple', NEW.folded), 'D');
  NEW.tsv_internal := setweight(to_tsvector('norwegian', NEW.internal), 'C')
          || setweight(to_tsvector('english', NEW.internal), 'C')
          || setweight(to_tsvector('simple', NEW.folded_internal), 'D');
  RETURN NEW;
END $$""",
    "CREATE TRIGGER search_documents_tsv BEFORE INSERT OR UPDATE ON search_documents "
    "FOR EACH ROW EXECUTE FUNCTION search_documents_tsv()",
    "CREATE INDEX search_fts_pg_tsv ON search_documents USING gin (tsv)",
    "CREATE INDEX search_fts_pg_tsv_internal ON search_documents USING gin (tsv_internal)",
    "CREATE INDEX search_fts_pg_raw ON search_documents USING gin (raw gin_trgm_ops)",
    "CREATE INDEX search_fts_pg_raw_internal ON search_documents USING gin (raw_internal gin_trgm_ops)",
)
PG_DROP = ("DROP INDEX IF EXISTS search_fts_pg_raw_internal", "DROP INDEX IF EXISTS search_fts_pg_raw",
           "DROP INDEX IF EXISTS search_fts_pg_tsv_internal", "DROP INDEX IF EXISTS search_fts_pg_tsv",
           "DROP TRIGGER IF EXISTS search_documents_tsv ON search_documents",
           "DROP FUNCTION IF EXISTS search_documents_tsv()")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the engine's tables and indexes (names with ``_fts``) are managed here,
    by hand, not by autogenerate."""
    return not (type_ in ("table", "index") and name and "_fts" in name)


def create_statements(dialect: str) -> tuple[str, ...]:
    """What the engine needs beside the ``search_documents`` table (the migration runs these too)."""
    return PG_DDL if dialect == "postgresql" else SQLITE_DDL


def drop_statements(dialect: str) -> tuple[str, ...]:
    return PG_DROP if dialect == "postgresql" else SQLITE_DROP


@sa.event.listens_for(D, "after_create")
def _create_engine_index(target, connection, **kw):
    for statement in create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(D, "before_drop")
def _drop_engine_index(target, connection, **kw):
    for statement in drop_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def _substrings(terms: list[str], internal: bool, raw, raw_internal):
    """Every term (of 3 letters or more) is part of the text: the fallback for compounds' tails,
    parts of numbers and names. None when a term is too short for the trigram index."""
    if not terms or any(len(t) < 3 for t in terms):
        return None
    conditions = []
    for term in terms:
        pattern = f"%{fold(term)}%"  # terms are letters and digits only: no LIKE wildcards
        conditions.append(sa.or_(raw.like(pattern), raw_internal.like(pattern)) if internal
                          else raw.like(pattern))
    return sa.and_(*conditions)


def _sqlite_matches(kind: str, terms: list[str], internal: bool):
    fts = sa.table("search_fts", sa.column("rowid"), sa.column("rank"))
    trigram = sa.table("search_fts_trigram", sa.column("rowid"))
    exact = "{title_stems body_stems internal_stems}" if internal else "{title_stems body_stems}"
    folded = "{folded folded_internal}" if internal else "{folded}"

    def any_of(words):
        return "(" + " OR ".join(f'"{w}"*' for w in dict.fromkeys(words)) + ")"

    expression = " AND ".join(
        f"({exact} : {any_of(stems(t))} OR {folded} : {any_of(fold(s) for s in stems(t))})" for t in terms)
    # FTS5's hidden ``rank`` column with bm25's column weights: (unlike a bm25() call) it survives
    # SQLite flattening the subquery into the caller's aggregate.
    stemmed = (sa.select(D.c.ref_id, fts.c.rank.label("rank"))
               .select_from(fts.join(D, D.c.id == fts.c.rowid))
               .where(sa.literal_column("search_fts").op("MATCH")(expression),
                      fts.c.rank.op("MATCH")(sa.literal_column(f"'bm25({SQLITE_WEIGHTS})'")),
                      D.c.kind == kind))
    if not terms or any(len(t) < 3 for t in terms):  # too short for the trigram index
        return stemmed
    # The substring fallback as a trigram MATCH (a phrase is a substring), never ``LIKE``: joined
    # to the documents, SQLite may run a ``LIKE`` on the virtual table once per document (30 s).
    columns = "{raw raw_internal}" if internal else "{raw}"
    substring = " AND ".join(f'{columns} : "{fold(t)}"' for t in terms)  # terms: letters and digits
    parts = (sa.select(D.c.ref_id, sa.literal(0.0).label("rank"))
             .select_from(trigram.join(D, D.c.id == trigram.c.rowid))
             .where(sa.literal_column("search_fts_trigram").op("MATCH")(substring), D.c.kind == kind))
    return sa.union_all(stemmed, parts)


def _pg_matches(kind: str, terms: list[str], internal: bool):
    def prefix(config: str, word: str, weights: str = ""):
        config = sa.literal_column(f"'{config}'::regconfig")
        return sa.func.to_tsquery(config, sa.literal(f"{word}:*{weights}"))

    query = None
    for term in terms:
        one = prefix("norwegian", term).op("||")(prefix("english", term))
        for word in dict.fromkeys(fold(s) for s in stems(term)):
            one = one.op("||")(prefix("simple", word, "D"))  # the folded words only (weight D)
        query = one if query is None else query.op("&&")(one)
    query = query.self_group()
    rank = sa.func.ts_rank_cd(D.c.tsv, query)
    found = D.c.tsv.op("@@")(query)
    if internal:
        rank = rank + 0.5 * sa.func.ts_rank_cd(D.c.tsv_internal, query)
        found = sa.or_(found, D.c.tsv_internal.op("@@")(query))
    stemmed = sa.select(D.c.ref_id, (-rank).label("rank")).where(found, D.c.kind == kind)
    substring = _substrings(terms, internal, D.c.raw, D.c.raw_internal)
    if substring is None:
        return stemmed
    return sa.union_all(stemmed, sa.select(D.c.ref_id, sa.literal(0.0).label("rank"))
                        .where(substring, D.c.kind == kind))


def matches(dialect: str, kind: str, terms: list[str], internal: bool):
    """A subquery ``(ref_id, rank)`` of the ``kind`` documents matching every term, best rank per
    document (lower is better); ``internal`` also searches what only signed-in users see."""
    found = (_pg_matches if dialect == "postgresql" else _sqlite_matches)(kind, terms, internal).subquery()
    return (sa.select(found.c.ref_id, sa.func.min(found.c.rank).label("rank"))
            .group_by(found.c.ref_id).subquery("matched"))
