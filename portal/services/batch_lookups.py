"""What processing a fetch batch would otherwise ask the database once per message: asked
once for the batch (intake.py opens it around the batch's transaction), then answered here.

Every lookup falls back to its own query outside a batch (a replay, one message processed
alone after a failure), so a caller never depends on a batch being open. What the batch
itself writes and a later message of the same batch must see is recorded here as it is
written (a reply queued, a return made). The answers live as long as the batch's transaction:
nothing another process commits meanwhile can be missed by more than that one transaction,
which PostgreSQL's row locks and SQLite's single writer already serialize.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import TypeVar

from portal.database import in_chunks
from portal.extensions import db

KEY = "batch_lookups"
T = TypeVar("T")


@contextmanager
def open_batch():
    """Remember lookups until the end of the block (the batch's transaction)."""
    session = db.session()
    session.info[KEY] = {}
    try:
        yield
    finally:
        session.info.pop(KEY, None)


def is_open() -> bool:
    return _answers() is not None


def _answers() -> dict | None:
    return db.session().info.get(KEY)


def remembered(name: str, load: Callable[[], T]) -> T:
    """`load()` once per batch (each time outside one)."""
    answers = _answers()
    if answers is None:
        return load()
    if name not in answers:
        answers[name] = load()
    return answers[name]


def prefetch(name: str, keys: Iterable, load: Callable[[list], dict]) -> dict:
    """Ask for many keys at once (`load(keys)`: key → answer, keys without one left out);
    `known(name, key)` then answers them without a query. The answers found ({} outside
    a batch: nothing is asked)."""
    if _answers() is None:
        return {}
    keys = sorted(set(keys))
    found = {}
    for chunk in in_chunks(keys):
        found.update(load(chunk))
    return answered(name, keys, found)


def answered(name: str, keys: Iterable, found: dict) -> dict:
    """What the caller asked for `keys` itself (`found`: key → answer, keys without one
    left out), for `known` to answer; `found`."""
    answers = _answers()
    if answers is not None:
        answers[name] = (set(keys), found)
    return found


def known(name: str, key, default=None) -> tuple[bool, object]:
    """(True, the answer) when `key` was prefetched (`default` when it had none), else
    (False, None): the caller asks the database."""
    answers = _answers()
    if answers is None or name not in answers:
        return False, None
    asked, found = answers[name]
    if key not in asked:
        return False, None
    return True, found.get(key, default)


def record(name: str, key, value) -> None:
    """What the batch itself wrote, for the later messages of the batch to see."""
    answers = _answers()
    if answers is not None:
        asked, found = answers.setdefault(name, (set(), {}))
        asked.add(key)
        found[key] = value
