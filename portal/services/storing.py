"""Storing: each message from the mailbox kept exactly once, raw bytes and attachments, before
anything else is tried (intake.py then processes what was stored).

Already stored means the same (mailbox, folder, UIDVALIDITY, UID), or the same bytes. Two
pollers racing on one message meet the unique keys. A message too large to download is
recorded from its headers, and its sender told (in the same commit: told once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mailin.forms import ReadingStatus
from mailin.imap import Fetched
from mailin.message import ParsedMessage, parse_message
from portal.database import among, in_chunks, utcnow
from portal.extensions import db
from portal.models import Attachment, InboundMessage, InboundStatus
from portal.services.toolarge import queue_too_large_notice

log = logging.getLogger(__name__)


def store_fetched(fetched: Fetched) -> tuple[InboundMessage, ParsedMessage | None] | None:
    """Commit one message and its attachments (see add_fetched); None when it is already
    stored, or another poller stored it first."""
    try:
        stored = add_fetched(fetched, parsed=fetched.parsed)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return stored


@dataclass
class AlreadyStored:
    """What the database already holds of a fetch batch: asked in three queries, not three
    per message. The batch's own messages are added as they are stored (one delivered
    twice within a batch is stored once)."""

    locations: set[tuple] = field(default_factory=set)  # (mailbox, folder, uidvalidity, uid)
    sha256s: set[str | None] = field(default_factory=set)
    message_ids: set[str] | None = field(default_factory=set)  # None: ask the database

    def add(self, message: InboundMessage) -> None:
        self.locations.add(_location_key(message))
        self.sha256s.add(message.sha256)
        if self.message_ids is not None:
            self.message_ids.add(message.message_id)


def stored_of(batch: list[Fetched], parsed: list[ParsedMessage | None]) -> AlreadyStored:
    """What is stored already of `batch` (`parsed`: its messages, parsed, in order)."""
    stored = AlreadyStored()
    for (mailbox, folder, uidvalidity), uids in _uids_by_folder(batch).items():
        for chunk in in_chunks(uids):
            stored.locations.update(
                (mailbox, folder, uidvalidity, uid)
                for uid in db.session.scalars(
                    select(InboundMessage.uid)
                    .filter_by(mailbox=mailbox, folder=folder, uidvalidity=uidvalidity)
                    .where(among(InboundMessage.uid, chunk))
                )
            )
    digests = [f.sha256 for f in batch if f.raw is not None]
    for chunk in in_chunks(digests):
        stored.sha256s.update(
            db.session.scalars(
                select(InboundMessage.sha256).where(among(InboundMessage.sha256, chunk))
            )
        )
    message_ids = [p.message_id for p in parsed if p is not None and p.message_id]
    for chunk in in_chunks(message_ids):
        stored.message_ids.update(
            db.session.scalars(
                select(InboundMessage.message_id).where(among(InboundMessage.message_id, chunk))
            )
        )
    return stored


def _uids_by_folder(batch: list[Fetched]) -> dict[tuple, list[int]]:
    found: dict[tuple, list[int]] = {}
    for fetched in batch:
        key = (fetched.mailbox, fetched.folder, fetched.uidvalidity)
        found.setdefault(key, []).append(fetched.uid)
    return found


def _location_key(message) -> tuple:
    return (message.mailbox, message.folder, message.uidvalidity, message.uid)


def add_fetched(
    fetched: Fetched,
    first_attempt: bool = False,
    stored: AlreadyStored | None = None,
    parsed: ParsedMessage | None = None,
) -> tuple[InboundMessage, ParsedMessage | None] | None:
    """Add the message and its attachments to the session; it and what its parsing gave
    (handed on, not parsed twice), or None when already stored.
    `first_attempt`: its processing follows in this batch, counted as its first attempt.
    `stored`: what the database holds of its batch (stored_of), and `parsed`: the message
    parsed; with them nothing is asked of the database (the batch is written at its
    commit), else the database is asked for this one message.

    Already stored means: the same (mailbox, folder, UIDVALIDITY, UID), or the same bytes
    (the same email delivered twice, or re-read after a UIDVALIDITY change). Two pollers
    racing on one message meet the unique keys: IntegrityError, for the caller.
    """
    stored = stored if stored is not None else _stored_in_database(fetched)
    if _location_key(fetched) in stored.locations:
        return None
    if fetched.raw is None:
        message, parsed = _too_large(fetched, _where_and_when(fetched))
    else:
        sha256 = fetched.sha256
        if sha256 in stored.sha256s:
            return None
        place = _where_and_when(fetched)
        message, parsed = _parsed_message(fetched.raw, sha256, place, parsed, stored)
    if first_attempt and message.status == InboundStatus.NEW:
        message.attempts = 1
    db.session.add(message)
    stored.add(message)
    if message.status == InboundStatus.TOO_LARGE:
        db.session.flush()
        # In the same commit: told once, even across a crash.
        queue_too_large_notice(message, parsed)
        return message, None
    return message, parsed


def _where_and_when(fetched: Fetched) -> dict:
    """The message's place in the mailbox, and its arrival there (not our reading: a poller
    that was down changes nothing)."""
    now = utcnow()
    return dict(
        mailbox=fetched.mailbox,
        folder=fetched.folder,
        uidvalidity=fetched.uidvalidity,
        uid=fetched.uid,
        received_at=fetched.internal_date or now,
        fetched_at=now,
    )


def _stored_in_database(fetched: Fetched) -> AlreadyStored:
    """What the database holds of one message (its place, its bytes): flushed first, so the
    session's own messages count."""
    db.session.flush()
    stored = AlreadyStored(message_ids=None)
    location = (fetched.mailbox, fetched.folder, fetched.uidvalidity, fetched.uid)
    where = dict(zip(("mailbox", "folder", "uidvalidity", "uid"), location, strict=True))
    if db.session.scalar(select(InboundMessage.id).filter_by(**where)):
        stored.locations.add(location)
    if fetched.raw is not None:
        sha256 = fetched.sha256
        if db.session.scalar(select(InboundMessage.id).filter_by(sha256=sha256)):
            stored.sha256s.add(sha256)
    return stored


