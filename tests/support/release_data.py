"""A database's rows as JSON, to fill a database at an older schema revision the way that
release left it (tests/test_upgrade.py). Written with the release's own code (see
tests/data/upgrade/README.md); loaded through the tables as they are at that revision,
never through today's models, which may have columns the old schema lacks.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
from pathlib import Path

from sqlalchemy import MetaData, create_engine, delete, insert, select, text, update

from portal.config import with_driver

# The revision is said apart; SQLite's full-text index of sites (site_search*) is filled by
# its triggers as the sites are inserted.
SKIPPED_PREFIXES = ("alembic_version", "site_search")


def _encode(value):
    if isinstance(value, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$dec": str(value)}
    return value


def _decode(value):
    if isinstance(value, dict):
        if "$b64" in value:
            return base64.b64decode(value["$b64"])
        if "$dt" in value:
            return dt.datetime.fromisoformat(value["$dt"])
        if "$d" in value:
            return dt.date.fromisoformat(value["$d"])
        if "$dec" in value:
            return decimal.Decimal(value["$dec"])
    return value


def dump(url: str, path: Path, about: dict) -> None:
    """Every table's rows (by primary key order) into path, with `about` (release, commit)."""
    engine = create_engine(with_driver(url))
    meta = MetaData()
    meta.reflect(engine)
    tables = {}
    with engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        for table in meta.tables.values():
            if table.name.startswith(SKIPPED_PREFIXES):
                continue
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [{k: _encode(v) for k, v in row._mapping.items()} for row in rows]
    path.write_text(
        json.dumps({**about, "revision": revision, "tables": tables}, ensure_ascii=False, indent=0)
    )


def load(url: str, path: Path) -> dict:
    """Insert the rows into the database at url, already migrated to the file's revision;
    PostgreSQL's id sequences moved past them. The file's contents, decoded.

    Some tables refer to each other (a message and the reply it caused) or to themselves
    (a unit's parent): every nullable reference is first left empty, then filled once all
    rows are in, as PostgreSQL checks a reference at each insert."""
    data = json.loads(path.read_text())
    engine = create_engine(with_driver(url))
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as connection:
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert found == data["revision"], f"database at {found}, rows of {data['revision']}"
        tables = list(_tables(meta, data))
        # What the migrations themselves put in (the official pages of 0002) is in the file.
        for table, rows, _later in reversed(tables):
            if rows:
                connection.execute(delete(table))
        for table, rows, later in tables:
            if rows:
                connection.execute(insert(table), [{**row, **dict.fromkeys(later)} for row in rows])
        for table, rows, later in tables:
            _fill_references(connection, table, rows, later)
        if engine.dialect.name == "postgresql":
            _move_sequences_past(connection, [t for t, rows, _l in tables if rows])
    engine.dispose()
    return data


def _fill_references(connection, table, rows: list[dict], later: list[str]) -> None:
    for row in rows:
        if any(row[name] is not None for name in later):
            values = {name: row[name] for name in later}
            connection.execute(update(table).where(table.c.id == row["id"]).values(values))


def _move_sequences_past(connection, tables: list) -> None:
    """PostgreSQL: the next id of each table after the rows put in with their own ids."""
    for table in tables:
        if "id" in table.columns:
            name = table.name  # from the database's own catalogue, not from the file
            move = f"""SELECT setval(pg_get_serial_sequence('"{name}"', 'id'), (SELECT max(id) FROM "{name}"))"""  # noqa: E501, S608
            connection.execute(text(move))


def _tables(meta: MetaData, data: dict):
    """(table, its decoded rows, its nullable references) in an order that inserts each
    row after the rows its non-nullable references point at."""
    for table in _by_required_references(meta):
        rows = [{k: _decode(v) for k, v in r.items()} for r in data["tables"].get(table.name, [])]
        later = [c.name for c in table.columns if c.foreign_keys and c.nullable]
        yield table, rows, later


def _by_required_references(meta: MetaData) -> list:
    """The tables, each after those its NOT NULL foreign keys point at (the nullable ones,
    filled later, may form cycles; these may not)."""
    needs = {
        table: {
            fk.column.table
            for fk in table.foreign_keys
            if not fk.parent.nullable and fk.column.table is not table
        }
        for table in meta.tables.values()
    }
    ordered: list = []
    while needs:
        ready = sorted((t for t, n in needs.items() if not n - set(ordered)), key=lambda t: t.name)
        if not ready:
            raise ValueError(f"required references in a loop: {sorted(t.name for t in needs)}")
        ordered += ready
        for table in ready:
            del needs[table]
    return ordered
