"""Storing: each message from the mailbox kept exactly once, raw bytes and attachments, before
anything else is tried (intake.py then processes what was stored).

Already stored means the same (mailbox, folder, UIDVALIDITY, UID), or the same bytes. Two
pollers racing on one message meet the unique keys. A message too large to download is
recorded from its headers, and its sender told (in the same commit: told once).
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mailin.forms import ReadingStatus
from mailin.imap import Fetched
from mailin.message import ParsedMessage, parse_message
from portal.database import utcnow
from portal.extensions import db
from portal.models import Attachment, InboundMessage, InboundStatus
from portal.services.toolarge import queue_too_large_notice

log = logging.getLogger(__name__)


def store_fetched(fetched: Fetched) -> tuple[InboundMessage, ParsedMessage | None] | None:
    """Commit one message and its attachments (see add_fetched); None when it is already
    stored, or another poller stored it first."""
    try:
        stored = add_fetched(fetched)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return stored


def add_fetched(
    fetched: Fetched, first_attempt: bool = False
) -> tuple[InboundMessage, ParsedMessage | None] | None:
    """Add the message and its attachments to the session (flushed, not committed); it
    and what its parsing gave (handed on, not parsed twice), or None when already stored.
    `first_attempt`: its processing follows in this batch, counted as its first attempt.

    Already stored means: the same (mailbox, folder, UIDVALIDITY, UID), or the same bytes
    (the same email delivered twice, or re-read after a UIDVALIDITY change). Two pollers
    racing on one message meet the unique keys: IntegrityError, for the caller.
    """
    location = dict(
        mailbox=fetched.mailbox,
        folder=fetched.folder,
        uidvalidity=fetched.uidvalidity,
        uid=fetched.uid,
    )
    if db.session.scalar(select(InboundMessage.id).filter_by(**location)):
        return None
    now = utcnow()
    # Arrival at the mailbox, not our reading: a poller that was down changes nothing.
    arrival = dict(received_at=fetched.internal_date or now, fetched_at=now)
    if fetched.raw is None:
        message, headers_only = _too_large(fetched, location | arrival)
        parsed = None
    else:
        sha256 = hashlib.sha256(fetched.raw).hexdigest()
        if db.session.scalar(select(InboundMessage.id).filter_by(sha256=sha256)):
            return None
        message, parsed = _parsed_message(fetched.raw, sha256, location | arrival)
    if first_attempt and message.status == InboundStatus.NEW:
        message.attempts = 1
    db.session.add(message)
    db.session.flush()
    if message.status == InboundStatus.TOO_LARGE:
        # In the same commit: told once, even across a crash.
        queue_too_large_notice(message, headers_only)
    return message, parsed


def _parsed_message(
    raw: bytes, sha256: str, location: dict
) -> tuple[InboundMessage, ParsedMessage | None]:
    """The message to store (`location`: where it is, and when it arrived), parsed."""
    message = InboundMessage(
        sha256=sha256, size=len(raw), raw=raw, status=InboundStatus.NEW, **location
    )
    try:
        parsed = parse_message(raw)
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
    if parsed.message_id and _same_id_other_bytes(parsed.message_id):
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


def _same_id_other_bytes(message_id: str) -> bool:
    return (
        db.session.scalar(select(InboundMessage.id).where(InboundMessage.message_id == message_id))
        is not None
    )
