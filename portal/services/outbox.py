"""The outbox sender: deliver due messages, retry what failed for a while, never send twice."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, case, func, or_, select, update

from portal.database import utcnow
from portal.extensions import db
from portal.i18n import VIETNAM
from portal.locks import instance_lock
from portal.models import OutboundKind, OutboundMessage, OutboundState, ServiceProblem
from portal.services import accounts, audit, health
from portal.services.mailout import (
    AccountFailure,
    PermanentFailure,
    SmtpConnection,
    TransientFailure,
    compose,
)

log = logging.getLogger(__name__)

# Growing waits between attempts; after the last one the message is marked failed.
RETRY_DELAYS = [dt.timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360)]
# Who may send. PostgreSQL: any number of senders (the pollers, cron's `flask outbox send`
# and `flask remind`) on any number of machines; each claims one row at a time (FOR UPDATE
# SKIP LOCKED: two senders never wait for, nor take, the same row) for
# OUTBOX_LEASE_SECONDS. SQLite: one sender at a time, on its one machine (this lock).
# A row left 'sending' was interrupted mid-delivery by a crash: it is sent again once its
# lease has run out (on SQLite at once, by the next holder of the lock). The server may
# already have accepted it: the one duplicate a crash can cause, with the same Message-ID.
SENDER_LOCK = "outbox-sender"
# After an account-level failure (login refused, server away, rate limit) the outbox
# pauses this long, growing with each failure in a row; a spent daily quota waits for the
# next day (Vietnam time).
PAUSE_STEPS = [dt.timedelta(minutes=m) for m in (1, 5, 15, 30, 60)]
# What goes first when not everything can go today: the reply upstream, acknowledgements
# and notices, then reminders.
PRIORITY = case(
    (OutboundMessage.kind == OutboundKind.CONSOLIDATED, 0),
    (OutboundMessage.kind == OutboundKind.ACKNOWLEDGEMENT, 1),
    (OutboundMessage.kind == OutboundKind.REMINDER, 3),
    else_=2,
)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    busy: bool = False  # another sender held the lock: nothing was tried
    paused: str = ""  # why nothing more can go now (SERVICE_PROBLEMS code)
    capped: bool = False  # MAIL_DAILY_LIMIT reached: the rest waits for tomorrow


def send_due(limit: int = 200, now: dt.datetime | None = None) -> SendReport:
    """Deliver the queued messages that are due, most urgent kind first, then oldest;
    nothing while the account is paused, nor on SQLite while another sender is at work.
    `now`: the clock (tests move it)."""
    if _claims_rows():
        return _send_due(limit, now or utcnow())
    with instance_lock(SENDER_LOCK) as held:
        return _send_due(limit, now or utcnow()) if held else SendReport(busy=True)


def _claims_rows() -> bool:
    """Whether senders share the work row by row (PostgreSQL), rather than one at a time."""
    return db.engine.dialect.name == "postgresql"


def _send_due(limit: int, now: dt.datetime) -> SendReport:
    """Each account's due mail through its own connection: the MAIL_* account's first, then
    each mailbox's own (replies to mail that came in there). A paused or failing account
    never holds up the others."""
    report = SendReport()
    _requeue_interrupted(now)
    for account in _accounts_with_due_mail(now):
        _send_account(account, limit, now, report)
    return report


def _accounts_with_due_mail(now: dt.datetime) -> list[int | None]:
    """The MAIL_* account (None), always, then the mailboxes with mail due to go."""
    mailboxes = db.session.scalars(
        select(OutboundMessage.mailbox_id)
        .where(
            OutboundMessage.state == OutboundState.QUEUED,
            _is_due(now),
            OutboundMessage.mailbox_id.is_not(None),
        )
        .distinct()
    ).all()
    return [None, *sorted(mailboxes)]


def _send_account(account: int | None, limit: int, now: dt.datetime, report: SendReport) -> None:
    """Send the account's due mail (nothing while it is paused). Its pause and its health
    are its own; the MAIL_* account's are what `report` says."""
    service = accounts.outbox_service(account)
    state = health.state_of(service)
    try:
        config = accounts.sending_config(account)
    except accounts.SecretMissing as exc:
        health.record_failure(service, exc.reason, str(exc), now)
        return
    fingerprint = _settings_fingerprint(config)
    if health.is_paused(state, now, fingerprint):
        report.paused = state.reason if account is None else report.paused
        return
    room, tried, sent_before = _room_today(now, account), 0, report.sent
    # One connection for the batch, opened at the first message (none when nothing is due);
    # each message's state is committed as soon as it is sent. The first account failure
    # ends the batch: one login per pass, every row left queued.
    with SmtpConnection(config) as connection:
        while tried < min(limit, room):
            message_id = _claim_next(now, account)
            if message_id is None:
                break
            tried += 1
            try:
                _send_one(message_id, report, connection, now)
            except AccountFailure as exc:
                _pause(state, exc, now, fingerprint)
                report.paused = exc.reason if account is None else report.paused
                return
    if account is None:
        report.capped = tried >= room and _anything_due(now) > 0
    if tried and (report.sent > sent_before or not state.is_ok):
        health.record_success(service, now)


