"""Checking a backup: every file against the manifest, and the database readable."""

from __future__ import annotations

from pathlib import Path

from portal.services.backup.archive import opened
from portal.services.backup.errors import BackupDamaged, BackupError
from portal.services.backup.manifest import (
    ALLOWED_MEMBERS,
    DATABASE_FILES,
    MANIFEST,
    Manifest,
    file_digest,
)
from portal.services.backup.postgresql import verify_pg
from portal.services.backup.sqlite import verify_sqlite


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
        verify_sqlite(database, manifest)
    else:
        verify_pg(database, manifest)
    return manifest


def verify_backup(source: Path) -> Manifest:
    """Check the backup at source (directory or .tar.gz); BackupDamaged says what is wrong."""
    try:
        with opened(source) as folder:
            return verify_folder(folder)
    except OSError as exc:  # a file we may not read
        raise BackupError(f"{source} could not be read: {exc}") from exc
