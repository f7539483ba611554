"""dispatch form: a dispatch's own form (its fields, learned from the blank template staff
attach and confirmed by them), as JSON, empty for the built-in sites-and-pages form; and
each row's values by the form's field keys (site.form_values); the pages staff marked
closed in the register of pages (page_closure)

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
    op.create_table(
        'page_closure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('page_key', sa.String(length=500), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['unit.id'], name=op.f('fk_page_closure_unit_id_unit'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['closed_by_id'], ['user.id'], name=op.f('fk_page_closure_closed_by_id_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_page_closure')),
        sa.UniqueConstraint('unit_id', 'page_key', name=op.f('uq_page_closure_unit_id_page_key')),
    )
    with op.batch_alter_table('page_closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_closure_unit_id'), ['unit_id'], unique=False)


def downgrade():
    op.drop_table('page_closure')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('form_values')
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.drop_column('form')
