"""Optimistic-locking versions for districts, themes and users; the data-version counter

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 17:20:00

Existing rows get version 1 (server default). The counter row starts at 0; every committed change
increments it (tracker/data_version.py), and the district-page cache is keyed on it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

VERSIONED = ('districts', 'themes', 'users')


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    counter = op.create_table(
        'data_versions',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('counter', sa.BigInteger(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_versions')),
    )
    op.bulk_insert(counter, [{'id': 1, 'counter': 0}])


def downgrade():
    op.drop_table('data_versions')
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('version')
