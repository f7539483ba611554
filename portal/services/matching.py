"""Which unit sent a message and which dispatch it answers; None sends it to triage."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import select

from mailin.matching import dispatch_by_subject
from mailin.message import ParsedMessage
from portal.database import among
from portal.extensions import db
from portal.models import Dispatch, OutboundMessage, Unit, UnitEmail, User
from portal.services import batch_lookups


class MatchRoute(enum.StrEnum):
    """How a message was tied to its unit or its dispatch (logged, and it decides review)."""

    NONE = ""  # not matched
    THREAD = "thread"  # a reply in the dispatch's thread (or in our reply's)
    SUBJECT = "subject"  # the dispatch's number in the subject
    ONLY_OPEN = "only open dispatch"
    ADDRESS = "address"  # the sender's registered address
    FORWARDED_BY_STAFF = "forwarded by staff"  # the original sender of staff's forward
    # The form's "Đơn vị: ..." line: anyone can type a unit's name, so staff review it.
    UNIT_LINE = "form's unit line"


def match_dispatch(parsed: ParsedMessage) -> tuple[Dispatch | None, MatchRoute]:
    """(dispatch, route): by the thread, by the number in the subject, or the only open one."""
    thread = [*parsed.in_reply_to, *parsed.references]
    if thread:
        sent = _dispatches_answered(DISPATCHES_SENT, thread)
        if len(sent) == 1:
            return db.session.get(Dispatch, sent[0]), MatchRoute.THREAD
        replied = set(_dispatches_answered(DISPATCHES_REPLIED, thread))
        if len(replied) == 1:
            return db.session.get(Dispatch, replied.pop()), MatchRoute.THREAD
    numbers = batch_lookups.remembered(
        "dispatch_numbers",
        lambda: dict(db.session.execute(select(Dispatch.id, Dispatch.number)).all()),
    )
    by_subject = dispatch_by_subject(parsed.subject, numbers)
    if by_subject is not None:
        return db.session.get(Dispatch, by_subject), MatchRoute.SUBJECT
    open_ones = open_dispatch_ids()
    if len(open_ones) == 1:
        return db.session.get(Dispatch, open_ones[0]), MatchRoute.ONLY_OPEN
    return None, MatchRoute.NONE


# The dispatches a message's thread (In-Reply-To, References) names: sent as that message
# (the dispatch itself), or as one of our replies about it (an acknowledgement, a reminder).
DISPATCHES_SENT = "dispatches_by_message_id"
DISPATCHES_REPLIED = "dispatches_by_reply_message_id"


def _thread_query(name: str, message_ids: list[str]):
    if name == DISPATCHES_SENT:
        sent = among(Dispatch.message_id, message_ids)
        return select(Dispatch.message_id, Dispatch.id).where(sent)
    return select(OutboundMessage.message_id, OutboundMessage.dispatch_id).where(
        among(OutboundMessage.message_id, message_ids), OutboundMessage.dispatch_id.is_not(None)
    )


def _load_thread_dispatches(name: str, message_ids: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for message_id, dispatch_id in db.session.execute(_thread_query(name, message_ids)):
        found.setdefault(message_id, []).append(dispatch_id)
    return found


def _dispatches_answered(name: str, thread: list[str]) -> list[int]:
    """The dispatch ids the thread's Message-IDs name (one per row found), from the batch's
    prefetch (prefetch_threads) where it asked, else from the database."""
    ids, unknown = [], []
    for message_id in dict.fromkeys(thread):
        found, dispatch_ids = batch_lookups.known(name, message_id, default=[])
        if found:
            ids += dispatch_ids
        else:
            unknown.append(message_id)
    if unknown:
        ids += [d for found in _load_thread_dispatches(name, unknown).values() for d in found]
    return ids


def prefetch_threads(parsed: Iterable[ParsedMessage]) -> None:
    """The dispatches the batch's messages answer, in two queries for the batch: most
    returns are replies to the dispatch's email."""
    message_ids = {mid for one in parsed for mid in (*one.in_reply_to, *one.references)}
    for name in (DISPATCHES_SENT, DISPATCHES_REPLIED):
        batch_lookups.prefetch(
            name, message_ids, lambda chunk, name=name: _load_thread_dispatches(name, chunk)
        )


def open_dispatch_ids() -> list[int]:
    return batch_lookups.remembered(
        "open_dispatches",
        lambda: db.session.scalars(select(Dispatch.id).where(Dispatch.is_open)).all(),
    )


def units_by_address(address: str) -> list[Unit]:
    if not address:
        return []
    found, units = batch_lookups.known("units_by_address", address.lower(), default=[])
    if found:
        return list(units)
    return list(
        db.session.scalars(
            select(Unit).join(UnitEmail).where(UnitEmail.address == address.lower()).distinct()
        )
    )


def prefetch_units(parsed: Iterable[ParsedMessage]) -> list[Unit]:
    """The units of a batch's senders (and of the senders staff forwarded), in one query;
    those found."""
    addresses = {
        address.lower()
        for one in parsed
        for address in (one.sender.address, *one.forwarded_senders)
        if address
    }

    def load(chunk: list[str]) -> dict[str, list[Unit]]:
        found: dict[str, list[Unit]] = {}
        rows = db.session.execute(
            select(UnitEmail.address, Unit).join(Unit).where(among(UnitEmail.address, chunk))
        )
        for address, unit in rows:
            if unit not in found.setdefault(address, []):
                found[address].append(unit)
        return found

    found = batch_lookups.prefetch("units_by_address", addresses, load)
    return list({unit for units in found.values() for unit in units})


def match_unit(parsed: ParsedMessage) -> tuple[Unit | None, MatchRoute]:
    """(unit, route): by the sender's registered address, else, when a member of staff
    forwarded it, by the original sender. A forwarded From is only believed from staff:
    anyone can write one, and a wrong match would supersede a unit's real return."""
    units = units_by_address(parsed.sender.address)
    if len(units) == 1:
        return units[0], MatchRoute.ADDRESS
    if units or not _is_staff(parsed.sender.address):
        return None, MatchRoute.NONE
    for original in parsed.forwarded_senders:
        units = units_by_address(original)
        if len(units) == 1:
            return units[0], MatchRoute.FORWARDED_BY_STAFF
    return None, MatchRoute.NONE


def _is_staff(address: str) -> bool:
    return (
        bool(address)
        and db.session.scalar(select(User.id).where(User.email == address, User.is_active))
        is not None
    )
