"""A unit's return: a new version of its submission for a dispatch, the roster updated."""

from __future__ import annotations

from sqlalchemy import func, select, update

from mailin.forms import FormReading, ReadingStatus
from portal.database import among, utcnow
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
from portal.services import batch_lookups
from portal.services.reading import check_rows, store_rows, write_rows
from portal.services.reminders import cancel_pending

# What a fetch batch keeps (batch_lookups): the return each message made, the roster lines
# and the last versions written of its units (asked once), and the versions its messages
# made (not written until the batch's end).
RETURN_OF_MESSAGE = "return_of_message"
ROSTER_LINES, LATEST_VERSIONS = "roster_lines", "latest_versions"
WRITTEN_VERSIONS = "written_versions"


def record_no_pages(
    message: InboundMessage, unit: Unit, dispatch: Dispatch, reviewer_id: int | None
) -> Submission:
    """The unit's message saying it runs no pages, recorded by staff as its return: a new
    version with zero rows, accepted (a person read it), the roster updated."""
    recipient = _roster_line(unit, dispatch)
    submission = return_of_message(message)
    if submission is None:
        submission = _new_version(message, unit, dispatch)
    store_rows(submission, None)
    submission.read_error = ReadingStatus.NO_PAGES
    submission.status = SubmissionStatus.ACCEPTED
    submission.reviewed_by_id, submission.reviewed_at = reviewer_id, utcnow()
    _mark_on_roster(recipient, message, needs_review=False)
    recipient.state = RecipientState.ACCEPTED
    return submission


def record_return(
    message: InboundMessage,
    unit: Unit,
    dispatch: Dispatch,
    reading: FormReading | None,
    attachment_id: int | None,
    needs_review: bool = False,
) -> Submission:
    """The submission for this message, with the rows its form holds.

    Made once per message: a replay finds the same submission and re-reads its rows. A
    new one supersedes the unit's current version for the dispatch; history is kept.
    """
    recipient = _roster_line(unit, dispatch)
    submission = return_of_message(message)
    if submission is None:
        submission = _new_version(message, unit, dispatch)
    submission.attachment_id = attachment_id
    rows = check_rows(submission, reading)
    submission.read_error = _reading_problem(reading)
    review = needs_review or bool(submission.read_error) or submission.error_count > 0
    submission.status = SubmissionStatus.NEEDS_REVIEW if review else SubmissionStatus.RECEIVED
    write_rows(submission, rows)  # the submission written once, complete
    _mark_on_roster(recipient, message, review)
    return submission


def return_of_message(message: InboundMessage) -> Submission | None:
    """The submission recorded from this message, if any (a replay finds it)."""
    found, submission = batch_lookups.known(RETURN_OF_MESSAGE, message.id)
    if found:
        return submission
    return db.session.scalar(select(Submission).where(Submission.inbound_message_id == message.id))


def prefetch_returns(message_ids: list[int]) -> None:
    """The submissions recorded from a batch's messages, in one query."""
    batch_lookups.prefetch(
        RETURN_OF_MESSAGE,
        message_ids,
        lambda chunk: {
            submission.inbound_message_id: submission
            for submission in db.session.scalars(
                select(Submission).where(among(Submission.inbound_message_id, chunk))
            )
        },
    )


def prefetch_roster(units: list[Unit], dispatch_ids: list[int]) -> None:
    """The roster lines of a batch's units on the open dispatches, locked in one statement
    (in id order), and their last versions written: two queries for the batch, not two
    per return. The versions are read after the lock, as _roster_line does: one another
    poller committed meanwhile is counted."""
    pairs = [(dispatch_id, unit.id) for dispatch_id in dispatch_ids for unit in units]
    if not pairs or not batch_lookups.is_open():
        return
    unit_ids = sorted({unit.id for unit in units})
    lines = db.session.scalars(
        select(Recipient)
        .where(among(Recipient.dispatch_id, dispatch_ids), among(Recipient.unit_id, unit_ids))
        .order_by(Recipient.id)
        .with_for_update()
    )
    batch_lookups.answered(ROSTER_LINES, pairs, {(r.dispatch_id, r.unit_id): r for r in lines})
    versions = db.session.execute(
        select(Submission.dispatch_id, Submission.unit_id, func.max(Submission.version))
        .where(among(Submission.dispatch_id, dispatch_ids), among(Submission.unit_id, unit_ids))
        .group_by(Submission.dispatch_id, Submission.unit_id)
    )
    batch_lookups.answered(WRITTEN_VERSIONS, pairs, {(d, u): v for d, u, v in versions})


