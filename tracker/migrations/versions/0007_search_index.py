"""The full-text search index (issue 13): search_documents plus the engine's own index

Revision ID: 0007
Revises: 0014 (assigned 0006; re-chained after main's head when rebasing)
Create Date: 2026-11-27 20:50:00

SQLite: external-content FTS5 tables (stems; trigrams for substrings) kept in step by triggers.
PostgreSQL: tsvector columns filled by a trigger (norwegian + english + folded), GIN indexes, and
pg_trgm's GIN index for substrings. SQLite's statements are the app's own
(tracker/search/backends.py); PostgreSQL's are kept here as this revision made them.
The index starts empty: run ``flask --app tracker search reindex`` after upgrading.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from tracker.search.backends import SQLITE_DDL, drop_statements

revision = '0007'
down_revision = "0012"
branch_labels = None
depends_on = None

TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")

# PostgreSQL's statements as this revision made them (0017 adds the indexed parts of ``tsv``).
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


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('internal', sa.Text(), nullable=False),
    sa.Column('title_stems', sa.Text(), nullable=False),
    sa.Column('body_stems', sa.Text(), nullable=False),
    sa.Column('internal_stems', sa.Text(), nullable=False),
    sa.Column('folded', sa.Text(), nullable=False),
    sa.Column('folded_internal', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('raw_internal', sa.Text(), nullable=False),
    sa.Column('tsv', TSVECTOR, nullable=True),
    sa.Column('tsv_internal', TSVECTOR, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('kind', 'ref_id', name='uq_search_documents_ref')
    )
    for statement in PG_DDL if op.get_bind().dialect.name == "postgresql" else SQLITE_DDL:
        op.execute(statement)


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('search_documents')
