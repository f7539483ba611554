"""What each form-reading worker of the poller runs first (portal/services/readahead.py)."""

from __future__ import annotations

import os
import select
import threading
import time

WORKER_NICENESS = 10


def start_worker(poller_pid: int) -> None:
    """Run in each worker as it starts: step back for the web server, and end with the
    poller.

    Reading forms is background work: at a lower priority, a busy poller leaves the
    machine's cores to the staff's pages first.
    """
    os.nice(WORKER_NICENESS)
    die_with(poller_pid)


def die_with(pid: int) -> None:
    """End this worker as soon as process `pid` (the poller that started it) ends.

    A poller killed outright (SIGKILL, the memory killer) cannot shut its workers down,
    and a pool's worker never sees its queue close: every worker holds both ends of it,
    and keeps the fork server alive too. So each worker watches the poller itself.
    """
    threading.Thread(target=_exit_after, args=(pid,), daemon=True).start()


def _exit_after(pid: int) -> None:
    try:
        watched = os.pidfd_open(pid)  # Linux 5.3+: readable once the process has ended
    except (AttributeError, OSError):
        while _alive(pid):
            time.sleep(1)
    else:
        select.select([watched], [], [])
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process now: ours has ended
        return False
    return True
