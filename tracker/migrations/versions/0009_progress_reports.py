"""KPI plans of pilots and progress reports with interim KPI values (issue 14, item 7)

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-27 20:40:00

New tables only: ``planned_kpis`` (a pilot's declared KPIs), ``progress_reports`` (dated reports on
running or paused pilots) and ``progress_values`` (interim values of planned KPIs per report).
Downgrading drops them with their rows.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('planned_kpis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('baseline', sa.Double(), nullable=True),
    sa.Column('target', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilots.id'], name=op.f('fk_planned_kpis_pilot_id_pilots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_kpis')),
    sa.UniqueConstraint('pilot_id', 'name', name=op.f('uq_planned_kpis_pilot_id'))
    )
    op.create_table('progress_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('happened', sa.Text(), nullable=False),
    sa.Column('next_steps', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('on_track', 'at_risk', 'off_track')", name=op.f('ck_progress_reports_state_valid')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_progress_reports_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilots.id'], name=op.f('fk_progress_reports_pilot_id_pilots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_reports'))
    )
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_reports_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_progress_reports_pilot_latest', ['pilot_id', 'report_date', 'id', 'state'], unique=False)

    op.create_table('progress_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['kpi_id'], ['planned_kpis.id'], name=op.f('fk_progress_values_kpi_id_planned_kpis'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['progress_reports.id'], name=op.f('fk_progress_values_report_id_progress_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_values')),
    sa.UniqueConstraint('report_id', 'kpi_id', name=op.f('uq_progress_values_report_id'))
    )
    with op.batch_alter_table('progress_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_values_kpi_id'), ['kpi_id'], unique=False)


def downgrade():
    with op.batch_alter_table('progress_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_values_kpi_id'))

    op.drop_table('progress_values')
    with op.batch_alter_table('progress_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_reports_pilot_latest')
        batch_op.drop_index(batch_op.f('ix_progress_reports_author_id'))

    op.drop_table('progress_reports')
    op.drop_table('planned_kpis')
