"""The search index: one row per searchable thing (a pilot, a partner), rebuilt from its source.

Triggers keep the engine's index in step with these rows. The row keeps the texts (``title``;
``body``: what the public register shows; ``internal``: what only signed-in users see, such as
status comments), their stems and their folded forms. The engine's own index
sits beside it (``tracker/search/backends.py``): FTS5 tables on SQLite, ``tsvector`` columns with
GIN and trigram indexes on PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import db

# A tsvector on PostgreSQL; an unused text column on SQLite (its index lives in FTS5 tables).
TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")


class SearchDocument(db.Model):
    __tablename__ = "search_documents"
    __table_args__ = (sa.UniqueConstraint("kind", "ref_id", name="uq_search_documents_ref"),)

    # The pilot's id, or minus the partner's (``backends.doc_id``): the engine's rowid too.
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # "pilot" or "partner"
    ref_id: Mapped[int]
    title: Mapped[str] = mapped_column(sa.Text, default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    internal: Mapped[str] = mapped_column(sa.Text, default="")
    # Stems (Norwegian and English) of each text: SQLite's FTS5 index reads these.
    title_stems: Mapped[str] = mapped_column(sa.Text, default="")
    body_stems: Mapped[str] = mapped_column(sa.Text, default="")
    internal_stems: Mapped[str] = mapped_column(sa.Text, default="")
    folded: Mapped[str] = mapped_column(sa.Text, default="")  # folded stems of title and body
    folded_internal: Mapped[str] = mapped_column(sa.Text, default="")
    raw: Mapped[str] = mapped_column(sa.Text, default="")  # folded title and body, for substrings
    raw_internal: Mapped[str] = mapped_column(sa.Text, default="")
    tsv = mapped_column(TSVECTOR, nullable=True)
    tsv_internal = mapped_column(TSVECTOR, nullable=True)
    # Parts of ``tsv`` in columns of their own (each with its GIN index): a match in one part is
    # then answered by the index alone, where a weight in the query (``:*A``) made PostgreSQL
    # read every candidate's whole text vector again.
    tsv_title = mapped_column(TSVECTOR, nullable=True)
    tsv_folded = mapped_column(TSVECTOR, nullable=True)
    tsv_folded_internal = mapped_column(TSVECTOR, nullable=True)
