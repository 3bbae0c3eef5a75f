"""job leases: a running job's lease expiry (the owner is the existing ``worker`` column)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

A job left ``running`` by a version without leases gets no expiry (NULL),
which the workers read as already expired: it is taken over at once.
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('lease_expires_at')
