"""The outbox sender: deliver due messages, retry what failed for a while, never send twice."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import or_, select, update

from portal.database import utcnow
from portal.extensions import db
from portal.locks import instance_lock
from portal.models import OutboundMessage, OutboundState
from portal.services.mailout import (
    PermanentFailure,
    SmtpConnection,
    TransientFailure,
    compose,
    deliver,
)

log = logging.getLogger(__name__)

# Growing waits between attempts; after the last one the message is marked failed.
RETRY_DELAYS = [dt.timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360)]
# One sender at a time (a lock on this machine: run the senders, i.e. the poller, cron's
# `flask outbox send` and `flask remind`, on one machine). A row left 'sending' was
# interrupted mid-delivery by a crash; whoever holds the lock next sends it again. The
# server may already have accepted it: the one duplicate a crash can cause, with the
# same Message-ID.
SENDER_LOCK = "outbox-sender"


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    busy: bool = False  # another sender held the lock: nothing was tried


def send_due(limit: int = 200) -> SendReport:
    """Deliver the queued messages that are due, oldest first; nothing while another
    sender on this machine is at work (its messages are its own)."""
    with instance_lock(SENDER_LOCK) as held:
        return _send_due(limit) if held else SendReport(busy=True)


def _send_due(limit: int) -> SendReport:
    report = SendReport()
    _requeue_interrupted()
    due = db.session.scalars(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.state == OutboundState.QUEUED,
            or_(
                OutboundMessage.next_attempt_at.is_(None),
                OutboundMessage.next_attempt_at <= utcnow(),
            ),
        )
        .order_by(OutboundMessage.id)
        .limit(limit)
    ).all()
    # One connection for the batch, opened at the first message (none when nothing is due);
    # each message's state is still committed as soon as it is sent.
    with SmtpConnection() as connection:
        for message_id in due:
            if _claim(message_id):
                _send_one(message_id, report, connection)
    return report


def _claim(message_id: int) -> bool:
    """Mark the row 'sending' unless another sender took it first (committed)."""
    claimed = db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.state == OutboundState.QUEUED)
        .values(state=OutboundState.SENDING, next_attempt_at=utcnow())
    ).rowcount
    db.session.commit()
    return claimed == 1


def _send_one(message_id: int, report: SendReport, connection: SmtpConnection) -> None:
    message = db.session.get(OutboundMessage, message_id)
    message.attempts += 1
    try:
        deliver(compose(message), connection)
    except TransientFailure as exc:
        _retry_later(message, str(exc), report)
    except PermanentFailure as exc:
        message.state, message.last_error = OutboundState.FAILED, str(exc)[:2000]
        report.failed += 1
    else:
        message.state, message.sent_at, message.last_error = OutboundState.SENT, utcnow(), ""
        report.sent += 1
    db.session.commit()


def _retry_later(message: OutboundMessage, error: str, report: SendReport) -> None:
    message.last_error = error[:2000]
    if message.attempts > len(RETRY_DELAYS):
        message.state = OutboundState.FAILED
        report.failed += 1
        return
    message.state = OutboundState.QUEUED
    message.next_attempt_at = utcnow() + RETRY_DELAYS[message.attempts - 1]
    report.retrying += 1
    log.warning(
        "outbound %s not sent (%s); retrying at %s", message.id, error, message.next_attempt_at
    )


def _requeue_interrupted() -> None:
    """Rows left 'sending' by a sender that died: senders hold the lock we hold now, so
    every such row is an orphan."""
    db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.state == OutboundState.SENDING)
        .values(state=OutboundState.QUEUED)
    )
    db.session.commit()


def resend(message: OutboundMessage) -> None:
    """Put a failed message back in the queue, due now (staff asked for it)."""
    if message.state != OutboundState.FAILED:
        return
    message.state, message.next_attempt_at, message.attempts = OutboundState.QUEUED, None, 0
