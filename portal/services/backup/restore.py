"""Restoring a backup into the configured database and instance folder: every check
first (the backup, an empty target, no differing secret), then the writes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from portal.services.backup.archive import opened
from portal.services.backup.check import verify_folder
from portal.services.backup.errors import BackupDamaged, BackupError, RestoreRefused
from portal.services.backup.files import owned_like_its_folder, write_private
from portal.services.backup.manifest import SECRET_FILES, Manifest, compare_with_manifest
from portal.services.backup.postgresql import pg_holdings, pg_state, restore_pg
from portal.services.backup.sqlite import restore_sqlite, sqlite_is_empty, sqlite_state
from portal.services.backup.target import (
    Target,
    configured_database,
    database_errors,
    describe_holdings,
)


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
            with database_errors(target):
                _refuse_unless_empty(target, manifest, force, secrets)
                warnings = _restore_database(folder / manifest.database_file, target, force)
            done = _write_secrets(folder, instance, secrets)
    except OSError as exc:  # a file we may not read or write, a full disk
        raise BackupError(f"The restore stopped: {exc}") from exc
    with database_errors(target):
        revision, counts = sqlite_state(target.path) if target.path else pg_state()
    try:
        compare_with_manifest(manifest, revision, counts)
    except BackupDamaged as exc:
        raise BackupError(f"The restored database does not match the backup: {exc}") from exc
    head, known = _schema_heads(app, manifest.alembic_revision)
    return RestoreReport(manifest, target.describe(), head, known, done, warnings)


def _restore_database(dump: Path, target: Target, force: bool) -> list[str]:
    if target.engine == "sqlite":
        restore_sqlite(dump, target.path)
        return []
    return restore_pg(dump, target, force)


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
        empty, holdings = sqlite_is_empty(target.path)
    else:
        relations, counts = pg_holdings()
        empty, holdings = not relations, describe_holdings(counts)
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
        write_private(partial, (folder / "instance" / name).read_bytes())
        owned_like_its_folder(partial)
        os.replace(partial, instance / name)
        done[name] = "restored"
    return done


def _schema_heads(app: Flask, revision: str) -> tuple[str | None, bool]:
    """The code's latest revision, and whether it knows the backup's."""
    from alembic.script import ScriptDirectory

    from portal.extensions import migrate

    with app.app_context():
        script = ScriptDirectory.from_config(migrate.get_config())
    heads = script.get_heads()
    known = revision in {step.revision for step in script.walk_revisions()}
    return (heads[0] if len(heads) == 1 else None), known
