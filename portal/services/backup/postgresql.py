"""PostgreSQL: pg_dump in the snapshot the row counts are taken in, the dump's check with
pg_restore --list, and its restore (without pg_trgm where it cannot be created)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL

from portal.services.backup.errors import BackupDamaged, BackupError
from portal.services.backup.manifest import Manifest
from portal.services.backup.target import Target

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


def pg_snapshot(target: Target, out: Path) -> Manifest:
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


def verify_pg(dump: Path, manifest: Manifest) -> None:
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


def restore_pg(dump: Path, target: Target, force: bool) -> list[str]:
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


def pg_state() -> tuple[str, dict[str, int]]:
    from portal.extensions import db

    with db.engine.connect() as connection:
        return _pg_revision(connection, "The restored database"), _pg_counts(connection)


def pg_holdings() -> tuple[list[tuple[str, str]], dict[str, int]]:
    from portal.extensions import db

    with db.engine.connect() as connection:
        return _pg_relations(connection), _pg_counts(connection)
