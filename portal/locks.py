"""One-process-at-a-time locks on this machine: a locked file in the instance folder.

flock locks die with their process, however it ends (SIGKILL included), so a lock never
needs clearing by hand; they do not reach across machines (see README, Production notes).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app


@contextmanager
def instance_lock(name: str, folder: str | None = None, wait: bool = False) -> Iterator[bool]:
    """Try to hold the lock called `name` (in the app's instance folder unless `folder`
    is given); yields whether this process holds it. With `wait`, waits for it."""
    path = Path(folder or current_app.instance_path) / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
