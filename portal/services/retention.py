"""Retention: the bytes of mail nobody needs, dropped after a while; what it was, kept.

A province's mailbox brings, besides the returns, out-of-office replies, delivery reports,
newsletters, the same return sent twice, forgeries and programs. Their raw bytes and files
are most of the database's growth and are never looked at again. After RETENTION_DAYS (from
when they reached the mailbox), `flask retention` keeps of each one its headers (the raw
message cut at the blank line), its row (sender, subject, dates, status, reasons, what staff
did) and its attachments' names, sizes and digests, and drops the body and the files.

Returns — and everything from a unit that staff may still need: correspondence, mail in
triage from an unknown sender — keep their bytes: the law on archives applies to them, and
staff can ask for them to be dropped by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update

from portal.database import utcnow
from portal.extensions import db
from portal.models import Attachment, HoldReason, InboundMessage, InboundStatus
from portal.services.audit import record

log = logging.getLogger(__name__)

BATCH = 200  # messages per transaction: the poller's writes are not kept waiting long

# Machine mail, a second copy of a message already stored, and what our own server called
# forged or dangerous (never opened, never answered).
DROPPABLE = or_(
    InboundMessage.status.in_([InboundStatus.IGNORED, InboundStatus.DUPLICATE]),
    and_(
        InboundMessage.status == InboundStatus.TRIAGE,
        InboundMessage.hold_reason.in_([HoldReason.SENDER_NOT_PROVEN, HoldReason.DANGEROUS]),
    ),
)


@dataclass
class RetentionReport:
    messages: int = 0
    bytes_dropped: int = 0


def headers_only(raw: bytes | None) -> bytes:
    """The header section of a raw message (up to the first blank line)."""
    if not raw:
        return b""
    ends = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    return raw[: min(ends)] + b"\r\n" if ends else raw


def due(days: int, now: dt.datetime | None = None):
    """The query of messages whose bytes may go: droppable, not yet dropped, older."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    return (
        select(InboundMessage.id)
        .where(DROPPABLE, InboundMessage.purged_at.is_(None), InboundMessage.received_at < cutoff)
        .order_by(InboundMessage.id)
    )


def drop_old_bytes(
    days: int, now: dt.datetime | None = None, dry_run: bool = False
) -> RetentionReport:
    """Drop the body and files of droppable mail older than `days`; committed in batches,
    with one audit entry per batch. `dry_run`: count only."""
    if days <= 0:
        raise ValueError("retention needs a number of days above 0")
    now = now or utcnow()
    report = RetentionReport()
    ids = list(db.session.scalars(due(days, now)))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        report.bytes_dropped += _size_of(batch)
        report.messages += len(batch)
        if not dry_run:
            _drop(batch, now, days)
    if report.messages:
        log.info(
            "retention%s: %d messages older than %d days, %d bytes",
            " (dry run)" if dry_run else "",
            report.messages,
            days,
            report.bytes_dropped,
        )
    return report


def _size_of(ids: list[int]) -> int:
    raw = db.session.scalar(
        select(func.coalesce(func.sum(func.length(InboundMessage.raw)), 0)).where(
            InboundMessage.id.in_(ids)
        )
    )
    files = db.session.scalar(
        select(func.coalesce(func.sum(func.length(Attachment.content)), 0)).where(
            Attachment.inbound_message_id.in_(ids)
        )
    )
    return int(raw or 0) + int(files or 0)


def _drop(ids: list[int], now: dt.datetime, days: int) -> None:
    messages = db.session.scalars(
        select(InboundMessage).where(InboundMessage.id.in_(ids)).order_by(InboundMessage.id)
    ).all()
    for message in messages:
        message.raw = headers_only(message.raw)
        message.body_text = ""
        message.purged_at = now
    db.session.execute(
        update(Attachment).where(Attachment.inbound_message_id.in_(ids)).values(content=None)
    )
    record(
        "retention",
        messages[0],
        after={"messages": len(ids), "first_id": ids[0], "last_id": ids[-1], "days": days},
        actor="system",
    )
    db.session.commit()
