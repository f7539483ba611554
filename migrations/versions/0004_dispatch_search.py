"""dispatch search: number and subject folded (no case, no diacritics)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

"""
import unicodedata

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def fold(text):
    """As mailin.text.fold at the time of writing (a migration never imports the app)."""
    text = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "d"))
    bare = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(bare.split()).casefold()


def upgrade():
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_folded', sa.String(length=700), nullable=False,
                                      server_default=''))
    dispatch = sa.table('dispatch', sa.column('id', sa.Integer), sa.column('number', sa.String),
                        sa.column('subject', sa.String), sa.column('search_folded', sa.String))
    connection = op.get_bind()
    for row in connection.execute(sa.select(dispatch.c.id, dispatch.c.number, dispatch.c.subject)):
        connection.execute(dispatch.update().where(dispatch.c.id == row.id).values(
            search_folded=fold(f"{row.number} {row.subject}")))


def downgrade():
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.drop_column('search_folded')
