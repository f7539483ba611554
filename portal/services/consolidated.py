"""The consolidated result of a dispatch: every unit on its roster, its current return's rows.

`consolidate` gives the JSON contract of `flask export --format json`; the workbook, the cover
letter and the preview page are all made from it, so they always agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db
from portal.i18n import VIETNAM
from portal.models import Dispatch, Recipient, Severity, Submission, Unit

ROW_FIELDS = (
    "name",
    "url",
    "platform",
    "agency",
    "contact",
    "admin_name",
    "phone",
    "email",
    "note",
)


def consolidate(dispatch: Dispatch) -> dict:
    """{"dispatch": {...}, "units": [{code, name, status, submitted_at, late, rows}]}."""
    current = {
        s.unit_id: s
        for s in db.session.scalars(
            select(Submission).where(Submission.dispatch_id == dispatch.id, Submission.is_current)
        )
    }
    recipients = db.session.scalars(
        select(Recipient).join(Unit).where(Recipient.dispatch_id == dispatch.id).order_by(Unit.code)
    )
    return {
        "dispatch": {
            "number": dispatch.number,
            "subject": dispatch.subject,
            "issued": dispatch.issued_on.isoformat(),
            "deadline": dispatch.deadline.isoformat(),
        },
        "units": [_unit_entry(r, current.get(r.unit_id), dispatch.deadline) for r in recipients],
    }


def _unit_entry(recipient: Recipient, submission: Submission | None, deadline: dt.date) -> dict:
    unit = recipient.unit
    entry = {
        "code": unit.code,
        "name": unit.name,
        "status": str(recipient.state),
        "submitted_at": None,
        "late": False,
        "rows": [],
        "contact": ", ".join(unit.email_list),
    }
    if submission is None:
        return entry
    received = submission.received_at
    entry.update(
        submitted_at=received.isoformat(),
        late=received.astimezone(VIETNAM).date() > deadline,
        rows=[_row(site) for site in submission.sites],
    )
    return entry


def _row(site) -> dict:
    row = {key: getattr(site, key) for key in ROW_FIELDS}
    row["url_normalized"] = site.url_normalized
    row["errors"] = [f.code for f in site.findings if f.severity == Severity.ERROR]
    row["warnings"] = [
        f.code for f in site.findings if f.severity == Severity.WARNING and f.is_open
    ]
    return row


@dataclass
class Figures:
    """What the summary sheet and the cover letter say."""

    units: int = 0
    on_time: int = 0
    late: int = 0
    missing: list[str] = field(default_factory=list)
    rows: int = 0
    by_platform: Counter = field(default_factory=Counter)
    with_warnings: int = 0
    by_warning: Counter = field(default_factory=Counter)


def figures(result: dict) -> Figures:
    counted = Figures(units=len(result["units"]))
    for unit in result["units"]:
        if unit["submitted_at"] is None:
            counted.missing.append(unit["name"])
            continue
        counted.late += unit["late"]
        counted.on_time += not unit["late"]
        for row in accepted_rows(unit):
            counted.rows += 1
            counted.by_platform[row["platform"]] += 1
            counted.with_warnings += bool(row["warnings"])
            counted.by_warning.update(row["warnings"])
    return counted


def accepted_rows(unit: dict) -> list[dict]:
    """The rows that go upstream: those without errors (errors wait for the unit's fix)."""
    if unit["status"] == "rejected":
        return []
    return [row for row in unit["rows"] if not row["errors"]]
