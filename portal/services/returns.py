"""A unit's return: a new version of its submission for a dispatch, the roster updated."""

from __future__ import annotations

from sqlalchemy import func, select

from mailin.message import ParsedMessage
from portal.extensions import db
from portal.models import (
    Dispatch,
    InboundMessage,
    Recipient,
    RecipientState,
    Submission,
    SubmissionStatus,
    Unit,
)


def record_return(
    message: InboundMessage, unit: Unit, dispatch: Dispatch, parsed: ParsedMessage
) -> Submission:
    """The submission for this message (made once: a replay finds the same one).

    It supersedes the unit's current version for the dispatch; history is kept. Until
    the form reader exists, it is stored with its attachments as not read yet.
    """
    existing = db.session.scalar(
        select(Submission).where(Submission.inbound_message_id == message.id)
    )
    if existing is not None:
        return existing
    previous = (
        db.session.scalar(
            select(func.max(Submission.version)).where(
                Submission.dispatch_id == dispatch.id, Submission.unit_id == unit.id
            )
        )
        or 0
    )
    for current in db.session.scalars(
        select(Submission).where(
            Submission.dispatch_id == dispatch.id,
            Submission.unit_id == unit.id,
            Submission.is_current,
        )
    ):
        current.is_current = False
    submission = Submission(
        dispatch=dispatch,
        unit=unit,
        version=previous + 1,
        is_current=True,
        inbound_message_id=message.id,
        received_at=message.received_at,
        status=SubmissionStatus.NOT_READ,
        attachment_id=message.attachments[0].id if message.attachments else None,
    )
    db.session.add(submission)
    _mark_on_roster(unit, dispatch, message)
    return submission


def _mark_on_roster(unit: Unit, dispatch: Dispatch, message: InboundMessage) -> None:
    """The unit has answered: received (a unit missing from the roster is added to it)."""
    recipient = db.session.scalar(
        select(Recipient).filter_by(dispatch_id=dispatch.id, unit_id=unit.id)
    )
    if recipient is None:
        recipient = Recipient(dispatch=dispatch, unit=unit)
        db.session.add(recipient)
    recipient.state = RecipientState.RECEIVED
    recipient.last_return_at = message.received_at
