"""dispatch form: a dispatch's own form (its fields, learned from the blank template staff
attach and confirmed by them), as JSON, empty for the built-in sites-and-pages form; and
each row's values by the form's field keys (site.form_values)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form', sa.JSON(), nullable=True))
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_values', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('form_values')
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.drop_column('form')
