"""Intake: store every message from the mailbox exactly once (storing.py), then work out
what it is and file it (filing.py).

Storing and processing are separate steps with separate commits: the raw bytes are safe
in the database before anything else is tried. The poller hands over a fetch batch (25
messages): the batch is stored in one commit, then processed in a second, because a
commit per message and per step was most of the time on a deadline day. On PostgreSQL the
poller's read-ahead thread stores the next batch while this one is processed (store_ahead).

A stored message stays "new" until its processing commits. Each attempt is counted
first (the batch's first attempt with its store), so a message whose processing fails,
or kills the process, is tried again one by one at the next pass and set aside
("quarantined", a state staff see) after MAX_PROCESS_ATTEMPTS, while the messages behind
it flow. The retries take the messages tried least first, so after a crash inside a
batch the innocent messages of that batch go before the one that killed it.

The raw message and its attachments are kept in the database (deferred columns), so one
backup holds everything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from mailin.forms import MessageForms
from mailin.imap import Fetched
from mailin.kinds import Kind, Verdict
from mailin.message import ParsedMessage, parse_message
from portal.database import among
from portal.extensions import db
from portal.models import InboundMessage, InboundStatus
from portal.services import batch_lookups, readahead
from portal.services.acknowledge import prefetch_replies
from portal.services.dispatch_forms import open_forms
from portal.services.filing import Outcome, file_message, verdict_of
from portal.services.matching import open_dispatch_ids, prefetch_threads, prefetch_units
from portal.services.readahead import read_ahead
from portal.services.reading import FORMS_READ_AHEAD, official_page_keys, write_batch_rows
from portal.services.returns import prefetch_returns, prefetch_roster
from portal.services.storing import add_fetched, store_fetched, stored_of

log = logging.getLogger(__name__)

# Statuses that processing (and replay) leaves alone: nothing to read, or kept for staff.
NOT_PROCESSED = {InboundStatus.TOO_LARGE, InboundStatus.DUPLICATE}
MAX_PROCESS_ATTEMPTS = 3


def handle_batch(batch: list[Fetched]) -> None:
    """The poller's handler: store the batch (one commit), then process the messages it
    stored (a second commit).

    Raises only when the database fails (away, locked too long, disk full): the poller
    then leaves the batch unflagged on the server, to be fetched again; what was stored
    is found new at the next pass and processed then.
    """
    process_stored_batch(StoredBatch(batch, store_batch(batch)))


@dataclass
class StoredBatch:
    """A fetch batch, stored: what is left to do (None: some were stored by another
    poller meanwhile, take them one by one)."""

    batch: list[Fetched]
    stored: list[Stored] | None


def store_ahead(app: Flask) -> Callable[[list[Fetched]], StoredBatch]:
    """The poller's `begin` on PostgreSQL, which takes two writers at once: the read-ahead
    thread stores the next batch (its own session and transaction, committed) while the
    poller processes the batch before. What it stored is handed over detached, with its
    state, to the poller's session (process_stored_batch). A crash between the two leaves
    the stored messages "new": processed at the next pass, as after any crash there.
    SQLite takes one writer at a time: there the poller stores and processes in turn."""

    def store(batch: list[Fetched]) -> StoredBatch:
        with app.app_context():
            try:
                return StoredBatch(batch, store_batch(batch))
            finally:
                db.session.remove()  # rolled back if it failed; the objects detached

    return store


def process_stored_batch(stored_batch: StoredBatch) -> None:
    """Process a batch stored (here, or ahead in another session); raises as handle_batch."""
    try:
        if stored_batch.stored is None:  # another poller stored some: one by one, as before
            for fetched in stored_batch.batch:
                handle_fetched(fetched)
            return
        for one in stored_batch.stored:
            db.session.add(one.message)  # stored ahead: detached from the thread's session
        _process_batch(stored_batch.stored)
    except Exception:
        db.session.rollback()  # the session stays usable for the next attempt
        raise


def handle_fetched(fetched: Fetched) -> None:
    """One message: store it (committed), then process it (committed)."""
    try:
        stored = store_fetched(fetched)
        if stored is not None:
            process_new(stored[0].id, stored[1])
    except Exception:
        db.session.rollback()
        raise


@dataclass
class Stored:
    """A message of the batch just stored, to process: its parsing, and its forms being
    read by a worker meanwhile (None: read them here)."""

    message: InboundMessage
    parsed: ParsedMessage
    forms: Future[MessageForms] | None
    verdict: Verdict  # what it is (mailin.kinds), decided once


def store_batch(batch: list[Fetched]) -> list[Stored] | None:
    """Store the batch in one commit; the new messages to process (their first attempt
    counted in the same commit), whose forms workers start reading at once. None when a
    unique key met another poller's copy of one of them: the whole batch is rolled back,
    to be taken one by one."""
    stored, official, own_forms = [], official_page_keys(), open_forms()
    parsed_batch = [fetched.parsed for fetched in batch]  # parsed ahead, most of them
    try:
        with _loaded_after_commit():
            known = stored_of(batch, parsed_batch)
            for fetched, parsed in zip(batch, parsed_batch, strict=True):
                added = add_fetched(fetched, first_attempt=True, stored=known, parsed=parsed)
                if added is None or added[0].status != InboundStatus.NEW:
                    continue
                message, parsed = added
                verdict = verdict_of(parsed, own_forms)  # only a return's forms are read
                is_return = verdict.kind == Kind.RETURN and not verdict.dangers
                forms = read_ahead(parsed, official) if is_return else None
                stored.append(Stored(message, parsed, forms, verdict))
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    except Exception:
        db.session.rollback()
        raise
    return stored


def _process_batch(stored: list[Stored]) -> None:
    """Process the messages just stored in one transaction. If one fails, the batch is
    rolled back and its messages processed one by one (each attempt counted, each
    committed, forms read here), so the failure is recorded against that message alone."""
    if not stored:  # all known already, too large, or unparsable: nothing to process
        return
    try:
        with _loaded_after_commit(), batch_lookups.open_batch():
            still_new = _lock_while_new(*(one.message.id for one in stored))
            _prefetch([one for one in stored if one.message.id in still_new])
            # Nothing written until the batch's end: what a message must see of the
            # messages before it, batch_lookups answers (the roster lines, the versions,
            # the rows, the replies).
            with db.session.no_autoflush:
                for one in stored:
                    if one.message.id in still_new:
                        file_message(one.message, one.parsed, one.forms, one.verdict)
            write_batch_rows()
            db.session.commit()
    except Exception as exc:
        log.warning("a batch failed (%s); processing its %d messages one by one", exc, len(stored))
        db.session.rollback()
        if isinstance(exc, BrokenProcessPool):  # a worker died: the next batch gets new ones
            readahead.discard()
        for one in stored:
            process_new(one.message.id, one.parsed)


def _prefetch(stored: list[Stored]) -> None:
    """What filing each message would ask the database, asked once for the batch."""
    units = prefetch_units(one.parsed for one in stored)
    prefetch_threads(one.parsed for one in stored)
    prefetch_roster(units, open_dispatch_ids())
    prefetch_returns([one.message.id for one in stored])
    prefetch_replies([one.message for one in stored])
    # Forms read ahead: the duplicate-address check asks for their URLs together.
    batch_lookups.remembered(FORMS_READ_AHEAD, list).extend(
        one.forms for one in stored if one.forms is not None
    )


@contextmanager
def _loaded_after_commit():
    """The batch's objects keep their state across its commit (we just wrote it): the
    next step uses them without reloading every message, and its raw bytes, one by one."""
    session = db.session()
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = True


def process_pending() -> int:
    """Process the stored messages still "new": left by a crash, or whose last attempt
    failed, those tried least first. Run at every pass; returns how many were tried."""
    pending = db.session.scalars(
        select(InboundMessage.id)
        .where(InboundMessage.status == InboundStatus.NEW, InboundMessage.raw.is_not(None))
        .order_by(InboundMessage.attempts, InboundMessage.id)
    ).all()
    for message_id in pending:
        process_new(message_id)
    return len(pending)


def process_new(message_id: int, parsed: ParsedMessage | None = None) -> Outcome | None:
    """Process a stored message still "new", once, whoever else is trying; None when it
    was not new any more."""
    attempt = _count_attempt(message_id)
    if attempt is None:
        return None
    if attempt > MAX_PROCESS_ATTEMPTS:  # its last attempt never finished: it kills us
        return _quarantine(message_id, "the process stopped while processing it")
    if not _lock_while_new(message_id):
        db.session.rollback()
        return None
    return process_stored(message_id, attempt=attempt, parsed=parsed)


def _count_attempt(message_id: int) -> int | None:
    """Count one more attempt, committed before the attempt itself."""
    attempt = db.session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.status == InboundStatus.NEW)
        .values(attempts=InboundMessage.attempts + 1)
        .returning(InboundMessage.attempts)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return attempt


def _lock_while_new(*message_ids: int) -> set[int]:
    """Take the messages' rows for this transaction, those still new; their ids. A second
    poller (with the lock disabled) waits here until the first commits, then finds them
    done; if the first died, its transaction is gone and this one goes ahead."""
    return set(
        db.session.scalars(
            update(InboundMessage)
            .where(
                among(InboundMessage.id, message_ids), InboundMessage.status == InboundStatus.NEW
            )
            .values(status=InboundStatus.NEW)
            .returning(InboundMessage.id)
            .execution_options(synchronize_session=False)
        )
    )


def _quarantine(message_id: int, error: str) -> Outcome:
    message = db.session.get(InboundMessage, message_id)
    message.status = InboundStatus.QUARANTINED
    message.error = f"Set aside after {MAX_PROCESS_ATTEMPTS} attempts: {error}"[:2000]
    log.error("message %s quarantined: %s", message_id, message.error)
    db.session.commit()
    return Outcome(message.status, detail=message.error)


def process_stored(
    message_id: int,
    dry_run: bool = False,
    attempt: int = 0,
    parsed: ParsedMessage | None = None,
) -> Outcome:
    """Classify, match and record one stored message; on failure keep it with its error.

    `attempt` is the poller's count: a failed attempt leaves the message new, to be tried
    again, until the last, which quarantines it. Replay (attempt 0) marks it failed.
    `parsed`: the message as store_fetched parsed it (else parsed again from its bytes).
    """
    message = db.session.get(InboundMessage, message_id)
    if message.status in NOT_PROCESSED or (parsed is None and message.raw is None):
        return Outcome(message.status)
    try:
        outcome = file_message(message, parsed or parse_message(message.raw))
    except Exception as exc:  # the next message must still be processed
        log.exception("cannot process message %s (attempt %s)", message_id, attempt)
        db.session.rollback()
        error = f"{type(exc).__name__}: {exc}"
        if attempt >= MAX_PROCESS_ATTEMPTS:
            return _quarantine(message_id, error)
        message = db.session.get(InboundMessage, message_id)
        message.status = InboundStatus.NEW if attempt else InboundStatus.FAILED
        message.error = error[:2000]
        outcome = Outcome(message.status, detail=message.error)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return outcome
