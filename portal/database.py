"""Declarative base, naming convention and the UTC timestamp type every model uses."""

from __future__ import annotations

import datetime as dt
import enum
import sqlite3

from sqlalchemy import (
    DateTime,
    Engine,
    MetaData,
    String,
    TypeDecorator,
    any_,
    bindparam,
    event,
    insert,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, so naive values coming back are known to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC values")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class EnumText(TypeDecorator):
    """A StrEnum member stored as its plain text (a VARCHAR, no database enum type: a new
    member needs no migration) and read back as the member. A value outside the enum is
    refused when written, so a typo cannot reach the database."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[enum.StrEnum], length: int):
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum_class(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


LZ4_WHERE_SUPPORTED = """
SELECT set_config('default_toast_compression', 'lz4', false) FROM pg_settings
WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)
"""


@event.listens_for(Engine, "connect")
def _session_settings(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys (off by default) and let readers run beside the writer.

    PostgreSQL: plan each statement for its values. psycopg prepares a statement on the
    server from its fifth run, and PostgreSQL may then keep one generic plan made while a
    table was small: on a deadline day's empty tables, the duplicate-address check of every
    return kept scanning the growing `site` table (2.4 ms a return and rising, against 0.2
    planned afresh; make bench). And compress the stored messages and files with lz4 where
    the server has it (PostgreSQL 14 and later, as Debian builds it): storing a return's
    message and files took the server 0.4 ms with pglz and 0.12 ms with lz4 (make bench),
    and on these messages (zipped forms in base64) pglz gave up, storing 100 % of the bytes,
    where lz4 stored 93 %. Values already stored stay as they are; reading takes either."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
            cursor.execute(LZ4_WHERE_SUPPORTED)
        dbapi_connection.commit()  # a SET rolled back with its transaction would be undone


def _let_psycopg_cache_batch_statements() -> None:
    """psycopg turns each statement's %s placeholders into $1, $2… in Python, and keeps the
    result only for statements of at most 50 parameters and 4 KB: an ORM's multi-row INSERTs
    vary too much to gain (psycopg's discussion #628). The poller's do not: a fetch batch
    INSERTs its 25 messages, their files, returns and acknowledgements with the same few
    statements each time, which psycopg converted again on every batch, in the poller's
    busiest thread (PostgreSQL ingest 3 to 4 % faster kept, make bench). Those limits are
    module settings of psycopg (3.1 to 3.3; tests/test_mailin_poll.py); a version without
    them loses only this speed."""
    try:
        from psycopg import _queries
    except ImportError:  # no psycopg: SQLite only
        return
    if hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 2_000)
        _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 64_000)


_let_psycopg_cache_batch_statements()


def among(column, values):
    """`column IN (values)`; on PostgreSQL `column = ANY(array)`, one bound array. A batch's
    lookups send up to 500 values: as an IN list, SQLAlchemy renders a placeholder each
    and psycopg and the server parse a new statement for each length (3.2 ms for 500
    addresses, against 1.2 as an array: make bench's duplicate-address check)."""
    from portal.extensions import db  # not at the top: extensions imports this module

    if db.engine.dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


def in_chunks(values: list, size: int = 500) -> list[list]:
    """`values` as lists of at most `size`, one IN list each (the databases' limits on bound
    parameters: SQLite's is 32,766 since 3.32, older builds 999)."""
    return [values[start : start + size] for start in range(0, len(values), size)]


def bulk_insert(session, model, rows: list[dict]) -> None:
    """Insert many rows of one table, all with the same keys, in one round trip.

    PostgreSQL gets COPY: for a fetch batch's 500 rows it is half the time of the
    multi-row INSERT SQLAlchemy sends, most of it the server's parsing of one statement
    with 8,000 parameters (make bench). The other databases get that INSERT."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(model), rows)
        return
    table = model.__table__
    keys = list(rows[0])
    # COPY leaves out the ORM's defaults, as executemany would not: filled in here.
    defaults = {
        column.key: column.default.arg
        for column in table.columns
        if column.key not in keys and column.default is not None and column.default.is_scalar
    }
    if defaults:
        rows = [dict(defaults, **row) for row in rows]
        keys = list(rows[0])
    columns = [table.c[key] for key in keys]
    dialect = session.get_bind().dialect
    to_database = [column.type._cached_bind_processor(dialect) for column in columns]
    names = ", ".join(dialect.identifier_preparer.quote(column.name) for column in columns)
    connection = session.connection().connection.dbapi_connection
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                values = [row[key] for key in keys]
                copy.write_row(
                    [
                        value if convert is None else convert(value)
                        for value, convert in zip(values, to_database, strict=True)
                    ]
                )
