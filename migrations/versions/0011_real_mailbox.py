"""the real mailbox: arrival time, correspondence, sender proof, why a message waits

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('needs_answer', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column('sender_proof', sa.String(length=20), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('reasons', sa.String(length=255), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('hold_reason', sa.String(length=40), server_default='', nullable=False)
        )
    # Until now received_at was the time the poller read a message: keep it as such.
    op.execute('UPDATE inbound_message SET fetched_at = received_at')


def downgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('reasons')
        batch_op.drop_column('sender_proof')
        batch_op.drop_column('needs_answer')
        batch_op.drop_column('fetched_at')
