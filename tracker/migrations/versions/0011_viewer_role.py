"""users.role: the innovation office's read-only role 'viewer'

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-27 20:20:00

The CHECK constraint mirrors ``tracker.auth.models.Role``. Downgrading turns viewers into staff
(the closest older role that changes nothing it does not own) before the old constraint returns.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD = ('staff', 'coordinator', 'admin')
NEW = (*OLD, 'viewer')


def _role_check(batch_op, roles) -> None:
    batch_op.drop_constraint(op.f('ck_users_role_valid'), type_='check')
    allowed = ", ".join(f"'{r}'" for r in roles)
    batch_op.create_check_constraint(op.f('ck_users_role_valid'), sa.text(f"role IN ({allowed})"))


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        _role_check(batch_op, NEW)


def downgrade():
    op.execute("UPDATE users SET role = 'staff' WHERE role = 'viewer'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        _role_check(batch_op, OLD)