def _parsed_message(
    raw: bytes,
    sha256: str,
    location: dict,
    parsed: ParsedMessage | None = None,
    stored: AlreadyStored | None = None,
) -> tuple[InboundMessage, ParsedMessage | None]:
    """The message to store (`location`: where it is, and when it arrived), parsed (unless
    `parsed` is given); `stored`: the Message-IDs known already (else the database is asked)."""
    message = InboundMessage(
        sha256=sha256, size=len(raw), raw=raw, status=InboundStatus.NEW, **location
    )
    try:
        parsed = parsed or parse_message(raw)
    except Exception as exc:  # a parser bug must not lose the message: keep it, say why
        log.exception("cannot parse message %s", location)
        message.status = InboundStatus.FAILED
        message.error = f"{type(exc).__name__}: {exc}"[:2000]
        message.message_id = synthetic_message_id(sha256)
        return message, None
    _copy_headers(message, parsed)
    message.message_id = parsed.message_id or synthetic_message_id(sha256)
    message.attachments = [
        Attachment(
            filename=a.filename,
            content_type=a.content_type[:255],
            size=len(a.content),
            sha256=a.sha256,
            content=a.content,
            status=ReadingStatus.PENDING,
        )
        for a in parsed.attachments
    ]
    if parsed.message_id and _same_id_other_bytes(parsed.message_id, stored):
        message.status = InboundStatus.DUPLICATE
        message.error = "Another message with this Message-ID and different content is stored."
    return message, parsed


def _too_large(fetched: Fetched, location: dict) -> tuple[InboundMessage, ParsedMessage]:
    """The record of a message not downloaded, and its headers as parsed."""
    message = InboundMessage(
        size=fetched.size, raw=None, sha256=None, status=InboundStatus.TOO_LARGE, **location
    )
    headers_only = parse_message(fetched.header_bytes or b"")
    _copy_headers(message, headers_only)
    message.message_id = message.message_id or (
        f"<too-large.{fetched.uidvalidity}.{fetched.uid}@synthetic.invalid>"
    )
    message.error = f"{fetched.size} bytes: above the limit, not downloaded."
    return message, headers_only


def _copy_headers(message: InboundMessage, parsed: ParsedMessage) -> None:
    message.message_id = parsed.message_id
    message.subject = parsed.subject
    message.from_address = parsed.sender.address
    message.from_name = parsed.sender.name[:255]
    message.sent_at = parsed.sent_at
    message.body_text = parsed.text[:200_000]
    message.problems = "; ".join(filter(None, [parsed.sender.problem, *parsed.problems]))


def synthetic_message_id(sha256: str) -> str:
    """A stable Message-ID for a message that came without one."""
    return f"<{sha256[:40]}@synthetic.invalid>"


def _same_id_other_bytes(message_id: str, stored: AlreadyStored | None) -> bool:
    if stored is not None and stored.message_ids is not None:
        return message_id in stored.message_ids
    return (
        db.session.scalar(select(InboundMessage.id).where(InboundMessage.message_id == message_id))
        is not None
    )
