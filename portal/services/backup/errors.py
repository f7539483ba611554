"""The errors of backing up, checking and restoring: PortalErrors, which the CLI shows as
one line."""

from __future__ import annotations

from portal.errors import PortalError


class BackupError(PortalError):
    """A backup could not be written, read or restored."""


class BackupDamaged(BackupError):
    """The backup does not pass its checks: a changed or missing file, a broken database."""


class RestoreRefused(BackupError):
    """The target already holds data (or other secrets): nothing was changed."""
