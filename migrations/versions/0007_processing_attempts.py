"""inbound processing attempts (quarantine after repeated failures)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('attempts', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_column('attempts')