def held_for_tomorrow(now: dt.datetime | None = None) -> int:
    """How many messages due now wait because today's MAIL_DAILY_LIMIT is reached (for the
    overview: staff should know why an acknowledgement has not gone)."""
    now = now or utcnow()
    return _anything_due(now) if _room_today(now) == 0 else 0


def _room_today(now: dt.datetime, account: int | None = None) -> int:
    """How many more may go today (Vietnam's day) through the account (the MAIL_* one by
    default) under MAIL_DAILY_LIMIT (0: no limit): each provider counts its own account."""
    limit = current_app.config["MAIL_DAILY_LIMIT"]
    if not limit:
        return 2**31
    midnight = now.astimezone(VIETNAM).replace(hour=0, minute=0, second=0, microsecond=0)
    sent = db.session.scalar(
        select(func.count(OutboundMessage.id)).where(
            OutboundMessage.sent_at >= midnight, _through(account)
        )
    )
    return max(0, limit - sent)


def _through(account: int | None):
    """The rows that leave through this account."""
    if account is None:
        return OutboundMessage.mailbox_id.is_(None)
    return OutboundMessage.mailbox_id == account


def _anything_due(now: dt.datetime) -> int:
    return db.session.scalar(
        select(func.count(OutboundMessage.id)).where(
            OutboundMessage.state == OutboundState.QUEUED, _is_due(now)
        )
    )


def _pause(state, failure: AccountFailure, now: dt.datetime, fingerprint: str) -> None:
    """Stop sending for a while (the reason shown to staff), every row kept queued."""
    if failure.reason == ServiceProblem.QUOTA:
        tomorrow = now.astimezone(VIETNAM).date() + dt.timedelta(days=1)
        until = dt.datetime.combine(tomorrow, dt.time(0, 5), VIETNAM).astimezone(dt.UTC)
    else:
        until = now + PAUSE_STEPS[min(state.failures, len(PAUSE_STEPS) - 1)]
    health.record_failure(state.name, failure.reason, str(failure), now, until, fingerprint)
    log.warning("outbox paused until %s: %s (%s)", until, failure.reason, failure)


def _settings_fingerprint(config) -> str:
    """The outgoing-mail settings a pause was decided under (a changed password lifts it)."""
    return health.fingerprint(
        *(config[name] for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL")),
        config["MAIL_USERNAME"],
        config["MAIL_PASSWORD"],
        *(config[name] for name in ("MAIL_AUTH", "OAUTH2_CLIENT_ID", "OAUTH2_CLIENT_SECRET")),
        config["OAUTH2_REFRESH_TOKEN"],
    )


def _claim_next(now: dt.datetime, account: int | None = None) -> int | None:
    """The next due row, most urgent first, marked 'sending' and leased to this sender
    (committed); None when nothing is due. On PostgreSQL the row is locked while it is
    claimed and rows other senders are claiming are skipped: no two take the same row."""
    query = (
        select(OutboundMessage.id)
        .where(OutboundMessage.state == OutboundState.QUEUED, _is_due(now), _through(account))
        .order_by(PRIORITY, OutboundMessage.id)
        .limit(1)
    )
    if _claims_rows():
        query = query.with_for_update(skip_locked=True)
    message_id = db.session.scalar(query)
    if message_id is not None:
        lease = dt.timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
        db.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message_id)
            .values(state=OutboundState.SENDING, next_attempt_at=now, claimed_until=now + lease)
        )
    db.session.commit()
    return message_id


