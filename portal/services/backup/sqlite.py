"""SQLite: the snapshot through the online backup API, its check, and its restore."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from portal.services.backup.errors import BackupDamaged, BackupError
from portal.services.backup.files import owned_like_its_folder
from portal.services.backup.manifest import Manifest, compare_with_manifest
from portal.services.backup.target import describe_holdings


def sqlite_snapshot(source: Path, out: Path) -> Manifest:
    """Copy the live database with the backup API, then describe the copy itself."""
    if not source.is_file():
        raise BackupError(f"There is no SQLite database at {source}.")
    if os.geteuid() == 0 and source.stat().st_uid != 0:
        # Root's connection may create the -wal and -shm files beside the database, which
        # the portal's own user then cannot open.
        raise BackupError(
            f"Run the backup as the owner of {source} (e.g. `sudo -u portal …`), not as root."
        )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        with _closing(sqlite3.connect(source, timeout=30)) as live:
            with _closing(sqlite3.connect(out)) as copy:
                # pages=-1: the whole database in one step, inside one read transaction, so
                # the copy is one moment's committed state even while the poller commits.
                live.backup(copy, pages=-1)
                # The copy stands alone: no -wal/-shm beside it, readable on read-only media.
                copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:  # a full disk, a damaged source
        raise BackupError(f"SQLite could not copy {source}: {exc}") from exc
    with _closing(_sqlite_read_only(out)) as copy:
        return Manifest("sqlite", _sqlite_revision(copy, out), _sqlite_counts(copy))


@contextlib.contextmanager
def _closing(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """sqlite3's own context manager commits but does not close: this closes."""
    try:
        yield connection
    finally:
        connection.close()


def _sqlite_read_only(path: Path) -> sqlite3.Connection:
    # immutable: a backup file nobody writes; SQLite then takes no locks and creates no files.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    """The tables that hold data: not SQLite's own, nor a virtual table (the sites search
    index) and its shadow tables, which are rebuilt from `site`."""
    rows = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    return sorted(
        name
        for name, _sql in rows
        if name not in virtual and not any(name.startswith(f"{v}_") for v in virtual)
    )


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    return {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in _sqlite_tables(connection)
    }


def _sqlite_revision(connection: sqlite3.Connection, where: object) -> str:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"{where} has no schema revision ({exc}): run `flask db upgrade`."
        ) from exc
    if row is None:
        raise BackupError(f"{where} has no schema revision: run `flask db upgrade`.")
    return row[0]


def verify_sqlite(path: Path, manifest: Manifest) -> None:
    try:
        with _closing(_sqlite_read_only(path)) as copy:
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupDamaged(f"{path.name} fails integrity_check: {'; '.join(problems)}")
            if copy.execute("PRAGMA foreign_key_check").fetchone():
                raise BackupDamaged(f"{path.name} has rows whose referenced rows are missing.")
            compare_with_manifest(manifest, _sqlite_revision(copy, path.name), _sqlite_counts(copy))
    except sqlite3.DatabaseError as exc:
        raise BackupDamaged(f"{path.name} is not a readable SQLite database: {exc}") from exc


def sqlite_is_empty(path: Path) -> tuple[bool, str]:
    """Whether the SQLite file holds no tables (or does not exist), and what it holds."""
    if not path.exists() or path.stat().st_size == 0:
        return True, ""
    try:
        with _closing(sqlite3.connect(path, timeout=30)) as connection:
            counts = _sqlite_counts(connection)
    except sqlite3.DatabaseError as exc:
        return False, f"a file SQLite cannot read: {exc}"
    return not counts, describe_holdings(counts)


def restore_sqlite(snapshot: Path, target: Path) -> None:
    """Write the backup into the target path through the backup API: one transaction on
    the target, so a failure leaves it as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    created = not target.exists()
    if created:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        owned_like_its_folder(target)
    try:
        with _closing(_sqlite_read_only(snapshot)) as source:
            with _closing(sqlite3.connect(target, timeout=30)) as copy:
                source.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode=WAL")  # as the app runs it
    except sqlite3.Error as exc:
        if created:
            target.unlink(missing_ok=True)
        raise BackupError(f"Could not write {target}: {exc}") from exc


def sqlite_state(target: Path) -> tuple[str, dict[str, int]]:
    with _closing(sqlite3.connect(target, timeout=30)) as connection:
        return _sqlite_revision(connection, target), _sqlite_counts(connection)
