"""What a backup holds: the names of its files, and manifest.json, which lists them with
their sha256 and gives the database's schema revision and row counts to check it against."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from portal.services.backup.errors import BackupDamaged

FORMAT = "unit-returns-portal backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# The instance folder's files worth keeping (portal/config.py reads both); lock files, the
# demo's mail and caches are not: they are made again.
SECRET_FILES = ("secret_key", "config.py")
ALLOWED_MEMBERS = {MANIFEST, *DATABASE_FILES.values(), *(f"instance/{n}" for n in SECRET_FILES)}
CHUNK = 1024 * 1024


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


def compare_with_manifest(manifest: Manifest, revision: str, counts: dict[str, int]) -> None:
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
