"""Triage and review: staff decide what the intake could not, then the normal path runs."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from mailin.message import parse_message
from portal.database import utcnow
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import (
    Dispatch,
    InboundMessage,
    InboundStatus,
    MailKind,
    OutboundKind,
    Recipient,
    RecipientState,
    Submission,
    SubmissionStatus,
    Unit,
)
from portal.services import audit
from portal.services.acknowledge import acknowledge_staff_return, reply_to
from portal.services.reading import read_for_dispatch
from portal.services.returns import record_return
from portal.services.units import set_unit_emails, unit_audit_state


def assign(
    message: InboundMessage, unit: Unit, dispatch: Dispatch, remember_address: bool = False
) -> Submission:
    """Record a triaged message as `unit`'s return for `dispatch`, as the intake would have:
    rows read, roster updated, acknowledgement queued. Committed and audited."""
    if message.raw is None or message.kind != MailKind.PERSON:
        raise InvalidInput(_("Only a person's message that was received whole can be assigned."))
    before = {
        "status": message.status,
        "unit_id": message.unit_id,
        "dispatch_id": message.dispatch_id,
    }
    if remember_address and message.from_address not in unit.email_list:
        unit_before = unit_audit_state(unit)
        set_unit_emails(unit, [*unit.email_list, message.from_address])
        db.session.flush()
        audit.record("update", unit, *audit.diff(unit_before, unit_audit_state(unit)))
    parsed = parse_message(message.raw)
    reading, attachment_id = read_for_dispatch(message, parsed, dispatch)
    submission = record_return(message, unit, dispatch, reading, attachment_id)
    message.unit_id, message.dispatch_id = unit.id, dispatch.id
    message.status, message.error = InboundStatus.PROCESSED, ""
    after = {"status": message.status, "unit_id": unit.id, "dispatch_id": dispatch.id}
    return acknowledge_staff_return(message, submission, before, after)


def accept(submission: Submission, note: str, reviewer_id: int) -> None:
    """The return is right: accepted, and the unit's roster line says so."""
    _decide(submission, SubmissionStatus.ACCEPTED, note, reviewer_id)
    _recipient(submission).state = RecipientState.ACCEPTED
    db.session.commit()


def reject(submission: Submission, note: str, reviewer_id: int) -> bool:
    """The return cannot be used: rejected, and the unit told why (through the outbox).

    False when it was rejected already (a double click, a replayed form, a colleague at
    the same moment): the unit is told once. The status changes by a conditional UPDATE,
    so of two requests at once only one goes on to write the email."""
    if not note.strip():
        raise InvalidInput(_("Say why the return is rejected: the unit receives this note."))
    before = audit.snapshot(submission)
    claimed = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status != SubmissionStatus.REJECTED)
        .values(status=SubmissionStatus.REJECTED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    _decide(submission, SubmissionStatus.REJECTED, note, reviewer_id, before)
    _recipient(submission).state = RecipientState.NEEDS_REVIEW
    message = (
        db.session.get(InboundMessage, submission.inbound_message_id)
        if submission.inbound_message_id
        else None
    )
    if message is not None and message.from_address:
        with force_locale("vi"):
            context = dict(unit=submission.unit, dispatch=submission.dispatch, note=note.strip())
            reply = reply_to(message, "rejection", context, kind=OutboundKind.OTHER)
        reply.submission_id, reply.dispatch_id = submission.id, submission.dispatch_id
    db.session.commit()
    return True


def reread(submission: Submission) -> None:
    """Read the return's files again with the current reader (rows and findings replaced)."""
    message = db.session.get(InboundMessage, submission.inbound_message_id)
    if message is None or message.raw is None:
        raise InvalidInput(_("This return has no stored email to read again."))
    before = {"rows": submission.row_count, "errors": submission.error_count}
    parsed = parse_message(message.raw)
    reading, attachment_id = read_for_dispatch(message, parsed, submission.dispatch)
    record_return(message, submission.unit, submission.dispatch, reading, attachment_id)
    audit.record(
        "update",
        submission,
        before=before,
        after={"rows": submission.row_count, "errors": submission.error_count},
    )
    db.session.commit()


def _decide(
    submission: Submission, status: str, note: str, reviewer_id: int, before: dict | None = None
) -> None:
    before = before or audit.snapshot(submission)
    submission.status, submission.review_note = status, note.strip()
    submission.reviewed_by_id, submission.reviewed_at = reviewer_id, utcnow()
    audit.record("update", submission, *audit.diff(before, audit.snapshot(submission)))


def _recipient(submission: Submission) -> Recipient:
    recipient = db.session.scalar(
        select(Recipient).filter_by(dispatch_id=submission.dispatch_id, unit_id=submission.unit_id)
    )
    if recipient is None:
        recipient = Recipient(dispatch_id=submission.dispatch_id, unit_id=submission.unit_id)
        db.session.add(recipient)
    return recipient
