"""The consolidated result of a dispatch: every unit on its roster, its current return's rows.

`consolidate` gives the JSON contract of `flask export --format json`; the workbook, the cover
letter and the preview page are all made from it, so they always agree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.i18n import VIETNAM
from portal.models import Dispatch, Finding, Recipient, Severity, Site, Submission, Unit

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
    rows = _rows_of_current_returns(dispatch)
    # Units and their addresses by IN lists, not one query per unit.
    recipients = db.session.scalars(
        select(Recipient)
        .join(Unit)
        .where(Recipient.dispatch_id == dispatch.id)
        .order_by(Unit.code)
        .options(selectinload(Recipient.unit).selectinload(Unit.emails))
    )
    return {
        "dispatch": {
            "number": dispatch.number,
            "subject": dispatch.subject,
            "issued": dispatch.issued_on.isoformat(),
            "deadline": dispatch.deadline.isoformat(),
        },
        "units": [
            _unit_entry(r, current.get(r.unit_id), dispatch.deadline, rows) for r in recipients
        ],
    }


def _unit_entry(
    recipient: Recipient,
    submission: Submission | None,
    deadline: dt.date,
    rows: dict[int, list[dict]],
) -> dict:
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
        rows=rows.get(submission.id, []),
    )
    return entry


def _rows_of_current_returns(dispatch: Dispatch) -> dict[int, list[dict]]:
    """Each current return's rows (in their order), with their findings' codes, by
    submission id: two queries of plain columns, however many returns and rows."""
    current = (Submission.dispatch_id == dispatch.id, Submission.is_current)
    findings: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
    for site_id, severity, code, is_open in db.session.execute(
        select(Finding.site_id, Finding.severity, Finding.code, Finding.is_open)
        .join(Site, Finding.site_id == Site.id)
        .join(Submission, Site.submission_id == Submission.id)
        .where(*current)
        .order_by(Finding.site_id, Finding.id)
    ):
        findings[site_id].append((severity, code, is_open))
    rows: dict[int, list[dict]] = defaultdict(list)
    columns = [getattr(Site, key) for key in ROW_FIELDS]
    for site_id, submission_id, url_normalized, *values in db.session.execute(
        select(Site.id, Site.submission_id, Site.url_normalized, *columns)
        .join(Submission, Site.submission_id == Submission.id)
        .where(*current)
        .order_by(Site.submission_id, Site.position, Site.id)
    ):
        row = dict(zip(ROW_FIELDS, values, strict=True))
        row["url_normalized"] = url_normalized
        found = findings.get(site_id, ())
        row["errors"] = [code for severity, code, _open in found if severity == Severity.ERROR]
        row["warnings"] = [
            code for severity, code, is_open in found if severity == Severity.WARNING and is_open
        ]
        rows[submission_id].append(row)
    return rows


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
