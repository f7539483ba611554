"""Backups: a consistent snapshot of the database and the instance secrets, and its restore.

A backup is a directory, or the same files in a .tar.gz:

    manifest.json          what it is: format, time, engine, alembic revision, row counts,
                           and the sha256 of every other file
    database.sqlite3       SQLite: a copy made by SQLite's online backup API
    database.dump          PostgreSQL: `pg_dump -Fc`
    instance/secret_key    the generated session key, when the instance folder has one
    instance/config.py     the deployment's settings (passwords), when there is one

Both copies are taken while the poller and the web app write: SQLite's backup API copies
the pages inside one read transaction (WAL lets the writers go on meanwhile), and pg_dump
reads one exported snapshot, the same one the manifest's row counts are counted in. So the
counts describe exactly the data in the file, and the data is some moment's committed state:
never a submission without its message, an acknowledgement without its return.

Every file is written 0600 (the database holds password hashes and OAuth tokens, config.py
the mailbox password), into a hidden folder beside the destination that takes its final name
only when complete: a backup interrupted half-way never looks like a backup.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import Connection, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from portal.errors import PortalError

FORMAT = "unit-returns-portal backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# The instance folder's files worth keeping (portal/config.py reads both); lock files, the
# demo's mail and caches are not: they are made again.
SECRET_FILES = ("secret_key", "config.py")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
ALLOWED_MEMBERS = {MANIFEST, *DATABASE_FILES.values(), *(f"instance/{n}" for n in SECRET_FILES)}
# libpq settings a DATABASE_URL may carry in its query string, and their variables.
LIBPQ_QUERY = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
CHUNK = 1024 * 1024


class BackupError(PortalError):
    """A backup could not be written, read or restored."""


class BackupDamaged(BackupError):
    """The backup does not pass its checks: a changed or missing file, a broken database."""


class RestoreRefused(BackupError):
    """The target already holds data (or other secrets): nothing was changed."""


# --- where the configured database is ---------------------------------------------------


@dataclass
class Target:
    """The configured database: its engine, URL and (SQLite) file."""

    engine: str
    url: URL
    path: Path | None = None

    def describe(self) -> str:
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)


def configured_database(app: Flask) -> Target:
    """The database the app is configured for (DATABASE_URL, or instance/portal.sqlite3)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    engine = url.get_backend_name()
    if engine == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise BackupError(f"Cannot back up or restore the SQLite database {url.database!r}.")
        return Target("sqlite", url, Path(url.database).resolve())
    if engine == "postgresql":
        return Target("postgresql", url)
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


# --- the manifest -----------------------------------------------------------------------


