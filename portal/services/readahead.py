"""Reading a batch's forms in worker processes while the poller stores and records.

Reading a form (unzip, parse, find the header, check every row) is pure work on bytes
(mailin.forms) and about a third of the intake's time; it needs no database. While this
process writes one message to the database, a worker reads the next one's forms, so on a
machine with two cores the two overlap.

A worker that dies (a C library's crash on a hostile file, the memory killer) breaks the
pool, not the poller: the batch is then processed one message at a time, reading in this
process, where each attempt is counted and a deadly file set aside (intake.py). The next
batch starts a new pool. MAILIN_READ_WORKERS = 0 reads everything in this process.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from flask import current_app

from mailin.forms import MessageForms, read_all
from mailin.message import ParsedMessage
from mailin.workers import start_worker

log = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None
# The pollers of several mailboxes (threads of one process) share the pool: made once.
_making = threading.Lock()


def read_ahead(parsed: ParsedMessage, official: frozenset[str]) -> Future[MessageForms] | None:
    """Start reading the message's forms in a worker; None when there are no workers."""
    pool = _workers()
    if pool is None:
        return None
    contents = [attachment.content for attachment in parsed.attachments]
    try:
        return pool.submit(read_all, contents, parsed.html, official)
    except BrokenProcessPool:  # a worker died since the last batch: read this one here
        discard()
        return None


def discard() -> None:
    """Drop the pool (broken, or at exit); the next batch starts a new one."""
    global _pool
    if _pool is not None:
        pool, _pool = _pool, None
        pool.shutdown(wait=False, cancel_futures=True)


def _workers() -> ProcessPoolExecutor | None:
    count = current_app.config["MAILIN_READ_WORKERS"]
    if count <= 0:
        return None
    with _making:
        return _pool or _new_pool(count)


def _new_pool(count: int) -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # forkserver: workers start from a small clean process, not a copy of this one
        # with its database connections; mailin.forms is imported there once.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["mailin.forms", "mailin.workers"])
        _pool = ProcessPoolExecutor(
            max_workers=count, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
        )
        log.debug("form readers started: %d", count)
    return _pool


atexit.register(discard)
