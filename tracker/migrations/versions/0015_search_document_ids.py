"""Search documents take their pilot's id (a partner's: minus its id) as their own, which is also
the full-text engine's rowid: a match is then a pilot or partner id as the engine returns it,
with no lookup in the wide document rows per match (issue 13, search latency).

Revision ID: 0015
Revises: 0007
Create Date: 2026-11-28 03:10:00

Both steps go through the triggers that keep the engine's index in step. The first moves every
id out of the way (far below any final id), so no row ever takes an id another still holds.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0007"
branch_labels = None
depends_on = None

OUT_OF_THE_WAY = "UPDATE search_documents SET id = -id - 1000000000"  # INTEGER on PostgreSQL


def upgrade():
    op.execute(OUT_OF_THE_WAY)
    op.execute("UPDATE search_documents SET id = CASE kind WHEN 'pilot' THEN ref_id ELSE -ref_id END")


def downgrade():
    # Any unique ids serve the old code: the new ones do, once no id is negative.
    op.execute(OUT_OF_THE_WAY)
    op.execute("UPDATE search_documents SET id = CASE kind WHEN 'pilot' THEN 2 * ref_id "
               "ELSE 2 * ref_id + 1 END")
