"""The full-text search index (issue 13): search_documents plus the engine's own index

Revision ID: 0007
Revises: 0014 (assigned 0006; re-chained after main's head when rebasing)
Create Date: 2026-11-27 20:50:00

SQLite: external-content FTS5 tables (stems; trigrams for substrings) kept in step by triggers.
PostgreSQL: tsvector columns filled by a trigger (norwegian + english + folded), GIN indexes, and
pg_trgm's GIN index for substrings. SQLite's statements are the app's own
(tracker/search/backends.py); PostgreSQL's are those of this revision (``pg_ddl(parts=False)``).
The index starts empty: run ``flask --app tracker search reindex`` after upgrading.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from tracker.search.backends import SQLITE_DDL, drop_statements, pg_ddl

revision = '0007'
down_revision = "0012"
branch_labels = None
depends_on = None

TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


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
    # PostgreSQL's statements as this revision made them (0017 adds the indexed parts of ``tsv``).
    for statement in pg_ddl(parts=False) if op.get_bind().dialect.name == "postgresql" else SQLITE_DDL:
        op.execute(statement)


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('search_documents')
