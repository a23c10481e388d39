"""The district page's figures kept too: funding per source kind, and partners per district

``district_sources`` holds funding per source kind beside ``district_funding``'s per year (the
district page shows funding per year and source); ``district_partners`` holds how many pilots of a
district each partner is linked to, for every pilot, every pilot but drafts, and the public's
(tracker/districts/summaries.py). Both are filled from the pilots as they stand. Indexes keep the district page's lists and needs attention
on index ranges at city scale: the timeline's (district, status, planned start, with the
visibility's columns) in place of the same index without the start, needs attention's by the
columns its rules wait on, and the latest lessons' (outcomes by recorded time).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 12:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

SCOPES = {
    "all": "1 = 1",
    "staff": "p.status != 'draft'",
    "public": "p.is_public AND p.status IN ('approved', 'running', 'paused', 'completed', 'evaluated')",
}

# Needs attention's rules by the column each waits on, beside the district, status and visibility.
INDEXES = {
    "ix_pilots_district_status_changed": "status_changed_at",
    "ix_pilots_district_status_end": "planned_end",
}


def upgrade():
    op.create_table('district_sources',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_district_sources_district_id_districts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('district_id', 'status', 'is_public', 'year', 'source_type', name=op.f('pk_district_sources'))
    )
    op.execute(
        "INSERT INTO district_sources (district_id, status, is_public, year, source_type, amount) "
        "SELECT p.district_id, p.status, p.is_public, f.year, f.source_type, sum(f.amount) "
        "FROM pilots p JOIN funding_lines f ON f.pilot_id = p.id "
        "GROUP BY p.district_id, p.status, p.is_public, f.year, f.source_type"
    )
    op.create_table('district_partners',
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('pilots', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_district_partners_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_district_partners_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('district_id', 'scope', 'partner_id', name=op.f('pk_district_partners'))
    )
    for scope, condition in SCOPES.items():
        op.execute(
            "INSERT INTO district_partners (district_id, scope, partner_id, pilots) "
            f"SELECT p.district_id, '{scope}', l.partner_id, count(DISTINCT p.id) "
            f"FROM pilots p JOIN pilot_partners l ON l.pilot_id = p.id WHERE {condition} "
            "GROUP BY p.district_id, l.partner_id"
        )
    op.drop_index('ix_pilots_district_status_visibility', table_name='pilots')
    op.create_index('ix_pilots_district_status_start', 'pilots',
                    ['district_id', 'status', 'planned_start', 'owner_id', 'is_public'], unique=False)
    op.create_index('ix_outcomes_recorded', 'outcomes', ['recorded_at', 'id'], unique=False)
    for name, column in INDEXES.items():
        op.create_index(name, 'pilots', ['district_id', 'status', column, 'owner_id', 'is_public'], unique=False)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name='pilots')
    op.drop_index('ix_outcomes_recorded', table_name='outcomes')
    op.drop_index('ix_pilots_district_status_start', table_name='pilots')
    op.create_index('ix_pilots_district_status_visibility', 'pilots',
                    ['district_id', 'status', 'owner_id', 'is_public'], unique=False)
    op.drop_table('district_partners')
    op.drop_table('district_sources')
