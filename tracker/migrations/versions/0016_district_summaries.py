"""The city overview's figures kept per district (tracker/districts/summaries.py): pilots per
status, public flag and verdict, and funding per status, public flag and year, filled from the
pilots as they stand; and an index covering needs attention's counts per district.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 03:10:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('district_counts',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('pilots', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_district_counts_district_id_districts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('district_id', 'status', 'is_public', 'verdict', name=op.f('pk_district_counts'))
    )
    op.create_table('district_funding',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_district_funding_district_id_districts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('district_id', 'status', 'is_public', 'year', name=op.f('pk_district_funding'))
    )
    op.create_index('ix_pilots_attention', 'pilots', ['district_id', 'status', 'updated_at',
                    'status_changed_at', 'planned_end', 'owner_id', 'is_public'], unique=False)
    op.execute(
        "INSERT INTO district_counts (district_id, status, is_public, verdict, pilots) "
        "SELECT p.district_id, p.status, p.is_public, coalesce(o.verdict, ''), count(*) "
        "FROM pilots p LEFT OUTER JOIN outcomes o ON o.pilot_id = p.id "
        "GROUP BY p.district_id, p.status, p.is_public, coalesce(o.verdict, '')"
    )
    op.execute(
        "INSERT INTO district_funding (district_id, status, is_public, year, amount) "
        "SELECT p.district_id, p.status, p.is_public, f.year, sum(f.amount) "
        "FROM pilots p JOIN funding_lines f ON f.pilot_id = p.id "
        "GROUP BY p.district_id, p.status, p.is_public, f.year"
    )


def downgrade():
    op.drop_index('ix_pilots_attention', table_name='pilots')
    op.drop_table('district_funding')
    op.drop_table('district_counts')
