"""Units: addresses, and importing a roster of units from a spreadsheet."""

from __future__ import annotations

from portal.models import Unit, UnitEmail
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
