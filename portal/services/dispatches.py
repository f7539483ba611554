"""Dispatches: create one with its roster, count where its roster stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from mailin.forms.spec import FormSpec
from mailin.headers import one_line
from mailin.text import nfc
from portal.emails import normalize_address
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Dispatch, Recipient, RecipientState, Unit
from portal.services import audit


@dataclass(frozen=True)
class RosterCounts:
    total: int
    reported: int


def roster_counts(dispatch_id: int) -> RosterCounts:
    """How many units are on the roster and how many have sent a return."""
    rows = db.session.execute(
        select(Recipient.state, func.count())
        .where(Recipient.dispatch_id == dispatch_id)
        .group_by(Recipient.state)
    ).all()
    by_state = {state: n for state, n in rows}
    total = sum(by_state.values())
    not_reported = by_state.get(RecipientState.AWAITING, 0) + by_state.get(RecipientState.LATE, 0)
    return RosterCounts(total=total, reported=total - not_reported)


def add_dispatch(
    number: str,
    subject: str,
    issued_on: dt.date,
    deadline: dt.date,
    *,
    issuer: str = "",
    message_id: str | None = None,
    upstream_email: str | None = None,
    unit_codes: list[str] | None = None,
    note: str = "",
    form: FormSpec | None = None,
) -> Dispatch:
    """A new dispatch with its roster (all active units, or the given codes), asking for
    its own form or, when `form` is None, the sites-and-pages form; committed."""
    dispatch = Dispatch(
        number=number,
        subject=subject,
        issued_on=issued_on,
        deadline=deadline,
        issuer=issuer,
        message_id=message_id,
        upstream_email=upstream_email,
        note=note,
        form=form.to_dict() if form else None,
    )
    check_dispatch(dispatch)
    units = roster_units(unit_codes)
    dispatch.recipients = [Recipient(unit=unit) for unit in units]
    db.session.add(dispatch)
    db.session.flush()
    audit.record("create", dispatch, after=audit.snapshot(dispatch) | {"roster": len(units)})
    db.session.commit()
    return dispatch


def check_dispatch(dispatch: Dispatch) -> None:
    """The rules of every dispatch, new or edited, from the command line or the admin
    (InvalidInput when one is broken): a number and a subject, a deadline not before the
    date of issue, a number no other dispatch has; the thread's Message-ID on one line and
    the upstream address normalised."""
    dispatch.number = nfc(dispatch.number or "").strip()
    if not dispatch.number or not (dispatch.subject or "").strip():
        raise InvalidInput(_("A dispatch needs a number and a subject."))
    if dispatch.issued_on and dispatch.deadline and dispatch.deadline < dispatch.issued_on:
        raise InvalidInput(_("The deadline is before the date of issue."))
    others = select(Dispatch.id).where(Dispatch.number == dispatch.number)
    if dispatch.id is not None:
        others = others.where(Dispatch.id != dispatch.id)
    with db.session.no_autoflush:  # the admin's new dispatch is in the session already
        if db.session.scalar(others) is not None:
            raise InvalidInput(_("Dispatch %(number)s already exists.", number=dispatch.number))
    dispatch.message_id = strip_header_value(dispatch.message_id) or None
    email = dispatch.upstream_email
    dispatch.upstream_email = normalize_address(email) if email else None


def roster_units(unit_codes: list[str] | None) -> list[Unit]:
    """The units with these codes (InvalidInput naming unknown ones), or every active unit."""
    if unit_codes is None:
        return list(db.session.scalars(select(Unit).where(Unit.is_active).order_by(Unit.code)))
    units = list(db.session.scalars(select(Unit).where(Unit.code.in_(unit_codes))))
    unknown = sorted(set(unit_codes) - {u.code for u in units})
    if unknown:
        raise InvalidInput(_("Unknown unit codes: %(codes)s.", codes=", ".join(unknown)))
    return units


def strip_header_value(value: str | None) -> str:
    """A header value copied from elsewhere, without CR/LF (no header injection)."""
    return one_line(value or "")
