"""Units: their addresses, their place in the hierarchy, and when one may be deleted."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask_babel import gettext as _
from sqlalchemy import select

from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Recipient, Submission, Unit, UnitEmail
from portal.services import audit


def unit_audit_state(unit: Unit) -> dict[str, object]:
    """What the audit trail records of a unit: its columns and its addresses."""
    return audit.snapshot(unit) | {"emails": unit.email_list}


def set_unit_emails(unit: Unit, addresses: list[str]) -> None:
    """Make unit's addresses exactly these, in this order, keeping rows that stay."""
    existing = {email.address: email for email in unit.emails}
    kept = []
    for position, address in enumerate(addresses):
        email = existing.get(address) or UnitEmail(address=address)
        email.position = position
        kept.append(email)
    if [e.address for e in unit.emails] != addresses:
        unit.emails = kept


def makes_loop(start: Hashable, parent_of: Callable[[Hashable], Hashable]) -> bool:
    """Whether walking up the hierarchy from `start` (parent_of gives a node's parent, or
    a false value at the top) comes back to a node already passed: a unit under itself."""
    seen = {start}
    current = parent_of(start)
    while current:
        if current in seen:
            return True
        seen.add(current)
        current = parent_of(current)
    return False


def refuse_parent_loop(unit: Unit) -> None:
    """InvalidInput when the chosen parent is the unit itself or one of its descendants."""
    if makes_loop(unit, lambda node: node.parent):
        raise InvalidInput(_("A unit cannot be placed under itself or one of its own units."))


def refuse_delete_in_use(unit: Unit) -> None:
    """InvalidInput when the unit is on a roster or sent returns: its history would go."""
    in_use = db.session.scalar(
        select(Recipient.id).where(Recipient.unit_id == unit.id)
    ) or db.session.scalar(select(Submission.id).where(Submission.unit_id == unit.id))
    if in_use:
        raise InvalidInput(
            _(
                "This unit is on a dispatch's roster or has sent returns, so "
                "it cannot be deleted. Untick “Active” instead."
            )
        )