@dataclass
class Manifest:
    engine: str
    alembic_revision: str
    row_counts: dict[str, int]
    created_at: str = ""
    app_version: str | None = None
    files: dict[str, dict] = field(default_factory=dict)

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.engine]

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "app_version": self.app_version,
            "engine": self.engine,
            "alembic_revision": self.alembic_revision,
            "database_file": self.database_file,
            "row_counts": dict(sorted(self.row_counts.items())),
            "files": self.files,
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise BackupDamaged(f"{MANIFEST} is missing: this is not a portal backup.") from exc
        except (ValueError, OSError) as exc:
            raise BackupDamaged(f"{MANIFEST} cannot be read: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupDamaged(f"{MANIFEST} is not the manifest of a portal backup.")
        if data.get("format_version") != FORMAT_VERSION:
            raise BackupDamaged(
                f"Backup format version {data.get('format_version')!r}: this code reads "
                f"version {FORMAT_VERSION}; use the portal version that wrote it."
            )
        if not isinstance(data.get("files"), dict) or not all(
            isinstance(entry, dict) for entry in data["files"].values()
        ):
            raise BackupDamaged(f"{MANIFEST} has no valid list of files.")
        try:
            return cls(
                engine=data["engine"],
                alembic_revision=data["alembic_revision"],
                row_counts={str(k): int(v) for k, v in data["row_counts"].items()},
                created_at=data["created_at"],
                app_version=data.get("app_version"),
                files=dict(data["files"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupDamaged(f"{MANIFEST} is incomplete ({exc!r}).") from exc


def app_version() -> str | None:
    """The code's version, when it declares one."""
    import portal

    return getattr(portal, "__version__", None)


def file_digest(path: Path) -> dict:
    """sha256 and size of a file, read in chunks (a database may be large)."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "bytes": size}


def _write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner only, and flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


# --- writing a backup -------------------------------------------------------------------


def is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


def create_backup(app: Flask, dest: Path) -> Manifest:
    """Write a backup of the configured database and instance secrets to dest (a directory
    to create, or a .tar.gz file)."""
    dest = dest.absolute()
    target = configured_database(app)
    _check_destination(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    try:
        with _database_errors(target):
            manifest = _snapshot(target, staging)
        _copy_secrets(Path(app.instance_path), staging)
        manifest.created_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        manifest.app_version = app_version()
        manifest.files = {
            name: file_digest(staging / name)
            for name in sorted(ALLOWED_MEMBERS - {MANIFEST})
            if (staging / name).exists()
        }
        _write_private(staging / MANIFEST, manifest.to_json().encode())
        if is_archive(dest):
            _publish_archive(staging, dest)
        else:
            _publish_directory(staging, dest)
    except OSError as exc:  # a full disk, a folder we may not write in
        raise BackupError(f"The backup could not be written to {dest}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _check_destination(dest: Path) -> None:
    """Refuse to write over anything: an archive that exists, a folder with files in it."""
    if is_archive(dest):
        if dest.exists():
            raise BackupError(f"{dest} already exists: give a new file name.")
    elif dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(
            f"{dest} already exists and is not an empty directory: give a new one "
            f"(or a .tar.gz file name)."
        )


@contextlib.contextmanager
def _database_errors(target: Target) -> Iterator[None]:
    """A database that cannot be reached or read, said in one line rather than a traceback."""
    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip()
        raise BackupError(f"The database {target.describe()} could not be used: {reason}") from exc


def _snapshot(target: Target, staging: Path) -> Manifest:
    out = staging / DATABASE_FILES[target.engine]
    if target.engine == "sqlite":
        return _sqlite_snapshot(target.path, out)
    return _pg_snapshot(target, out)


def _copy_secrets(instance: Path, staging: Path) -> None:
    for name in SECRET_FILES:
        source = instance / name
        if source.is_file():
            (staging / "instance").mkdir(mode=0o700, exist_ok=True)
            _write_private(staging / "instance" / name, source.read_bytes())


def _publish_directory(staging: Path, dest: Path) -> None:
    """Give the finished backup its name; rename(2) replaces an empty directory."""
    try:
        os.rename(staging, dest)
    except OSError as exc:
        raise BackupError(f"Could not write {dest}: {exc.strerror}.") from exc


def _publish_archive(staging: Path, dest: Path) -> None:
    """Pack the staging folder into a hidden file beside dest, then link it into place
    (link(2) fails rather than replace a file that appeared meanwhile)."""
    fd, partial = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=6) as archive:
                # The manifest first: `tar -xzOf backup.tar.gz manifest.json` reads it quickly.
                for name in [MANIFEST, *sorted(ALLOWED_MEMBERS - {MANIFEST})]:
                    if (staging / name).exists():
                        archive.add(staging / name, arcname=name, filter=_private_member)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(partial, dest)
    except FileExistsError as exc:
        raise BackupError(f"{dest} appeared while the backup was written: kept it.") from exc
    finally:
        os.unlink(partial)


def _private_member(member: tarfile.TarInfo) -> tarfile.TarInfo:
    member.mode = 0o600
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_snapshot(source: Path, out: Path) -> Manifest:
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


def _verify_sqlite(path: Path, manifest: Manifest) -> None:
    try:
        with _closing(_sqlite_read_only(path)) as copy:
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupDamaged(f"{path.name} fails integrity_check: {'; '.join(problems)}")
            if copy.execute("PRAGMA foreign_key_check").fetchone():
                raise BackupDamaged(f"{path.name} has rows whose referenced rows are missing.")
            _compare(manifest, _sqlite_revision(copy, path.name), _sqlite_counts(copy))
    except sqlite3.DatabaseError as exc:
        raise BackupDamaged(f"{path.name} is not a readable SQLite database: {exc}") from exc


def _sqlite_is_empty(path: Path) -> tuple[bool, str]:
    """Whether the SQLite file holds no tables (or does not exist), and what it holds."""
    if not path.exists() or path.stat().st_size == 0:
        return True, ""
    try:
        with _closing(sqlite3.connect(path, timeout=30)) as connection:
            counts = _sqlite_counts(connection)
    except sqlite3.DatabaseError as exc:
        return False, f"a file SQLite cannot read: {exc}"
    return not counts, _describe_holdings(counts)


def _restore_sqlite(snapshot: Path, target: Path) -> None:
    """Write the backup into the target path through the backup API: one transaction on
    the target, so a failure leaves it as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    created = not target.exists()
    if created:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        _owned_like_its_folder(target)
    try:
        with _closing(_sqlite_read_only(snapshot)) as source:
            with _closing(sqlite3.connect(target, timeout=30)) as copy:
                source.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode=WAL")  # as the app runs it
    except sqlite3.Error as exc:
        if created:
            target.unlink(missing_ok=True)
        raise BackupError(f"Could not write {target}: {exc}") from exc


def _sqlite_state(target: Path) -> tuple[str, dict[str, int]]:
    with _closing(sqlite3.connect(target, timeout=30)) as connection:
        return _sqlite_revision(connection, target), _sqlite_counts(connection)


# --- PostgreSQL -------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on the PATH, else PostgreSQL 15's, else the newest installed."""
    found = shutil.which(name)
    if found:
        return found
    candidates = [f"/usr/lib/postgresql/15/bin/{name}"]
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} was not found: install postgresql-client-15 (apt).")


def pg_environment(url: URL) -> dict[str, str]:
    """The connection as libpq variables: a password in argv is visible to every user of
    the machine (ps), one in the environment only to the process's owner."""
    env = dict(os.environ)
    parts = {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for key, value in url.query.items():
        if key in LIBPQ_QUERY:
            parts[LIBPQ_QUERY[key]] = value if isinstance(value, str) else value[-1]
    env.update({name: str(value) for name, value in parts.items() if value not in (None, "")})
    return env


def _run_pg(args: list[str], url: URL, what: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (our own argument list, no shell)
            args, env=pg_environment(url), capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"{what}: {args[0]} could not run: {exc}") from exc
    if done.returncode != 0:
        detail = done.stderr.strip() or f"exit status {done.returncode}"
        raise BackupError(f"{what} failed: {detail}")
    return done.stdout


def _pg_relations(connection: Connection) -> list[tuple[str, str]]:
    """Every table of the database outside PostgreSQL's own schemas, except those an
    extension brings (they are the extension's, not the portal's data)."""
    rows = connection.execute(
        text(
            "SELECT n.nspname, c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d "
            "  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') "
            "ORDER BY 1, 2"
        )
    ).all()
    return [(schema, name) for schema, name in rows]


def _pg_counts(connection: Connection) -> dict[str, int]:
    quote = connection.dialect.identifier_preparer.quote
    counts = {}
    for schema, name in _pg_relations(connection):
        key = name if schema == "public" else f"{schema}.{name}"
        query = f"SELECT count(*) FROM {quote(schema)}.{quote(name)}"  # noqa: S608
        counts[key] = connection.execute(text(query)).scalar_one()
    return counts


def _pg_revision(connection: Connection, where: str) -> str:
    if ("public", "alembic_version") not in _pg_relations(connection):
        raise BackupError(f"{where} has no schema revision: run `flask db upgrade`.")
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision is None:
        raise BackupError(f"{where} has no schema revision: run `flask db upgrade`.")
    return revision


def _pg_snapshot(target: Target, out: Path) -> Manifest:
    """pg_dump -Fc reading the snapshot this transaction exports, in which the manifest's
    counts are taken: the counts describe the dump exactly, whatever commits meanwhile."""
    from portal.extensions import db

    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision = _pg_revision(connection, target.describe())
            counts = _pg_counts(connection)
            os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            # The snapshot lives as long as this transaction: pg_dump runs inside it.
            args = [pg_tool("pg_dump"), "-Fc", "--no-password", f"--snapshot={snapshot}"]
            _run_pg([*args, "-f", str(out)], target.url, "pg_dump")
    return Manifest("postgresql", revision, counts)


def pg_dump_list(dump: Path) -> list[str]:
    """The dump's table of contents (`pg_restore --list`): proves the file is readable."""
    args = [pg_tool("pg_restore"), "--list", str(dump)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as exc:
        raise BackupError(f"pg_restore could not run: {exc}") from exc
    if done.returncode != 0:
        raise BackupDamaged(f"{dump.name} is not readable by pg_restore: {done.stderr.strip()}")
    return done.stdout.splitlines()


def _verify_pg(dump: Path, manifest: Manifest) -> None:
    listing = pg_dump_list(dump)
    # "3400; 0 16390 TABLE DATA public site portal": kind, schema and name from the 4th word.
    have = {" ".join(line.split()[3:7]) for line in listing if " TABLE DATA " in line}
    for table in manifest.row_counts:
        schema, _dot, name = table.rpartition(".")
        if f"TABLE DATA {schema or 'public'} {name}" not in have:
            raise BackupDamaged(f"{dump.name} holds no data for the table {table}.")


def _toc_entry(line: str) -> tuple[str, str]:
    """(kind, name) of a `pg_restore --list` line such as
    "3357; 1259 16604 INDEX public ix_site_name_folded_trgm portal" or
    "2; 3079 16385 EXTENSION - pg_trgm"; ("", "") for a comment line."""
    words = line.split()
    if len(words) < 6 or line.startswith(";"):
        return "", ""
    return words[3], words[5]


def _is_trgm_extension(line: str) -> bool:
    return _toc_entry(line) == ("EXTENSION", "pg_trgm")


def _is_trigram_entry(line: str) -> bool:
    """The pg_trgm extension and the indexes that need it (migration 0010 names them
    ix_site_<column>_trgm)."""
    kind, name = _toc_entry(line)
    return _is_trgm_extension(line) or (kind == "INDEX" and name.endswith("_trgm"))


def _pg_can_create_trgm(connection: Connection) -> bool:
    """Whether pg_trgm may be created here: tried, then rolled back."""
    savepoint = connection.begin_nested()
    try:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except Exception:  # no privilege, or not installed: both mean no
        return False
    finally:
        savepoint.rollback()
    return True


NO_TRGM = (
    "pg_trgm could not be created in this database: restored without the sites search "
    "indexes (the search scans the table). See migration 0010 for how to add them later."
)


def _pg_left_out(listing: list[str], force: bool) -> tuple[set[str], list[str]]:
    """The dump's entries to leave out of the restore, and the warnings to give."""
    from portal.extensions import db

    if not any(_is_trigram_entry(line) for line in listing):
        return set(), []
    with db.engine.connect() as connection, connection.begin():
        present = connection.execute(
            text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        ).first()
        creatable = present is not None or _pg_can_create_trgm(connection)
    if not creatable:
        # As migration 0010 does when it may not: no extension, no trigram indexes.
        return {line for line in listing if _is_trigram_entry(line)}, [NO_TRGM]
    if present is not None and force:
        # --clean would drop the extension and create it again: needless, and only its
        # owner (often a superuser) may.
        return {line for line in listing if _is_trgm_extension(line)}, []
    return set(), []


def _restore_pg(dump: Path, target: Target, force: bool) -> list[str]:
    """pg_restore into the target database in one transaction (all or nothing); returns
    warnings. Without pg_trgm (not installed, or not ours to create), the dump's extension
    and trigram indexes are left out, as migration 0010 does: the sites search scans."""
    listing = pg_dump_list(dump)
    args = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--no-comments"]
    args += ["--single-transaction", "--exit-on-error", "--no-password"]
    if force:
        args += ["--clean", "--if-exists"]
    left_out, warnings = _pg_left_out(listing, force)
    database = target.url.database or target.url.username or ""
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        if left_out:
            use_list = Path(work) / "restore.list"
            use_list.write_text("\n".join(x for x in listing if x not in left_out) + "\n")
            args += ["--use-list", str(use_list)]
        _run_pg([*args, f"--dbname={database}", str(dump)], target.url, "pg_restore")
    return warnings


def _pg_state() -> tuple[str, dict[str, int]]:
    from portal.extensions import db

    with db.engine.connect() as connection:
        return _pg_revision(connection, "The restored database"), _pg_counts(connection)


def _pg_holdings() -> tuple[list[tuple[str, str]], dict[str, int]]:
    from portal.extensions import db

    with db.engine.connect() as connection:
        return _pg_relations(connection), _pg_counts(connection)


# --- reading and checking a backup ------------------------------------------------------


@contextlib.contextmanager
def opened(source: Path) -> Iterator[Path]:
    """The backup's files as a folder: the directory itself, or an archive unpacked into a
    private temporary folder (only the members a backup has, never a path outside it)."""
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        try:
            _unpack(source, Path(work))
        except OSError as exc:
            if exc.errno is None:  # gzip's own errors (a bad CRC, not gzip at all)
                raise BackupDamaged(f"{source} is not a readable backup archive: {exc}") from exc
            raise BackupError(
                f"{source} could not be unpacked into {work}: {exc} (TMPDIR chooses the folder)."
            ) from exc
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise BackupDamaged(f"{source} is not a readable backup archive: {exc}") from exc
        yield Path(work)


def _unpack(source: Path, folder: Path) -> None:
    with tarfile.open(source, mode="r:*") as archive:
        _unpack_members(archive, source, folder)
        # tarfile takes a damaged header after the first for the end of the archive: read
        # the stream to its end, so that gzip checks its CRC and length and says so.
        while archive.fileobj.read(CHUNK):
            pass


def _unpack_members(archive: tarfile.TarFile, source: Path, folder: Path) -> None:
    for member in archive:
        if member.isdir() and member.name == "instance":
            continue
        if not member.isfile() or member.name not in ALLOWED_MEMBERS:
            raise BackupDamaged(f"{source} holds {member.name!r}, which no backup has.")
        out = folder / member.name
        out.parent.mkdir(mode=0o700, exist_ok=True)
        with archive.extractfile(member) as data:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                shutil.copyfileobj(data, handle, CHUNK)


def verify_folder(folder: Path) -> Manifest:
    """Every file as the manifest says (sha256, size, nothing missing), and the database
    readable: SQLite's integrity check and row counts, pg_restore's table of contents."""
    manifest = Manifest.read(folder)
    if manifest.engine not in DATABASE_FILES:
        raise BackupDamaged(f"Unknown database engine {manifest.engine!r} in {MANIFEST}.")
    if manifest.database_file not in manifest.files:
        raise BackupDamaged(f"{MANIFEST} lists no {manifest.database_file}.")
    for name, expected in sorted(manifest.files.items()):
        if name not in ALLOWED_MEMBERS:
            raise BackupDamaged(f"{MANIFEST} lists {name!r}, which no backup has.")
        if not (folder / name).is_file():
            raise BackupDamaged(f"{name} is missing from the backup.")
        found = file_digest(folder / name)
        if found["sha256"] != expected.get("sha256") or found["bytes"] != expected.get("bytes"):
            raise BackupDamaged(
                f"{name} has changed since the backup was written: its sha256 does not match "
                f"the manifest."
            )
    database = folder / manifest.database_file
    if manifest.engine == "sqlite":
        _verify_sqlite(database, manifest)
    else:
        _verify_pg(database, manifest)
    return manifest


def verify_backup(source: Path) -> Manifest:
    """Check the backup at source (directory or .tar.gz); BackupDamaged says what is wrong."""
    try:
        with opened(source) as folder:
            return verify_folder(folder)
    except OSError as exc:  # a file we may not read
        raise BackupError(f"{source} could not be read: {exc}") from exc


def _compare(manifest: Manifest, revision: str, counts: dict[str, int]) -> None:
    """The database's revision and counts against the manifest's."""
    if revision != manifest.alembic_revision:
        raise BackupDamaged(
            f"The database is at revision {revision}, the manifest says "
            f"{manifest.alembic_revision}."
        )
    if counts != manifest.row_counts:
        differ = sorted(
            f"{table}: {counts.get(table)} instead of {manifest.row_counts.get(table)}"
            for table in set(counts) | set(manifest.row_counts)
            if counts.get(table) != manifest.row_counts.get(table)
        )
        raise BackupDamaged(f"Row counts differ from the manifest: {'; '.join(differ)}.")


# --- restoring --------------------------------------------------------------------------


@dataclass
class RestoreReport:
    manifest: Manifest
    target: str
    head: str | None  # the code's latest schema revision
    known: bool  # the code knows the backup's revision
    secrets: dict[str, str] = field(default_factory=dict)  # file -> what was done
    warnings: list[str] = field(default_factory=list)

    @property
    def needs_upgrade(self) -> bool:
        return self.known and self.head is not None and self.manifest.alembic_revision != self.head


def restore_backup(app: Flask, source: Path, force: bool = False) -> RestoreReport:
    """Bring the backup at source into the configured, empty database and instance folder.

    Checks first, changes after: a damaged backup, a database that holds data or an
    instance secret that differs refuses the whole restore (RestoreRefused) before
    anything is written, unless `force` says to replace them."""
    target = configured_database(app)
    instance = Path(app.instance_path)
    try:
        with opened(source) as folder:
            manifest = verify_folder(folder)
            if manifest.engine != target.engine:
                raise RestoreRefused(
                    f"This backup is of a {manifest.engine} database; the configured database "
                    f"({target.describe()}) is {target.engine}. Nothing was changed."
                )
            secrets = _plan_secrets(folder, instance, force)
            with _database_errors(target):
                _refuse_unless_empty(target, manifest, force, secrets)
                warnings = _restore_database(folder / manifest.database_file, target, force)
            done = _write_secrets(folder, instance, secrets)
    except OSError as exc:  # a file we may not read or write, a full disk
        raise BackupError(f"The restore stopped: {exc}") from exc
    with _database_errors(target):
        revision, counts = _sqlite_state(target.path) if target.path else _pg_state()
    try:
        _compare(manifest, revision, counts)
    except BackupDamaged as exc:
        raise BackupError(f"The restored database does not match the backup: {exc}") from exc
    head, known = _schema_heads(app, manifest.alembic_revision)
    return RestoreReport(manifest, target.describe(), head, known, done, warnings)


def _restore_database(dump: Path, target: Target, force: bool) -> list[str]:
    if target.engine == "sqlite":
        _restore_sqlite(dump, target.path)
        return []
    return _restore_pg(dump, target, force)


def _describe_holdings(counts: dict[str, int]) -> str:
    tables, rows = len(counts), sum(counts.values())
    return f"{tables} table{'s' * (tables != 1)}, {rows} row{'s' * (rows != 1)}"


def _refuse_unless_empty(
    target: Target, manifest: Manifest, force: bool, secrets: dict[str, str]
) -> None:
    """An empty database (no tables), or --force; and no differing secret, or --force."""
    problems = [
        f"instance/{name} exists and differs from the backup's copy"
        for name, action in secrets.items()
        if action == "conflict"
    ]
    if target.engine == "sqlite":
        empty, holdings = _sqlite_is_empty(target.path)
    else:
        relations, counts = _pg_holdings()
        empty, holdings = not relations, _describe_holdings(counts)
        if relations and force:
            _refuse_unknown_tables(relations, manifest, target)
    if not empty and not force:
        problems.insert(0, f"the database {target.describe()} already holds data ({holdings})")
    if problems:
        raise RestoreRefused(
            "Restore refused, nothing was changed: "
            + "; ".join(problems)
            + ". Restore into an empty installation, or run again with --force to replace "
            "them with the backup's."
        )


def _refuse_unknown_tables(relations, manifest: Manifest, target: Target) -> None:
    """--force on PostgreSQL drops and recreates the dump's tables in the restore's own
    transaction; a table the backup does not have would stay, half an installation."""
    extra = sorted(
        name if schema == "public" else f"{schema}.{name}"
        for schema, name in relations
        if (name if schema == "public" else f"{schema}.{name}") not in manifest.row_counts
    )
    if extra:
        raise RestoreRefused(
            f"Restore refused, nothing was changed: the database {target.describe()} has "
            f"tables the backup does not ({', '.join(extra)}). Restore into a new empty "
            f"database (createdb), or drop them first."
        )


def _plan_secrets(folder: Path, instance: Path, force: bool) -> dict[str, str]:
    """For each secret file in the backup: 'write' (absent here, or --force), 'same', or
    'conflict' (a different file is here)."""
    plan = {}
    for name in SECRET_FILES:
        ours = folder / "instance" / name
        if not ours.is_file():
            continue
        theirs = instance / name
        if not theirs.exists():
            plan[name] = "write"
        elif theirs.read_bytes() == ours.read_bytes():
            plan[name] = "same"
        elif force or (name == "secret_key" and _made_by_this_process(theirs)):
            # A key generated a moment ago by this very command's start-up (config.py makes
            # one when none exists) protects nothing yet: the backup's replaces it.
            plan[name] = "write"
        else:
            plan[name] = "conflict"
    return plan


def _made_by_this_process(path: Path) -> bool:
    """Whether the file was last written after this process started (Linux /proc)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        started = boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return False
    return path.stat().st_mtime >= started


def _write_secrets(folder: Path, instance: Path, plan: dict[str, str]) -> dict[str, str]:
    """Write the planned files 0600, each replaced in one rename."""
    done = {}
    for name, action in plan.items():
        if action != "write":
            done[name] = "unchanged (the same as the backup's)"
            continue
        instance.mkdir(parents=True, exist_ok=True)
        partial = instance / f".{name}.restoring"
        partial.unlink(missing_ok=True)
        _write_private(partial, (folder / "instance" / name).read_bytes())
        _owned_like_its_folder(partial)
        os.replace(partial, instance / name)
        done[name] = "restored"
    return done


def _owned_like_its_folder(path: Path) -> None:
    """Run as root (sudo), a file written for the portal goes to its folder's owner, the
    service user: a root-owned 0600 database or secret is one the portal cannot read."""
    if os.geteuid() != 0:
        return
    folder = path.parent.stat()
    os.chown(path, folder.st_uid, folder.st_gid)


def _schema_heads(app: Flask, revision: str) -> tuple[str | None, bool]:
    """The code's latest revision, and whether it knows the backup's."""
    from alembic.script import ScriptDirectory

    from portal.extensions import migrate

    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
    heads = script.get_heads()
    known = revision in {step.revision for step in script.walk_revisions()}
    return (heads[0] if len(heads) == 1 else None), known
