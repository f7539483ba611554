"""Which unit sent a message and which dispatch it answers; None sends it to triage."""

from __future__ import annotations

from sqlalchemy import select

from mailin.matching import dispatch_by_subject
from mailin.message import ParsedMessage
from portal.extensions import db
from portal.models import Dispatch, OutboundMessage, Unit, UnitEmail, User


def match_dispatch(parsed: ParsedMessage) -> tuple[Dispatch | None, str]:
    """(dispatch, route): by the thread, by the number in the subject, or the only open one."""
    thread = [*parsed.in_reply_to, *parsed.references]
    if thread:
        by_thread = db.session.scalars(select(Dispatch).where(Dispatch.message_id.in_(thread)))
        found = list(by_thread)
        if len(found) == 1:
            return found[0], "thread"
        replied = db.session.scalars(
            select(OutboundMessage.dispatch_id).where(
                OutboundMessage.message_id.in_(thread), OutboundMessage.dispatch_id.is_not(None)
            )
        ).all()
        if len(set(replied)) == 1:
            return db.session.get(Dispatch, replied[0]), "thread"
    numbers = dict(db.session.execute(select(Dispatch.id, Dispatch.number)).all())
    by_subject = dispatch_by_subject(parsed.subject, numbers)
    if by_subject is not None:
        return db.session.get(Dispatch, by_subject), "subject"
    open_ones = db.session.scalars(select(Dispatch).where(Dispatch.is_open)).all()
    if len(open_ones) == 1:
        return open_ones[0], "only open dispatch"
    return None, ""


def units_by_address(address: str) -> list[Unit]:
    if not address:
        return []
    return list(
        db.session.scalars(
            select(Unit).join(UnitEmail).where(UnitEmail.address == address.lower()).distinct()
        )
    )


def match_unit(parsed: ParsedMessage) -> tuple[Unit | None, str]:
    """(unit, route): by the sender's registered address, else, when a member of staff
    forwarded it, by the original sender. A forwarded From is only believed from staff:
    anyone can write one, and a wrong match would supersede a unit's real return."""
    units = units_by_address(parsed.sender.address)
    if len(units) == 1:
        return units[0], "address"
    if units or not _is_staff(parsed.sender.address):
        return None, ""
    for original in parsed.forwarded_senders:
        units = units_by_address(original)
        if len(units) == 1:
            return units[0], "forwarded by staff"
    return None, ""


def _is_staff(address: str) -> bool:
    return (
        bool(address)
        and db.session.scalar(select(User.id).where(User.email == address, User.is_active))
        is not None
    )
