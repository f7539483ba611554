"""The correspondence queue: units' messages that carry no form, for a person to read.

A question, a thank-you, a request for more days: never a version of a return. From the
queue a member of staff marks one answered, records it as the unit's return ("no pages":
a unit that runs none says so in words), or moves it to triage to assign it there.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update

from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import (
    Dispatch,
    HoldReason,
    InboundMessage,
    InboundStatus,
    Submission,
    Unit,
)
from portal.services import audit
from portal.services.acknowledge import acknowledge_staff_return
from portal.services.returns import record_no_pages


def set_answered(message: InboundMessage, answered: bool = True) -> None:
    """Clear (or set again) the message's "needs an answer" mark. Committed, audited."""
    _require_correspondence(message)
    before = {"needs_answer": message.needs_answer}
    message.needs_answer = not answered
    audit.record("update", message, before=before, after={"needs_answer": message.needs_answer})
    db.session.commit()


def record_as_no_pages(
    message: InboundMessage, dispatch: Dispatch, reviewer_id: int | None
) -> Submission:
    """The unit's message recorded as its return with no pages (zero rows, accepted),
    acknowledged like any return. Committed, audited."""
    _require_correspondence(message)
    unit = db.session.get(Unit, message.unit_id) if message.unit_id else None
    if unit is None:
        raise InvalidInput(_("This message has no unit: move it to triage to assign it."))
    before = {"status": message.status, "dispatch_id": message.dispatch_id}
    _take_from_queue(message, InboundStatus.PROCESSED)
    submission = record_no_pages(message, unit, dispatch, reviewer_id)
    message.dispatch_id = dispatch.id
    message.status, message.needs_answer = InboundStatus.PROCESSED, False
    after = {"status": message.status, "dispatch_id": dispatch.id, "return": "no_pages"}
    return acknowledge_staff_return(message, submission, before, after)


def move_to_triage(message: InboundMessage) -> None:
    """Send the message to triage, where staff assign it to a unit and dispatch."""
    _require_correspondence(message)
    before = {"status": message.status}
    _take_from_queue(message, InboundStatus.TRIAGE)
    message.status, message.hold_reason = InboundStatus.TRIAGE, HoldReason.MOVED_BY_STAFF
    message.needs_answer = False
    audit.record("update", message, before=before, after={"status": message.status})
    db.session.commit()


def _require_correspondence(message: InboundMessage) -> None:
    if message.status != InboundStatus.CORRESPONDENCE:
        raise InvalidInput(_("This message is not in the correspondence queue any more."))


def _take_from_queue(message: InboundMessage, status: InboundStatus) -> None:
    """Move the message out of the queue by a conditional UPDATE: of two clicks (or two
    colleagues) at once only one goes on, so a unit is recorded and answered once."""
    taken = db.session.execute(
        update(InboundMessage)
        .where(
            InboundMessage.id == message.id,
            InboundMessage.status == InboundStatus.CORRESPONDENCE,
        )
        .values(status=status)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        db.session.rollback()
        raise InvalidInput(_("This message is not in the correspondence queue any more."))
    message.status = status
