"""The consolidated result of a dispatch: every unit on its roster, its current return's rows.

`consolidate` gives the JSON contract of `flask export --format json`; the workbook, the cover
letter and the preview page are all made from it (through `figures`), so they always agree.
A return staff rejected is not sent upstream: its unit counts as not reported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from mailin.forms.columns import ROW_FIELDS
from mailin.forms.spec import FormSpec
from mailin.text import fold
from portal.extensions import db
from portal.i18n import VIETNAM
from portal.models import (
    Dispatch,
    Finding,
    Recipient,
    Severity,
    Site,
    Submission,
    SubmissionStatus,
    Unit,
    UnitEmail,
)


def consolidate(dispatch: Dispatch) -> dict:
    """{"dispatch": {...}, "units": [{code, name, status, return_status, submitted_at, late,
    rows}]}.

    `status` is the unit's roster line; `return_status` its current return's status (None
    when it sent none). A rejected return is not reported: no submitted_at, not late, no
    rows; its `return_status` says why the unit is listed as not reported.

    Read as plain tuples of table columns (Core selects): a dispatch of 10,000 units would
    otherwise build and track 40,000 ORM objects, or pass 50,000 rows through the ORM's
    loading, only to copy a few fields of each."""
    submitted, rows = _current_returns(dispatch)
    emails = _roster_emails(dispatch)
    units = []
    for unit_id, state, code, name in _roster(dispatch):
        entry = {
            "code": code,
            "name": name,
            "status": str(state),
            "return_status": None,
            "submitted_at": None,
            "late": False,
            "rows": [],
            "contact": ", ".join(emails.get(unit_id, ())),
        }
        if unit_id in submitted:
            _add_return(entry, submitted[unit_id], rows, dispatch.deadline)
        units.append(entry)
    return {"dispatch": _described(dispatch, units), "units": units}


def _described(dispatch: Dispatch, units: list[dict]) -> dict:
    """The dispatch as the JSON export gives it, its units' rows keyed by its own form's
    columns when it has one (as the sites-and-pages form's otherwise)."""
    described = {
        "number": dispatch.number,
        "subject": dispatch.subject,
        "issued": dispatch.issued_on.isoformat(),
        "deadline": dispatch.deadline.isoformat(),
    }
    spec = dispatch.form_spec
    if spec is not None:
        described["form"] = form_description(spec)
    for entry in units:
        if spec is not None:
            entry["rows"] = [_row_by_keys(spec, row) for row in entry["rows"]]
        else:
            for row in entry["rows"]:
                del row["form_values"]
    return described


def form_description(spec: FormSpec) -> dict:
    """The dispatch's own form as the JSON export lists it."""
    return {
        "title": spec.title,
        "columns": [
            {"key": one.key, "header": one.header, "type": str(one.type)} for one in spec.fields
        ],
    }


def _row_by_keys(spec: FormSpec, row: dict) -> dict:
    """A row of a dispatch's own form keyed by its columns' keys (and any key an earlier
    version of the form had: nothing a unit sent is dropped), with its findings."""
    values = row["form_values"] or {}
    keyed = {one.key: values.get(one.key) for one in spec.fields}
    keyed.update((key, value) for key, value in values.items() if key not in keyed)
    return keyed | {"errors": row["errors"], "warnings": row["warnings"]}


def _current_returns(dispatch: Dispatch) -> tuple[dict[int, tuple], dict[int, list[dict]]]:
    """({unit id: (submission id, status, received at)} of the current returns, the rows of
    those not rejected by submission id)."""
    submission = Submission.__table__.c
    current = (submission.dispatch_id == dispatch.id, submission.is_current)
    submitted = {
        unit_id: (submission_id, SubmissionStatus(status), received_at)
        for unit_id, submission_id, status, received_at in db.session.execute(
            select(
                submission.unit_id, submission.id, submission.status, submission.received_at
            ).where(*current)
        )
    }
    rows = _rows_of_current_returns((*current, submission.status != SubmissionStatus.REJECTED))
    return submitted, rows


def _add_return(entry: dict, current: tuple, rows: dict[int, list[dict]], deadline) -> None:
    """The unit's current return in its entry; a rejected one only by its status (not
    reported: nothing of it goes upstream)."""
    submission_id, status, received = current
    entry["return_status"] = str(status)
    if status != SubmissionStatus.REJECTED:
        entry.update(
            submitted_at=received.isoformat(),
            late=received.astimezone(VIETNAM).date() > deadline,
            rows=rows.get(submission_id, []),
        )


def _roster(dispatch: Dispatch):
    """(unit id, roster state, code, name) of each unit on the dispatch's roster, by code."""
    recipient, unit = Recipient.__table__.c, Unit.__table__.c
    return db.session.execute(
        select(recipient.unit_id, recipient.state, unit.code, unit.name)
        .join(Unit.__table__, recipient.unit_id == unit.id)
        .where(recipient.dispatch_id == dispatch.id)
        .order_by(unit.code)
    )


def _roster_emails(dispatch: Dispatch) -> dict[int, list[str]]:
    """The addresses of each unit on the roster, the preferred one first (as Unit.emails)."""
    recipient, email = Recipient.__table__.c, UnitEmail.__table__.c
    emails: dict[int, list[str]] = defaultdict(list)
    for unit_id, address in db.session.execute(
        select(email.unit_id, email.address)
        .join(Recipient.__table__, recipient.unit_id == email.unit_id)
        .where(recipient.dispatch_id == dispatch.id)
        .order_by(email.unit_id, email.position)
    ):
        emails[unit_id].append(address)
    return emails


def _rows_of_current_returns(current: tuple) -> dict[int, list[dict]]:
    """The rows (in their order) of the returns `current` selects (the dispatch's current
    returns not rejected), with their findings' codes, by submission id: two queries of
    plain columns, however many returns and rows."""
    site, finding = Site.__table__.c, Finding.__table__.c
    submission = Submission.__table__
    findings: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
    for site_id, severity, code, is_open in db.session.execute(
        select(finding.site_id, finding.severity, finding.code, finding.is_open)
        .join(Site.__table__, finding.site_id == site.id)
        .join(submission, site.submission_id == submission.c.id)
        .where(*current)
        .order_by(finding.site_id, finding.id)
    ):
        findings[site_id].append((severity, code, is_open))
    rows: dict[int, list[dict]] = defaultdict(list)
    columns = [site[key] for key in ROW_FIELDS]
    for site_id, submission_id, url_normalized, form_values, *values in db.session.execute(
        select(site.id, site.submission_id, site.url_normalized, site.form_values, *columns)
        .join(submission, site.submission_id == submission.c.id)
        .where(*current)
        .order_by(site.submission_id, site.position, site.id)
    ):
        row = dict(zip(ROW_FIELDS, values, strict=True))
        row["url_normalized"] = url_normalized
        row["form_values"] = form_values
        found = findings.get(site_id)
        if found is None:  # most rows: nothing to sort out
            row["errors"], row["warnings"] = [], []
        else:
            row["errors"] = [code for severity, code, _ in found if severity == Severity.ERROR]
            row["warnings"] = [
                code
                for severity, code, is_open in found
                if severity == Severity.WARNING and is_open
            ]
        rows[submission_id].append(row)
    return rows


@dataclass
class Figures:
    """What the summary sheet and the cover letter say."""

    units: int = 0
    on_time: int = 0
    late: int = 0
    missing: list[str] = field(default_factory=list)  # the names of not_reported
    # The units not reported (their entries of `consolidate`), in roster order: no return,
    # or a rejected one (return_status "rejected").
    not_reported: list[dict] = field(default_factory=list)
    rows: int = 0
    by_platform: Counter = field(default_factory=Counter)
    with_warnings: int = 0
    by_warning: Counter = field(default_factory=Counter)
    # A dispatch's own form: the sum of each number column over the rows sent upstream.
    totals: dict[str, int | float] = field(default_factory=dict)


def figures(result: dict) -> Figures:
    counted = Figures(units=len(result["units"]))
    number_keys = _number_keys(result)
    counted.totals = dict.fromkeys(number_keys, 0)
    for unit in result["units"]:
        if not reported(unit):
            counted.missing.append(unit["name"])
            counted.not_reported.append(unit)
            continue
        counted.late += unit["late"]
        counted.on_time += not unit["late"]
        for row in accepted_rows(unit):
            counted.rows += 1
            if "platform" in row:  # the sites-and-pages form
                counted.by_platform[row["platform"]] += 1
            counted.with_warnings += bool(row["warnings"])
            counted.by_warning.update(row["warnings"])
            for key in number_keys:
                value = row.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    counted.totals[key] += value
    return counted


RATE_WORDS = ("%", "ty le", "ti le", "trung binh", "binh quan")


def _number_keys(result: dict) -> list[str]:
    """The keys of the number columns of the dispatch's own form that add up: counts and
    amounts, not a rate or an average ('Tỷ lệ tương tác (%)' summed over pages means
    nothing). [] for the sites-and-pages form."""
    columns = result["dispatch"].get("form", {}).get("columns", [])
    return [
        column["key"]
        for column in columns
        if column["type"] == "integer"
        or (
            column["type"] == "decimal" and not any(w in fold(column["header"]) for w in RATE_WORDS)
        )
    ]


def reported(unit: dict) -> bool:
    """Whether the unit counts as reported: it sent a return, and staff did not reject it."""
    return unit["submitted_at"] is not None and not rejected(unit)


def rejected(unit: dict) -> bool:
    """Whether the unit's current return was rejected (so it counts as not reported)."""
    return unit["return_status"] == SubmissionStatus.REJECTED


def accepted_rows(unit: dict) -> list[dict]:
    """The rows that go upstream: those without errors (errors wait for the unit's fix),
    none of a rejected return."""
    if not reported(unit):
        return []
    return [row for row in unit["rows"] if not row["errors"]]
