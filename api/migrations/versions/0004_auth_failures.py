"""failed authentications per client address (rate limit of tokens and participant links)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'auth_failures',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_auth_failures_client_at', 'auth_failures', ['client', 'at'], unique=False)
    op.create_index(op.f('ix_auth_failures_at'), 'auth_failures', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_auth_failures_at'), table_name='auth_failures')
    op.drop_index('ix_auth_failures_client_at', table_name='auth_failures')
    op.drop_table('auth_failures')
