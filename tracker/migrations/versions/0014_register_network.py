"""The public register and the network of cities (issue 18): country-aware business ids on
partners (unique per country and number), the district's choice to publish funding, and the
districts of other installations we follow with read-only copies of their public pilots.

Revision ID: 0014
Revises: 0006
Create Date: 2026-11-27 20:13:26

Downgrading keeps Norwegian numbers only (a Swedish or Finnish number does not fit the old
nine-digit rule): the other countries' numbers are cleared first.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('network_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pulled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_sources')),
    sa.UniqueConstraint('url', name=op.f('uq_network_sources_url'))
    )
    op.create_table('network_pilots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('remote_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('district', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('arena_kind', sa.String(length=20), nullable=False),
    sa.Column('themes', sa.Text(), nullable=False),
    sa.Column('partners', sa.Text(), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=True),
    sa.Column('planned_end', sa.Date(), nullable=True),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('lessons', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['network_sources.id'], name=op.f('fk_network_pilots_source_id_network_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_pilots')),
    sa.UniqueConstraint('source_id', 'remote_id', name=op.f('uq_network_pilots_source_id'))
    )
    with op.batch_alter_table('network_pilots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_pilots_source_id'), ['source_id'], unique=False)

    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publishes_funding', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country', sa.String(length=2), server_default='NO', nullable=False))
        batch_op.alter_column('org_number',
               existing_type=sa.VARCHAR(length=9),
               type_=sa.String(length=10),
               existing_nullable=True)
        batch_op.drop_constraint(batch_op.f('uq_partners_org_number'), type_='unique')
        batch_op.create_unique_constraint('uq_partners_country_org_number', ['country', 'org_number'])
        batch_op.drop_constraint(batch_op.f('ck_partners_org_number_len'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_partners_org_number_len'),
                                         'org_number IS NULL OR length(org_number) BETWEEN 8 AND 10')
        batch_op.create_check_constraint(batch_op.f('ck_partners_country_valid'),
                                         "country IN ('NO', 'SE', 'DK', 'FI')")



def downgrade():
    op.execute("UPDATE partners SET org_number = NULL WHERE country <> 'NO'")
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_partners_country_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_partners_org_number_len'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_partners_org_number_len'),
                                         'org_number IS NULL OR length(org_number) = 9')
        batch_op.drop_constraint('uq_partners_country_org_number', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_partners_org_number'), ['org_number'])
        batch_op.alter_column('org_number',
               existing_type=sa.String(length=10),
               type_=sa.VARCHAR(length=9),
               existing_nullable=True)
        batch_op.drop_column('country')

    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.drop_column('publishes_funding')

    with op.batch_alter_table('network_pilots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_pilots_source_id'))

    op.drop_table('network_pilots')
    op.drop_table('network_sources')
