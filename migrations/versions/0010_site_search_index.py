"""site search index: a trigram index of the sites' folded names and normalised addresses

The sites list searches each word as a substring of `name_folded` or `url_normalized`
(`LIKE '%word%'`): a scan of every row, 180 to 280 ms on 100,000 sites (make bench). A
trigram index answers the same question (portal/search.py says how the search uses it):

- SQLite: an FTS5 table `site_search` with the `trigram` tokenizer (SQLite 3.34 or newer),
  reading its content from `site` and kept in step by three triggers. Note for later
  migrations: a batch operation that rebuilds `site` (copy, drop, rename) drops its triggers;
  such a migration must create them again (`create_sqlite_triggers` below), or the index goes
  stale (tests/test_search_index.py would fail).
- PostgreSQL: GIN indexes with `gin_trgm_ops`, which need the `pg_trgm` extension (in
  postgresql-contrib, part of Debian's postgresql-15). It is a trusted extension since
  PostgreSQL 13, so the database's owner may create it; when the migration may not (or the
  extension is not installed), it says so and goes on without the indexes: the search still
  works, by a scan. To add them later, a superuser runs `CREATE EXTENSION pg_trgm;` in the
  database, then `flask db downgrade 0009 && flask db upgrade`.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 09:30:00

"""
import logging

from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

COLUMNS = ('name_folded', 'url_normalized')
TRIGGERS = ('site_search_insert', 'site_search_delete', 'site_search_update')


def create_sqlite_triggers():
    # An external-content FTS5 table is told what to forget with the values it indexed
    # ('delete' with the old row), so each change of an indexed column removes, then adds.
    op.execute("""
        CREATE TRIGGER site_search_insert AFTER INSERT ON site BEGIN
            INSERT INTO site_search (rowid, name_folded, url_normalized)
            VALUES (new.id, new.name_folded, new.url_normalized);
        END""")
    op.execute("""
        CREATE TRIGGER site_search_delete AFTER DELETE ON site BEGIN
            INSERT INTO site_search (site_search, rowid, name_folded, url_normalized)
            VALUES ('delete', old.id, old.name_folded, old.url_normalized);
        END""")
    op.execute("""
        CREATE TRIGGER site_search_update AFTER UPDATE OF id, name_folded, url_normalized
        ON site BEGIN
            INSERT INTO site_search (site_search, rowid, name_folded, url_normalized)
            VALUES ('delete', old.id, old.name_folded, old.url_normalized);
            INSERT INTO site_search (rowid, name_folded, url_normalized)
            VALUES (new.id, new.name_folded, new.url_normalized);
        END""")


def _sqlite_has_trigram(connection):
    version = tuple(int(part) for part in connection.exec_driver_sql(
        'SELECT sqlite_version()').scalar().split('.'))
    options = {row[0] for row in connection.exec_driver_sql('PRAGMA compile_options')}
    return version >= (3, 34, 0) and 'ENABLE_FTS5' in options


def _pg_trgm_available(connection):
    """Creates pg_trgm when missing; False (and the transaction intact) when it may not."""
    savepoint = connection.begin_nested()
    try:
        connection.exec_driver_sql('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    except Exception as error:  # no privilege, or the extension is not installed
        savepoint.rollback()
        log.warning('pg_trgm could not be created (%s): the sites search will scan the '
                    'table. See migration 0010 for how to add the index later.',
                    str(error).splitlines()[0])
        return False
    savepoint.commit()
    return True


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == 'sqlite':
        if not _sqlite_has_trigram(connection):
            log.warning('SQLite has no FTS5 trigram tokenizer (3.34 or newer): the sites '
                        'search will scan the table.')
            return
        op.execute("""
            CREATE VIRTUAL TABLE site_search USING fts5(
                name_folded, url_normalized,
                content='site', content_rowid='id', tokenize='trigram')""")
        op.execute("INSERT INTO site_search (site_search) VALUES ('rebuild')")
        create_sqlite_triggers()
    elif connection.dialect.name == 'postgresql':
        if not _pg_trgm_available(connection):
            return
        for name in COLUMNS:
            op.create_index(f'ix_site_{name}_trgm', 'site', [name], unique=False,
                            postgresql_using='gin', postgresql_ops={name: 'gin_trgm_ops'})


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == 'sqlite':
        for name in TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS site_search')
    elif connection.dialect.name == 'postgresql':
        # The extension stays: it holds no data, and other objects may have come to use it.
        for name in COLUMNS:
            op.execute(f'DROP INDEX IF EXISTS ix_site_{name}_trgm')
