"""One-holder-at-a-time locks: one poller per mailbox, one reminder run, one token refresh.

On PostgreSQL the lock is the database's: a session-level advisory lock, held on a
connection of its own, so it reaches every machine that shares the database and dies with
its process (the connection closes, however the process ends). On SQLite (one machine by
nature) it is a locked file in the instance folder: flock locks also die with their process,
SIGKILL included, so no lock ever needs clearing by hand.
"""

from __future__ import annotations

import fcntl
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from portal.extensions import db

WAIT_STEP_SECONDS = 1.0  # how often a waiting lock tries again


@contextmanager
def shared_lock(
    name: str, wait: bool = False, stop: Callable[[], bool] = lambda: False
) -> Iterator[bool]:
    """Try to hold the lock called `name` for every process on this database; yields
    whether this process holds it. With `wait`, waits for it until `stop()` says not to."""
    if db.engine.dialect.name != "postgresql":
        with instance_lock(name, wait=wait, stop=stop) as held:
            yield held
        return
    key = advisory_key(name)
    # Autocommit: a session-level lock outlives transactions, and an open transaction
    # would sit "idle in transaction" for as long as the lock is held (days, for a poller).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        held = _try_advisory_lock(connection, key)
        while wait and not held and not stop():
            time.sleep(WAIT_STEP_SECONDS)
            held = _try_advisory_lock(connection, key)
        try:
            yield held
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def advisory_key(name: str) -> int:
    """The lock's name as PostgreSQL's 64-bit advisory key (a signed bigint)."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _try_advisory_lock(connection, key: int) -> bool:
    return bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))


@contextmanager
def instance_lock(
    name: str,
    folder: str | None = None,
    wait: bool = False,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[bool]:
    """Try to hold the lock called `name` on this machine (a file in the app's instance
    folder unless `folder` is given); yields whether this process holds it. With `wait`,
    waits for it until `stop()` says not to (tried again every WAIT_STEP_SECONDS: a blocking
    flock would not hear a poller told to stop while it stands by)."""
    path = Path(folder or current_app.instance_path) / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        held = _try_flock(handle)
        while wait and not held and not stop():
            time.sleep(WAIT_STEP_SECONDS)
            held = _try_flock(handle)
        yield held


def _try_flock(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
