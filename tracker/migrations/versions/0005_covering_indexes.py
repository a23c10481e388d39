"""Indexes for the uncached pages: the pilot list's order, the visibility condition beside district
and status, funding totals and verdict counts read from indexes alone (issue 12)

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pilots', schema=None) as batch_op:
        batch_op.drop_index('ix_pilots_district_status')
        batch_op.create_index('ix_pilots_district_status_visibility',
                              ['district_id', 'status', 'owner_id', 'is_public'], unique=False)
        batch_op.create_index('ix_pilots_updated', ['updated_at', 'id'], unique=False)
    with op.batch_alter_table('funding_lines', schema=None) as batch_op:
        batch_op.create_index('ix_funding_lines_totals', ['pilot_id', 'year', 'source_type', 'amount'],
                              unique=False)
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_outcomes_pilot_verdict', ['pilot_id', 'verdict'], unique=False)


def downgrade():
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_outcomes_pilot_verdict')
    with op.batch_alter_table('funding_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_funding_lines_totals')
    with op.batch_alter_table('pilots', schema=None) as batch_op:
        batch_op.drop_index('ix_pilots_updated')
        batch_op.drop_index('ix_pilots_district_status_visibility')
        batch_op.create_index('ix_pilots_district_status', ['district_id', 'status'], unique=False)
