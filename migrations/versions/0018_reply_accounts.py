"""reply accounts: a mailbox's own SMTP server, and the mailbox whose account sends each
outbox row (replies leave through the account the message came in on)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 03:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mailbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('smtp_host', sa.String(length=255), server_default='', nullable=False))
        batch_op.add_column(sa.Column('smtp_port', sa.Integer(), server_default='587', nullable=False))
        batch_op.add_column(sa.Column('smtp_security', sa.String(length=10), server_default='starttls', nullable=False))
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailbox_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_outbound_message_mailbox_id_mailbox'), 'mailbox', ['mailbox_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbound_message_mailbox_id_mailbox'), type_='foreignkey')
        batch_op.drop_column('mailbox_id')
    with op.batch_alter_table('mailbox', schema=None) as batch_op:
        batch_op.drop_column('smtp_security')
        batch_op.drop_column('smtp_port')
        batch_op.drop_column('smtp_host')
