"""The two search engines behind one interface: SQLite FTS5 (embedded default) and PostgreSQL.

Both index the rows of ``search_documents`` through triggers (so every insert, update and delete
of a row, a rollback included, moves the engine's index with it) and answer :func:`matches`: the
documents of one kind that contain every query term, with a rank (lower is better). The ranking
rules are the same on both: a title match beats a body match, an exact (stemmed) word beats one
found only without diacritics, and a plain substring (a compound's tail, part of a number) comes
last.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from tracker.search.models import SearchDocument
from tracker.search.text import fold, is_prefix, stems

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

# Parts of ``tsv`` kept in columns of their own, each with its GIN index (migration 0017).
PG_PARTS = ("tsv_title", "tsv_folded", "tsv_folded_internal")
_PG_TSV = """CREATE OR REPLACE FUNCTION search_documents_tsv() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.tsv := setweight(to_tsvector('norwegian', NEW.title), 'A')
          || setweight(to_tsvector('english', NEW.title), 'A')
          || setweight(to_tsvector('norwegian', NEW.body), 'B')
          || setweight(to_tsvector('english', NEW.body), 'B')
          || setweight(to_tsvector('simple', NEW.folded), 'D');
  NEW.tsv_internal := setweight(to_tsvector('norwegian', NEW.internal), 'C')
          || setweight(to_tsvector('english', NEW.internal), 'C')
          || setweight(to_tsvector('simple', NEW.folded_internal), 'D');{parts}
  RETURN NEW;
