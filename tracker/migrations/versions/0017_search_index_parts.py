"""The search index's title and folded parts in text vectors of their own, each with a GIN index

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 10:20:00

On PostgreSQL a title match (``:*A``) or a folded word (``:*D``) was a weight in the query, which
the GIN index cannot answer: PostgreSQL read the whole text vector of every document holding the
word again (115 ms of a 240 ms search at 20,000 pilots). The same parts in columns of their own are
answered by their own indexes. The trigger fills them; the upgrade fills them for the documents
already there. On SQLite the columns stay empty (its index is FTS5's).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from tracker.search.backends import PG_PARTS, pg_part_indexes, pg_tsv_function

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    for column in PG_PARTS:
        op.add_column("search_documents", sa.Column(column, TSVECTOR, nullable=True))
    if _postgresql():
        op.execute(pg_tsv_function())
        op.execute("UPDATE search_documents SET id = id")  # the trigger fills the new parts
        for statement in pg_part_indexes():
            op.execute(statement)


def downgrade():
    if _postgresql():
        for column in PG_PARTS:
            op.execute(f"DROP INDEX IF EXISTS search_fts_pg_{column}")
        op.execute(pg_tsv_function(parts=False))
    for column in PG_PARTS:
        # Not a batch: copying the table would drop SQLite's triggers that feed FTS5.
        op.execute(f"ALTER TABLE search_documents DROP COLUMN {column}")
