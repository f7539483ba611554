"""`flask --app wsgi backup DEST`, `backup --check SRC` and `restore SRC [--force]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.errors import PortalError
from portal.services import backup as service


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Verify the backup at PATH (hashes, database readable, row counts) instead.",
)
@with_appcontext
def backup(path: Path, check: bool) -> None:
    """Write a backup of the database and the instance secrets to PATH: a new directory, or
    a file ending in .tar.gz. Safe while the poller and the web app run."""
    try:
        if check:
            manifest = service.verify_backup(path)
            click.echo(f"{path}: the backup is sound.")
        else:
            manifest = service.create_backup(current_app._get_current_object(), path)
            click.echo(f"Backup written to {path.absolute()}.")
    except PortalError as exc:
        raise click.ClickException(str(exc)) from exc
    _describe(manifest)


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace the data of a database that is not empty, and instance files that differ.",
)
@with_appcontext
def restore(source: Path, force: bool) -> None:
    """Restore the backup SOURCE (directory or .tar.gz) into this installation: the
    configured database, which must be empty, and the instance folder. Stop the web app
    and the poller first."""
    try:
        report = service.restore_backup(current_app._get_current_object(), source, force=force)
    except PortalError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {source} into {report.target}.")
    _describe(report.manifest)
    for name, outcome in report.secrets.items():
        click.echo(f"  instance/{name}: {outcome}")
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo("Row counts and schema revision match the backup's manifest.")
    click.echo(_schema_advice(report))


def _describe(manifest: service.Manifest) -> None:
    """The backup's identity and counts, one table a line."""
    version = f", portal {manifest.app_version}" if manifest.app_version else ""
    click.echo(
        f"  {manifest.engine} database at schema revision {manifest.alembic_revision}, "
        f"taken {manifest.created_at}{version}"
    )
    click.echo("  files: " + ", ".join(sorted(manifest.files)))
    width = max((len(name) for name in manifest.row_counts), default=0)
    for table, rows in sorted(manifest.row_counts.items()):
        click.echo(f"  {table:<{width}}  {rows:>9}")


def _schema_advice(report: service.RestoreReport) -> str:
    revision = report.manifest.alembic_revision
    if not report.known:
        return (
            f"The backup's schema revision {revision} is unknown to this code: it comes from a "
            f"newer version of the portal. Install that version before starting the portal."
        )
    if report.needs_upgrade:
        return (
            f"The backup's schema revision {revision} is older than this code's "
            f"({report.head}): run `flask --app wsgi db upgrade` now, then start the portal."
        )
    return "The schema is up to date: start the web app and the poller."
