"""Units and dispatches for tests, made the way the portal makes them.

make_unit stores a unit's addresses as the admin's unit form and the roster import do
(split_addresses, then set_unit_emails); make_dispatch is add_dispatch, the service of
`flask add-dispatch` and of the demo data: its checks, its roster (every active unit, as the
admin's new-dispatch form sends it to, or the units given) and its audit event. Call them
within an app context; what they make is committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from portal.emails import split_addresses
from portal.extensions import db
from portal.models import Dispatch, Unit
from portal.services.dispatches import add_dispatch
from portal.services.units import set_unit_emails


def make_unit(
    code: str = "NHAI", name: str | None = None, emails: Iterable[str] = (), **fields
) -> Unit:
    """Unit `code` ("Đơn vị <code>" unless named) with these addresses, first the preferred
    one; fields: any other column (contact_name, is_active, parent...)."""
    unit = Unit(code=code, name=f"Đơn vị {code}" if name is None else name, **fields)
    set_unit_emails(unit, split_addresses("\n".join(emails)))
    db.session.add(unit)
    db.session.commit()
    return unit


def make_dispatch(
    number: str = "422-CV/TĐTN-TG",
    subject: str = "V/v tiếp cận thông tin",
    issued_on: dt.date = dt.date(2018, 6, 20),
    deadline: dt.date = dt.date(2018, 6, 27),
    *,
    units: list[Unit | str] | None = None,
    **fields,
) -> Dispatch:
    """Dispatch 422 unless told otherwise, sent to every active unit, or to `units` (units or
    their codes); fields: add_dispatch's others (message_id, upstream_email, issuer, note)."""
    codes = None if units is None else [u if isinstance(u, str) else u.code for u in units]
    return add_dispatch(number, subject, issued_on, deadline, unit_codes=codes, **fields)
