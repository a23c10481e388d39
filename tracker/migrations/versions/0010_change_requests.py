"""Change requests: an owner's change of scope to an approved pilot, waiting for a coordinator (issue 15)

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-27 20:30:00

At most one open request per pilot: a partial unique index (SQLite and PostgreSQL both have them).
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('proposed', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint("state IN ('open', 'accepted', 'declined', 'withdrawn')", name=op.f('ck_change_requests_state_valid')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_change_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilots.id'], name=op.f('fk_change_requests_pilot_id_pilots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_change_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests'))
    )
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_requests_pilot_id'), ['pilot_id'], unique=False)
        batch_op.create_index('uq_change_requests_open', ['pilot_id'], unique=True,
                              sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))


def downgrade():
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_change_requests_open')
        batch_op.drop_index(batch_op.f('ix_change_requests_pilot_id'))
    op.drop_table('change_requests')
