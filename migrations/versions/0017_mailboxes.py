"""mailboxes: the mailboxes the poller reads besides the environment's own, managed by staff
(their secrets stay in the environment or a file)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 03:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mailbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('port', sa.Integer(), nullable=False),
        sa.Column('security', sa.String(length=10), nullable=False),
        sa.Column('user', sa.String(length=254), nullable=False),
        sa.Column('auth', sa.String(length=10), nullable=False),
        sa.Column('folder', sa.String(length=255), nullable=False),
        sa.Column('processed_folder', sa.String(length=255), nullable=False),
        sa.Column('secret_from', sa.String(length=500), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox')),
        sa.UniqueConstraint('host', 'user', 'folder', name=op.f('uq_mailbox_host_user_folder')),
        sa.UniqueConstraint('name', name=op.f('uq_mailbox_name')),
    )


def downgrade():
    op.drop_table('mailbox')
