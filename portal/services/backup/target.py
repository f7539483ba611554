"""The configured database a backup is taken from or restored into, and how its failures
and contents are put in words."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from portal.services.backup.errors import BackupError


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


@contextlib.contextmanager
def database_errors(target: Target) -> Iterator[None]:
    """A database that cannot be reached or read, said in one line rather than a traceback."""
    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip()
        raise BackupError(f"The database {target.describe()} could not be used: {reason}") from exc


def describe_holdings(counts: dict[str, int]) -> str:
    """What a database holds, in words: "3 tables, 120 rows"."""
    tables, rows = len(counts), sum(counts.values())
    return f"{tables} table{'s' * (tables != 1)}, {rows} row{'s' * (rows != 1)}"
