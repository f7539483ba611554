"""search index on the lowered text: PostgreSQL's trigram indexes of the sites are built on
lower(column), so they serve the search and nothing else

With the GIN trigram index on the column itself, PostgreSQL's planner also took it for exact
lookups (`url_normalized IN (...)`, the duplicate-address check of every return): pg_trgm
answers `=` too, through every entry waiting in the index's pending list, and the check cost
9 ms a return against 0.1 ms through the column's B-tree (make bench). On lower(column), the
index matches only the search's `lower(column) ILIKE '%word%'` (portal/search.py); exact
lookups go to the B-tree. SQLite's FTS5 table is not concerned.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

COLUMNS = ('name_folded', 'url_normalized')


def _trigram_indexes_present(connection):
    """Migration 0010 made them only where pg_trgm could be created."""
    names = {f'ix_site_{name}_trgm' for name in COLUMNS}
    found = connection.execute(
        sa.text('SELECT indexname FROM pg_indexes WHERE indexname = ANY(:names)'),
        {'names': sorted(names)},
    ).scalars()
    return set(found) == names


def _rebuild(expression):
    connection = op.get_bind()
    if connection.dialect.name != 'postgresql' or not _trigram_indexes_present(connection):
        return
    for name in COLUMNS:
        op.execute(f'DROP INDEX ix_site_{name}_trgm')
        op.execute(
            f'CREATE INDEX ix_site_{name}_trgm ON site USING gin ({expression(name)} gin_trgm_ops)'
        )


def upgrade():
    _rebuild(lambda name: f'lower({name})')


def downgrade():
    _rebuild(lambda name: name)
