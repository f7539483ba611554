"""The poller reads ahead: the next batch is fetched and parsed in a thread while the app
handles the one before.

Storing a batch mostly waits: on the database (a PostgreSQL server works in its own
process, on another core), on the form readers, on the disk. Parsing the next batch meanwhile
fills those waits. The thread only reads (BODY.PEEK[]: nothing is flagged, moved or marked
read), so a crash loses nothing: a batch read ahead but not stored is fetched again at the
next pass, as before.

The app may also give the thread the first part of its own work (`begin`): on PostgreSQL,
which takes two writers at once, the next batch is stored by the thread, in a session and
transaction of its own, while the poller files the batch before (portal.services.intake).

At most one batch waits ahead: two in memory, the one being handled and the next. An error
of the thread (the connection lost, the database away) is raised where its batch would have
been handed over, after the batches before it were handled and flagged.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from mailin.imap import Fetched

_END = object()  # the thread's last word: no more batches


Begin = Callable[[list[Fetched]], Any]


@contextmanager
def fetched_ahead(
    batches: Iterator[list[Fetched]], begin: Begin | None = None
) -> Iterator[Iterator[tuple[list[Fetched], Any]]]:
    """(batch, what `begin(batch)` gave, else the batch) for each of `batches`, fetched and
    prepared (Fetched.prepare, then `begin`) while the one before is handled. On leaving,
    the thread is stopped and waited for (its IMAP command or `begin` ends first)."""
    ahead = _ReadAhead(batches, begin)
    try:
        yield ahead
    finally:
        ahead.close()


class _ReadAhead:
    def __init__(self, batches: Iterator[list[Fetched]], begin: Begin | None) -> None:
        self._batches = batches
        self._begin = begin
        self._ready: queue.SimpleQueue = queue.SimpleQueue()
        self._room = threading.Semaphore(1)  # released as each batch is taken
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mailin-fetch-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                self._room.acquire()
                if self._closing.is_set():
                    return
                batch = next(self._batches, _END)
                if batch is _END:
                    self._ready.put(_END)
                    return
                for fetched in batch:
                    fetched.prepare()
                self._ready.put((batch, self._begin(batch) if self._begin else batch))
        except BaseException as exc:  # handed over to be raised in the poller's thread
            self._ready.put(exc)

    def __iter__(self) -> Iterator[tuple[list[Fetched], Any]]:
        return self

    def __next__(self) -> tuple[list[Fetched], Any]:
        item = self._ready.get()
        if item is _END:
            raise StopIteration
        if isinstance(item, BaseException):
            raise item
        self._room.release()  # fetch the next one while this one is handled
        return item

    def close(self) -> None:
        self._closing.set()
        self._room.release()  # wakes the thread if it waits for room
        self._thread.join()
