"""Reminders to the units that have not reported: on request, or on schedule (cron)."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.i18n import VIETNAM, show_date
from portal.locks import shared_lock
from portal.models import (
    Dispatch,
    OutboundKind,
    OutboundMessage,
    OutboundState,
    Recipient,
    RecipientState,
    ReminderLog,
)
from portal.services import audit, batch_lookups
from portal.services.blank_form import template_attachment
from portal.services.dispatches import strip_header_value
from portal.services.mailout import templated_message

NOT_REPORTED = (RecipientState.AWAITING, RecipientState.LATE)


def today_in_vietnam() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def remind(recipients: list[Recipient], step: str, today: dt.date | None = None) -> int:
    """Queue a reminder to each recipient that has not reported and has not had this step;
    commit; how many were queued. Each is in the audit trail. Two requests at once (a
    double click, two colleagues) meet the unique (recipient, step): one reminder."""
    today = today or today_in_vietnam()
    queued = 0
    for recipient in recipients:
        if recipient.state not in NOT_REPORTED or not recipient.unit.email_list:
            continue
        if db.session.scalar(
            select(ReminderLog.id).filter_by(recipient_id=recipient.id, step=step)
        ):
            continue
        # Written before the savepoint: on SQLite, reading inside it would hold a snapshot
        # that a concurrent writer makes stale (an immediate "database is locked").
        outbound = _reminder(recipient, today)
        try:
            with db.session.begin_nested():
                log = ReminderLog(recipient_id=recipient.id, step=step, outbound=outbound)
                db.session.add(log)
                db.session.flush()
        except IntegrityError:  # queued by another request meanwhile
            continue
        audit.record("send", recipient, after={"reminder": step, "to": log.outbound.to_addresses})
        queued += 1
    db.session.commit()
    return queued


def remind_now(recipients: list[Recipient]) -> int:
    """A reminder staff asked for: at most one a day to each unit, however often the
    button is pressed."""
    return remind(recipients, f"manual-{today_in_vietnam():%Y-%m-%d}")


def send_scheduled(today: dt.date | None = None) -> int | None:
    """The reminders due today for every open dispatch (REMINDER_DAYS before the deadline,
    negative after it); units past the deadline are marked late first. None when the same
    run is under way elsewhere (cron on two machines sharing the PostgreSQL database):
    one at a time (the reminder log's unique steps would refuse a second reminder anyway)."""
    with shared_lock("scheduled-reminders") as held:
        return _send_scheduled(today or today_in_vietnam()) if held else None


def _send_scheduled(today: dt.date) -> int:
    queued = 0
    for dispatch in db.session.scalars(select(Dispatch).where(Dispatch.is_open)):
        if dispatch.deadline < today:
            _mark_late(dispatch)
        for days in _schedule():
            if dispatch.deadline - dt.timedelta(days=days) == today:
                queued += remind(list(dispatch.recipients), f"day{-days:+d}", today)
    db.session.commit()
    return queued


def cancel_pending(recipient: Recipient) -> None:
    """The unit has reported: reminders still waiting in the outbox are not sent."""
    if recipient.id is None or recipient.id not in _recipients_with_queued_reminders():
        return
    pending = select(ReminderLog.outbound_message_id).where(
        ReminderLog.recipient_id == recipient.id
    )
    db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(pending), OutboundMessage.state == OutboundState.QUEUED)
        .values(state=OutboundState.CANCELLED)
    )


def _recipients_with_queued_reminders() -> set[int]:
    """Asked once per batch of returns (batch_lookups), instead of an UPDATE per return."""
    return batch_lookups.remembered(
        "recipients_with_queued_reminders",
        lambda: set(
            db.session.scalars(
                select(ReminderLog.recipient_id)
                .join(OutboundMessage, OutboundMessage.id == ReminderLog.outbound_message_id)
                .where(OutboundMessage.state == OutboundState.QUEUED)
                .distinct()
            )
        ),
    )


def _schedule() -> list[int]:
    return [int(day) for day in str(current_app.config["REMINDER_DAYS"]).split(",") if day.strip()]


def _mark_late(dispatch: Dispatch) -> None:
    for recipient in dispatch.recipients:
        if recipient.state == RecipientState.AWAITING:
            recipient.state = RecipientState.LATE


def _reminder(recipient: Recipient, today: dt.date) -> OutboundMessage:
    dispatch, unit = recipient.dispatch, recipient.unit
    context = dict(
        unit=unit,
        dispatch=dispatch,
        deadline=show_date(dispatch.deadline),
        overdue=dispatch.deadline < today,
        days_left=(dispatch.deadline - today).days,
    )
    thread = strip_header_value(dispatch.message_id)
    threading = {"In-Reply-To": thread, "References": thread} if thread else {}
    with force_locale("vi"):
        return templated_message(
            "reminder",
            context,
            kind=OutboundKind.REMINDER,
            to_addresses=", ".join(unit.email_list),
            dispatch_id=dispatch.id,
            headers=threading | {"Auto-Submitted": "auto-generated"},
            attachments=[template_attachment(dispatch, unit)],
        )
