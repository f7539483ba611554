"""outbox lease: until when a sender holds a message it claimed (PostgreSQL: any number of
senders on any number of machines; a row whose lease ran out is taken back)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 02:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
