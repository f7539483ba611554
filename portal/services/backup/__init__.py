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

The modules: manifest (the files a backup has, and manifest.json), create (writing one),
archive (the .tar.gz form), check (verifying one), restore (bringing one back), sqlite and
postgresql (each engine's copy, check and restore), target (the configured database),
files (writing private files), errors.
"""

from portal.services.backup.check import verify_backup, verify_folder
from portal.services.backup.create import create_backup
from portal.services.backup.errors import BackupDamaged, BackupError, RestoreRefused
from portal.services.backup.manifest import Manifest
from portal.services.backup.postgresql import pg_dump_list, pg_environment, pg_tool
from portal.services.backup.restore import RestoreReport, restore_backup
from portal.services.backup.target import Target, configured_database

__all__ = [
    "BackupDamaged",
    "BackupError",
    "Manifest",
    "RestoreRefused",
    "RestoreReport",
    "Target",
    "configured_database",
    "create_backup",
    "pg_dump_list",
    "pg_environment",
    "pg_tool",
    "restore_backup",
    "verify_backup",
    "verify_folder",
]
