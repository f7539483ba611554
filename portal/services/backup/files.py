"""Writing the files that hold secrets (a database, a key, a password): readable by their
owner only, flushed to disk, and owned by the portal's user when written as root."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner only, and flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def owned_like_its_folder(path: Path) -> None:
    """Run as root (sudo), a file written for the portal goes to its folder's owner, the
    service user: a root-owned 0600 database or secret is one the portal cannot read."""
    if os.geteuid() != 0:
        return
    folder = path.parent.stat()
    os.chown(path, folder.st_uid, folder.st_gid)