def _is_due(now: dt.datetime):
    return or_(OutboundMessage.next_attempt_at.is_(None), OutboundMessage.next_attempt_at <= now)


def _send_one(
    message_id: int, report: SendReport, connection: SmtpConnection, now: dt.datetime
) -> None:
    """Send one claimed row and record what became of it (committed). An account failure
    puts it back in the queue as it was, and is raised for the batch to stop.

    Nothing is written before the SMTP exchange: on SQLite a pending write would hold the
    database's one write lock for as long as the server takes (the poller, the web app and
    an OAuth2 token refresh would all wait on it)."""
    message = db.session.get(OutboundMessage, message_id)
    try:
        connection.send(compose(message, connection.config))
    except AccountFailure:
        message.state, message.next_attempt_at = OutboundState.QUEUED, None
        db.session.commit()
        raise
    except Exception as exc:  # whatever it is, recorded on this row below
        failure = exc
    else:
        failure = None
    message.attempts += 1
    if failure is None:
        message.state, message.sent_at, message.last_error = OutboundState.SENT, utcnow(), ""
        report.sent += 1
    elif isinstance(failure, TransientFailure):
        _retry_later(message, str(failure), report, now)
    elif isinstance(failure, PermanentFailure):
        message.state, message.last_error = OutboundState.FAILED, str(failure)[:2000]
        report.failed += 1
    else:  # a bug on this one row: it is failed, the rest still go
        log.error("outbound %s could not be sent", message_id, exc_info=failure)
        message.state = OutboundState.FAILED
        message.last_error = f"{type(failure).__name__}: {failure}"[:2000]
        report.failed += 1
    db.session.commit()


def _retry_later(
    message: OutboundMessage, error: str, report: SendReport, now: dt.datetime
) -> None:
    message.last_error = error[:2000]
    if message.attempts > len(RETRY_DELAYS):
        message.state = OutboundState.FAILED
        report.failed += 1
        return
    message.state = OutboundState.QUEUED
    message.next_attempt_at = now + RETRY_DELAYS[message.attempts - 1]
    report.retrying += 1
    log.warning(
        "outbound %s not sent (%s); retrying at %s", message.id, error, message.next_attempt_at
    )


def _requeue_interrupted(now: dt.datetime) -> None:
    """Rows left 'sending' by a sender that died go back to the queue: on PostgreSQL those
    whose lease ran out (the others are being sent right now, perhaps on another machine);
    on SQLite every one (senders hold the lock we hold now, so each is an orphan)."""
    orphans = OutboundMessage.state == OutboundState.SENDING
    if _claims_rows():
        lapsed = or_(OutboundMessage.claimed_until.is_(None), OutboundMessage.claimed_until < now)
        orphans = and_(orphans, lapsed)
    db.session.execute(
        update(OutboundMessage)
        .where(orphans)
        .values(state=OutboundState.QUEUED, claimed_until=None)
    )
    db.session.commit()


def resend_failed(ids: list[int]) -> int:
    """Put these messages back in the queue, due now, those that failed (staff asked for
    it; any other is left as it is), each change in the audit trail; committed. How many."""
    messages = db.session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.id.in_(ids), OutboundMessage.state == OutboundState.FAILED
        )
    ).all()
    for message in messages:
        before = audit.snapshot(message)
        message.state, message.next_attempt_at, message.attempts = OutboundState.QUEUED, None, 0
        audit.record("update", message, *audit.diff(before, audit.snapshot(message)))
    db.session.commit()
    return len(messages)
