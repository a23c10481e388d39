"""Spreadsheet import (issue 17): saved column mappings and pilots' external references

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 20:30:00

A pilot's external reference ("OSC-2024-07") is unique across the city (not per district): a
second import of the same sheet finds the pilot even after it moved to another district.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_mappings_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mappings')),
    sa.UniqueConstraint('name', name=op.f('uq_import_mappings_name'))
    )
    op.create_table('pilot_references',
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilots.id'], name=op.f('fk_pilot_references_pilot_id_pilots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pilot_id', name=op.f('pk_pilot_references')),
    sa.UniqueConstraint('reference', name=op.f('uq_pilot_references_reference'))
    )


def downgrade():
    op.drop_table('pilot_references')
    op.drop_table('import_mappings')
