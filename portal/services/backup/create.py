"""Writing a backup: the database snapshot and the instance secrets into a hidden staging
folder, then published under its final name as a directory or a .tar.gz."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from flask import Flask

from portal.services.backup.archive import is_archive, publish_archive
from portal.services.backup.errors import BackupError
from portal.services.backup.files import write_private
from portal.services.backup.manifest import (
    ALLOWED_MEMBERS,
    DATABASE_FILES,
    MANIFEST,
    SECRET_FILES,
    Manifest,
    app_version,
    file_digest,
)
from portal.services.backup.postgresql import pg_snapshot
from portal.services.backup.sqlite import sqlite_snapshot
from portal.services.backup.target import Target, configured_database, database_errors


def create_backup(app: Flask, dest: Path) -> Manifest:
    """Write a backup of the configured database and instance secrets to dest (a directory
    to create, or a .tar.gz file)."""
    dest = dest.absolute()
    target = configured_database(app)
    _check_destination(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    try:
        with database_errors(target):
            manifest = _snapshot(target, staging)
        _copy_secrets(Path(app.instance_path), staging)
        manifest.created_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        manifest.app_version = app_version()
        manifest.files = {
            name: file_digest(staging / name)
            for name in sorted(ALLOWED_MEMBERS - {MANIFEST})
            if (staging / name).exists()
        }
        write_private(staging / MANIFEST, manifest.to_json().encode())
        if is_archive(dest):
            publish_archive(staging, dest)
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


def _snapshot(target: Target, staging: Path) -> Manifest:
    out = staging / DATABASE_FILES[target.engine]
    if target.engine == "sqlite":
        return sqlite_snapshot(target.path, out)
    return pg_snapshot(target, out)


def _copy_secrets(instance: Path, staging: Path) -> None:
    for name in SECRET_FILES:
        source = instance / name
        if source.is_file():
            (staging / "instance").mkdir(mode=0o700, exist_ok=True)
            write_private(staging / "instance" / name, source.read_bytes())


def _publish_directory(staging: Path, dest: Path) -> None:
    """Give the finished backup its name; rename(2) replaces an empty directory."""
    try:
        os.rename(staging, dest)
    except OSError as exc:
        raise BackupError(f"Could not write {dest}: {exc.strerror}.") from exc
