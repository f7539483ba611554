"""Substring search of the big lists through a trigram index (migration 0010).

Flask-Admin searches with `column ILIKE '%term%'` for each word of the search box (a word
must be in one of the searched columns, every word must be found): a scan of the whole table,
which takes a few hundred milliseconds on 100,000 sites. The same question is answered from
an index of the columns' trigrams (three-character substrings), so the result is the same:

- SQLite: an FTS5 table with the `trigram` tokenizer, its content read from the indexed table
  and kept in step by triggers (insert, update of the indexed columns, delete). A quoted
  phrase in MATCH is a substring of one column, ignoring case (the columns hold folded text).
- PostgreSQL: GIN indexes with `gin_trgm_ops` (the pg_trgm extension) on lower(column)
  (migration 0019), which the planner uses for `lower(column) ILIKE '%word%'` by itself: the
  same rows as Flask-Admin's ILIKE on the column. On lower(column), not on the column, so that
  the planner never takes them for an exact lookup, which the column's B-tree answers far
  sooner (pg_trgm answers `=` as well, slowly).

A word shorter than three characters has no trigram; it is searched as before (a scan), as is
a word holding LIKE wildcards or Flask-Admin's `^` (starts with) and `=` (equals) prefixes,
whose meaning a MATCH phrase cannot express. Where the index is missing (SQLite built without
FTS5 trigram, PostgreSQL without pg_trgm), the search still works, by the scan.
"""

from __future__ import annotations

from flask_admin.contrib.sqla.tools import parse_like_term
from sqlalchemy import and_, column, func, or_, select, table, text
from sqlalchemy.orm import Session

TRIGRAM = 3
# The tables with a trigram index (migration 0010): table → its SQLite FTS5 table and the
# columns it holds.
SQLITE_INDEXES = {"site": ("site_search", ("name_folded", "url_normalized"))}
# The PostgreSQL GIN indexes of migrations 0010 and 0019, and their table.
POSTGRESQL_INDEXES = {"ix_site_name_folded_trgm", "ix_site_url_normalized_trgm"}
POSTGRESQL_TABLES = {"site"}


def _indexed_word(word: str) -> bool:
    """A word a trigram phrase finds exactly as `ILIKE '%word%'` does."""
    return len(word) >= TRIGRAM and word[0] not in "^=" and not any(c in word for c in "%_")


def _sqlite_index_exists(session: Session, name: str) -> bool:
    # Looked up at each search (a read of the schema, microseconds) rather than cached: a
    # downgrade or a restored database changes it under a running process.
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": name}
    )
    return found.first() is not None


def _phrase(word: str) -> str:
    """A word as an FTS5 phrase: quoted, its own quotes doubled, nothing else special."""
    return '"' + word.replace('"', '""') + '"'


def condition(session: Session, model, columns, search: str):
    """The WHERE clause finding `search` (already folded when the columns are) as Flask-Admin
    would, through the trigram index where there is one; None when there is no word."""
    words = [word for word in search.split(" ") if word]
    if not words:
        return None
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return and_(*_scanned(_postgresql_indexed(model, columns), words))
    scanned = _scanned(columns, words)
    fts_name, fts_columns = SQLITE_INDEXES.get(model.__tablename__, (None, ()))
    indexed = [word for word in words if _indexed_word(word)]
    # MATCH searches every column of the FTS5 table: usable when it holds the searched ones.
    same_columns = sorted(col.key for col in columns) == sorted(fts_columns)
    if dialect != "sqlite" or not (fts_name and same_columns and indexed):
        return and_(*scanned)
    if not _sqlite_index_exists(session, fts_name):
        return and_(*scanned)
    fts = table(fts_name, column("rowid"), column(fts_name))
    matched = select(fts.c.rowid).where(
        fts.c[fts_name].op("MATCH")(" AND ".join(_phrase(word) for word in indexed))
    )
    rest = [clause for word, clause in zip(words, scanned, strict=True) if word not in indexed]
    return and_(model.id.in_(matched), *rest)


def _scanned(columns, words: list[str]) -> list:
    """Flask-Admin's condition: each word in one of the columns (ILIKE '%word%')."""
    return [or_(*(col.ilike(parse_like_term(word)) for col in columns)) for word in words]


def _postgresql_indexed(model, columns) -> list:
    """The columns as PostgreSQL's trigram indexes hold them (lower(column), migration 0019):
    the same rows for ILIKE, and the planner finds its index."""
    if model.__tablename__ not in POSTGRESQL_TABLES:
        return list(columns)
    return [func.lower(col) for col in columns]


def include_name(name, type_, parent_names) -> bool:
    """Alembic autogenerate: leave out the search indexes, which the models do not declare
    (an FTS5 table and its shadow tables; GIN indexes of an extension's operator class)."""
    if type_ == "table":
        return not any(
            name == fts or name.startswith(fts + "_") for fts, _ in SQLITE_INDEXES.values()
        )
    if type_ == "index":
        return name not in POSTGRESQL_INDEXES
    return True