END $$"""
_PG_PARTS_SET = """
  NEW.tsv_title := to_tsvector('norwegian', NEW.title) || to_tsvector('english', NEW.title);
  NEW.tsv_folded := to_tsvector('simple', NEW.folded);
  NEW.tsv_folded_internal := to_tsvector('simple', NEW.folded_internal);"""


def pg_tsv_function(parts: bool = True) -> str:
    """The trigger function that fills the text vectors; ``parts=False``: as it was before
    migration 0017 (that revision's downgrade, and migration 0007)."""
    return _PG_TSV.format(parts=_PG_PARTS_SET if parts else "")


def pg_ddl(parts: bool = True) -> tuple[str, ...]:
    """PostgreSQL's statements beside the table; ``parts=False``: as migration 0007 made them."""
    return (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        pg_tsv_function(parts),
        "CREATE TRIGGER search_documents_tsv BEFORE INSERT OR UPDATE ON search_documents "
        "FOR EACH ROW EXECUTE FUNCTION search_documents_tsv()",
        "CREATE INDEX search_fts_pg_tsv ON search_documents USING gin (tsv)",
        "CREATE INDEX search_fts_pg_tsv_internal ON search_documents USING gin (tsv_internal)",
        *(pg_part_indexes() if parts else ()),
        "CREATE INDEX search_fts_pg_raw ON search_documents USING gin (raw gin_trgm_ops)",
        "CREATE INDEX search_fts_pg_raw_internal ON search_documents USING gin (raw_internal gin_trgm_ops)",
    )


def pg_part_indexes() -> tuple[str, ...]:
    return tuple(f"CREATE INDEX search_fts_pg_{c} ON search_documents USING gin ({c})" for c in PG_PARTS)


PG_DROP = (*(f"DROP INDEX IF EXISTS search_fts_pg_{c}" for c in PG_PARTS),
           "DROP INDEX IF EXISTS search_fts_pg_raw_internal", "DROP INDEX IF EXISTS search_fts_pg_raw",
           "DROP INDEX IF EXISTS search_fts_pg_tsv_internal", "DROP INDEX IF EXISTS search_fts_pg_tsv",
           "DROP TRIGGER IF EXISTS search_documents_tsv ON search_documents",
           "DROP FUNCTION IF EXISTS search_documents_tsv()")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the engine's tables and indexes (names with ``_fts``) are managed here,
    by hand, not by autogenerate."""
    return not (type_ in ("table", "index") and name and "_fts" in name)


def create_statements(dialect: str) -> tuple[str, ...]:
    """What the engine needs beside the ``search_documents`` table (SQLite's migration runs these too)."""
    return pg_ddl() if dialect == "postgresql" else SQLITE_DDL


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


def doc_id(kind: str, ref_id: int) -> int:
    """A document's id, which is also the engine's rowid: the pilot's id, or minus the partner's.
    A match is then a pilot or partner id as it comes out of the engine, and a kind is a range
    of rowids the engine seeks itself: no lookup in the wide document rows per match."""
    return ref_id if kind == "pilot" else -ref_id


def _ref(kind: str | None, rowid):
    """``(ref_id, kind condition)`` of an engine rowid column (see :func:`doc_id`); ``kind=None``:
    the documents of both kinds, each by its own id (a partner's negative)."""
    if kind is None:
        return rowid, sa.true()
    return (rowid, rowid > 0) if kind == "pilot" else (-rowid, rowid < 0)


def _pg_ref(kind: str | None):
    """``_ref`` of the documents' id on PostgreSQL, with a kind condition no index answers:
    the planner then reads the full-text (GIN) indexes, never the primary key with every
    document's text vector checked one by one (ten times slower than its estimate)."""
    ref_id, of_kind = _ref(kind, D.c.id)
    return ref_id, of_kind if kind is None else sa.func.sign(D.c.id) == (1 if kind == "pilot" else -1)


def _too_short(terms: list[str]) -> bool:
    """A term under 3 letters has no trigram: no substring fallback then."""
    return not terms or any(len(t) < 3 for t in terms)


def _any_of(words) -> str:
    """Words as prefixes (a short one whole: ``text.MIN_PREFIX``), without those another prefix
    already covers ("skole"* is in "skol"*)."""
    words = sorted(set(words), key=len)
    kept = [w for i, w in enumerate(words) if not any(w.startswith(k) and is_prefix(k) for k in words[:i])]
    return "(" + " OR ".join(f'"{w}"*' if is_prefix(w) else f'"{w}"' for w in kept) + ")"


def _sqlite_term(term: str, internal: bool, exact: bool) -> str:
    """One term's stems as prefixes: in the exact columns, or folded (without diacritics) in the
    folded columns."""
    if exact:
        columns = "{title_stems body_stems internal_stems}" if internal else "{title_stems body_stems}"
        return f"{columns} : {_any_of(stems(term))}"
    columns = "{folded folded_internal}" if internal else "{folded}"
    return f"{columns} : {_any_of(fold(s) for s in stems(term))}"


def _sqlite_ranked(kind: str | None, expression: str):
    fts = sa.table("search_fts", sa.column("rowid"), sa.column("rank"))
    ref_id, of_kind = _ref(kind, fts.c.rowid)
    # FTS5's hidden ``rank`` column with bm25's column weights: (unlike a bm25() call) it survives
    # SQLite flattening the subquery into the caller's aggregate.
    return (sa.select(ref_id.label("ref_id"), fts.c.rank.label("rank"))
            .where(sa.literal_column("search_fts").op("MATCH")(expression),
                   fts.c.rank.op("MATCH")(sa.literal_column(f"'bm25({SQLITE_WEIGHTS})'")), of_kind))


# Ranks (lower is better) of the unranked parts: a match in the title, one in the text (when too
# many documents match to rank them one by one), one found only without diacritics, a substring.
TITLE_RANK, TEXT_RANK, FOLDED_RANK, SUBSTRING_RANK = -2.0, -1.0, -1e-9, 0.0


class Part(NamedTuple):
    """One statement of a match: ``(ref_id, rank)`` rows; ``rank`` is its rows' rank when they
    all share one (None: the engine ranks each)."""

    select: sa.Select
    rank: float | None


def _constant(ref_id, rank: float):
    return ref_id.label("ref_id"), sa.literal(rank).label("rank")


def _sqlite_parts(kind: str | None, terms: list[str], internal: bool, ranked: bool) -> list:
    fts = sa.table("search_fts", sa.column("rowid"))
    ref_id, of_kind = _ref(kind, fts.c.rowid)

    def match(expression: str, rank: float):
        return Part(sa.select(*_constant(ref_id, rank)).where(
            sa.literal_column("search_fts").op("MATCH")(expression), of_kind), rank)

    exact = " AND ".join(f"({_sqlite_term(t, internal, True)})" for t in terms)
    if ranked:
        parts = [Part(_sqlite_ranked(kind, exact), None)]
    else:
        titles = " AND ".join(f"({{title_stems}} : {_any_of(stems(t))})" for t in terms)
        parts = [match(titles, TITLE_RANK), match(exact, TEXT_RANK)]
    folded = " AND ".join(f"({_sqlite_term(t, internal, False)})" for t in terms)
    parts.append(match(f"({folded}) NOT ({exact})", FOLDED_RANK))  # (every exact match is one folded)
    if _too_short(terms):
        return parts
    # The substring fallback as a trigram MATCH (a phrase is a substring), never ``LIKE``: joined
    # to the documents, SQLite may run a ``LIKE`` on the virtual table once per document (30 s).
    trigram = sa.table("search_fts_trigram", sa.column("rowid"))
    ref_id, of_kind = _ref(kind, trigram.c.rowid)
    columns = "{raw raw_internal}" if internal else "{raw}"
    substring = " AND ".join(f'{columns} : "{fold(t)}"' for t in terms)  # terms: letters and digits
    return [*parts, Part(sa.select(*_constant(ref_id, SUBSTRING_RANK))
                         .where(sa.literal_column("search_fts_trigram").op("MATCH")(substring), of_kind),
                         SUBSTRING_RANK)]


def _pg_prefix(config: str, word: str):
    """``word`` as a prefix (a short one whole: ``text.MIN_PREFIX``) in ``config``'s terms."""
    config = sa.literal_column(f"'{config}'::regconfig")
    return sa.func.to_tsquery(config, sa.literal(f"{word}:*" if is_prefix(word) else word))


def _pg_query(terms: list[str], joiner: str = "&&", folded: bool = False):
    """Each term as prefixes in Norwegian and English, or with ``folded`` its folded stems (for
    the folded columns); terms joined by ``joiner`` (``&&``: all, ``||``: any)."""
    query = None
    for term in terms:
        if folded:
            words = [_pg_prefix("simple", w) for w in dict.fromkeys(fold(s) for s in stems(term))]
        else:
            words = [_pg_prefix("norwegian", term), _pg_prefix("english", term)]
        one = words[0]
        for word in words[1:]:
            one = one.op("||")(word)
        query = one if query is None else query.op(joiner)(one.self_group())
    return query.self_group()


def _pg_found(query, internal: bool, public=D.c.tsv, signed_in=D.c.tsv_internal):
    """``query`` matches the ``public`` text vector, or with ``internal`` also the ``signed_in`` one."""
    found = public.op("@@")(query)
    return sa.or_(found, signed_in.op("@@")(query)) if internal else found


def _pg_ranked(kind: str | None, query, internal: bool, rank_of=sa.func.ts_rank_cd):
    """``rank_of``: ``ts_rank_cd`` (cover density: how close together the terms stand) for a query
    of every term; ``ts_rank`` (how often, and in which part) for a query of any of them, where
    closeness says little and cover density cost 2.7 times as much (241 against 90 ms for the
    15,800 documents a six-word proposal matched in the bench's city)."""
    ref_id, of_kind = _pg_ref(kind)
    rank = rank_of(D.c.tsv, query)
    if internal:
        rank = rank + 0.5 * rank_of(D.c.tsv_internal, query)
    return sa.select(ref_id.label("ref_id"), (-rank).label("rank")).where(_pg_found(query, internal), of_kind)


def _pg_parts(kind: str | None, terms: list[str], internal: bool, ranked: bool) -> list:
    ref_id, of_kind = _pg_ref(kind)

    def match(condition, rank: float):
        return Part(sa.select(*_constant(ref_id, rank)).where(condition, of_kind), rank)

    exact = _pg_query(terms)
    if ranked:
        parts = [Part(_pg_ranked(kind, exact, internal), None)]
    else:
        parts = [match(D.c.tsv_title.op("@@")(exact), TITLE_RANK),
                 match(_pg_found(exact, internal), TEXT_RANK)]
    folded = _pg_found(_pg_query(terms, folded=True), internal, D.c.tsv_folded, D.c.tsv_folded_internal)
    parts.append(match(folded, FOLDED_RANK))
    if _too_short(terms):
        return parts
    conditions = []
    for term in terms:
        pattern = f"%{fold(term)}%"  # terms are letters and digits only: no LIKE wildcards
        conditions.append(sa.or_(D.c.raw.like(pattern), D.c.raw_internal.like(pattern)) if internal
                          else D.c.raw.like(pattern))
    return [*parts, match(sa.and_(*conditions), SUBSTRING_RANK)]


def best_of_any(dialect: str, kind: str, terms: list[str], limit: int):
    """A subquery ``(ref_id, rank)``: the ``limit`` best documents of ``kind`` matching any of the
    terms (public text only), by the engine's relevance, which rewards documents matching more
    of the terms and rarer ones (a "more like this" query)."""
    if dialect == "postgresql":
        ranked = _pg_ranked(kind, _pg_query(terms, "||"), internal=False, rank_of=sa.func.ts_rank)
    else:
        ranked = _sqlite_ranked(kind, " OR ".join(f"({_sqlite_term(t, False, True)})" for t in terms))
    return ranked.order_by(ranked.selected_columns.rank).limit(limit).subquery("best")


def match_parts(dialect: str, kind: str | None, terms: list[str], internal: bool,
                ranked: bool = True) -> list:
    """The selects ``(ref_id, rank)`` whose rows together are the ``kind`` documents matching
    every term (a document may come from several: its best rank counts; lower is better). The
    first part holds the documents with every term as a word (stemmed, with its diacritics):
    ranked by the engine's relevance, or with ``ranked=False`` (the engine's cost is per ranked
    document) only as title or text matches. Then those found without diacritics, then
    substrings (a compound's tail, part of a number) if the terms are long enough. ``internal``
    also searches what only signed-in users see. ``kind=None``: pilots and partners together
    (ids as :func:`doc_id` gives them), each index read once for both."""
    return (_pg_parts if dialect == "postgresql" else _sqlite_parts)(kind, terms, internal, ranked)


def matched_ids(dialect: str, kind: str, terms: list[str], internal: bool):
    """A select of the ids of the ``kind`` documents matching every term, unranked (a filter asks
    which, not how well): the text, folded and substring parts of :func:`match_parts`."""
    _titles, *parts = match_parts(dialect, kind, terms, internal, ranked=False)  # titles: in the text
    return sa.union_all(*(p.select.with_only_columns(p.select.selected_columns.ref_id) for p in parts))