def _roster_line(unit: Unit, dispatch: Dispatch) -> Recipient:
    """The unit's line on the dispatch's roster, locked for this transaction (a unit
    missing from the roster is added to it). Two pollers (or a poller and staff)
    recording returns of one unit at once would both take the same next version: the
    second waits here for the first (PostgreSQL; SQLite lets one writer at a time).
    In a fetch batch, a line taken or added by an earlier message of the batch is that one
    (not written yet: the batch writes at its end)."""
    found, recipient = batch_lookups.known(ROSTER_LINES, (dispatch.id, unit.id))
    if not found:
        recipient = db.session.scalar(
            select(Recipient).filter_by(dispatch_id=dispatch.id, unit_id=unit.id).with_for_update()
        )
    if recipient is None:
        recipient = Recipient(dispatch=dispatch, unit=unit)
        db.session.add(recipient)
    batch_lookups.record(ROSTER_LINES, (dispatch.id, unit.id), recipient)
    return recipient


def _new_version(message: InboundMessage, unit: Unit, dispatch: Dispatch) -> Submission:
    """The unit's next version for the dispatch, the current one from now on."""
    found, latest = batch_lookups.known(LATEST_VERSIONS, (dispatch.id, unit.id))
    if found:  # its latest version is the fetch batch's own, not written yet
        latest.is_current = False
        submission = _version(message, unit, dispatch, latest.version + 1)
    else:
        submission = _version(message, unit, dispatch, _supersede_written(unit, dispatch) + 1)
    batch_lookups.record(LATEST_VERSIONS, (dispatch.id, unit.id), submission)
    return submission


def _supersede_written(unit: Unit, dispatch: Dispatch) -> int:
    """The unit's last version in the database, which is no longer current; 0 if none."""
    found, previous = batch_lookups.known(WRITTEN_VERSIONS, (dispatch.id, unit.id), default=0)
    if not found:
        previous = (
            db.session.scalar(
                select(func.max(Submission.version)).where(
                    Submission.dispatch_id == dispatch.id, Submission.unit_id == unit.id
                )
            )
            or 0
        )
    if previous:  # (none for a unit's first return: no statement)
        db.session.execute(  # one statement, not an object per earlier version
            update(Submission)
            .where(
                Submission.dispatch_id == dispatch.id,
                Submission.unit_id == unit.id,
                Submission.is_current,
            )
            .values(is_current=False)
        )
    return previous


def _version(message: InboundMessage, unit: Unit, dispatch: Dispatch, version: int) -> Submission:
    submission = Submission(
        dispatch=dispatch,
        unit=unit,
        dispatch_id=dispatch.id,  # before the flush: the duplicate check asks by them
        unit_id=unit.id,
        version=version,
        is_current=True,
        inbound_message_id=message.id,
        received_at=message.received_at,
    )
    db.session.add(submission)
    batch_lookups.record(RETURN_OF_MESSAGE, message.id, submission)
    return submission


def _reading_problem(reading: FormReading | None) -> str:
    """Why the form gave no rows (a stable code, shown to staff by its label), or ''."""
    if reading is None:
        return ReadingStatus.NO_ATTACHMENT
    if reading.status != ReadingStatus.READ:
        return reading.status
    return "" if reading.rows else ReadingStatus.NO_ROWS


def _mark_on_roster(recipient: Recipient, message: InboundMessage, needs_review: bool) -> None:
    """The unit has answered: received, or to review."""
    recipient.state = RecipientState.NEEDS_REVIEW if needs_review else RecipientState.RECEIVED
    recipient.last_return_at = message.received_at
    cancel_pending(recipient)
