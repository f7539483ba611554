"""Import a roster of units from a spreadsheet (xlsx or csv): upsert by code, report bad lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from mailin.forms.grid import csv_grids, spreadsheet_grids
from mailin.text import fold
from portal.emails import split_addresses
from portal.errors import InvalidInput, PortalError
from portal.extensions import db
from portal.models import Unit
from portal.services import audit
from portal.services.units import makes_loop, set_unit_emails, unit_audit_state

# Header names accepted for each column, compared after folding (English or Vietnamese).
COLUMNS = {
    "code": {"code", "ma", "ma don vi"},
    "name": {"name", "ten", "ten don vi"},
    "parent_code": {
        "parent_code",
        "parent",
        "ma cap tren",
        "ma don vi cap tren",
        "don vi cap tren",
    },
    "emails": {"emails", "email", "e-mail", "thu dien tu", "dia chi email"},
    "kind": {"kind", "loai", "loai don vi", "cap"},
}
REQUIRED = ("code", "name")


@dataclass
class UnitLine:
    """One line of the file, as read (line is the 1-based line of the spreadsheet)."""

    line: int
    code: str
    name: str
    parent_code: str = ""
    emails: str = ""
    kind: str = ""


@dataclass
class UnitFile:
    """The lines of a file and the columns it has: a column it lacks is left untouched."""

    lines: list[UnitLine]
    columns: frozenset[str]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_unit_lines(path: Path) -> UnitFile:
    """The lines of an xlsx/xls/ods or csv file whose first row names the columns."""
    rows = _read_rows(path)
    if not rows:
        raise InvalidInput(_("The file %(name)s is empty.", name=path.name))
    columns = _map_header(rows[0])
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        values = {key: _cell(row, index) for key, index in columns.items()}
        if any(values.values()):
            lines.append(UnitLine(line=number, **values))
    return UnitFile(lines=lines, columns=frozenset(columns))


def _read_rows(path: Path) -> list[list[str]]:
    """The first sheet's rows as text, read by the form reader's own readers."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return csv_grids(path.read_bytes())[0].rows
    if suffix in {".xlsx", ".xls", ".ods", ".xlsm"}:
        try:
            return spreadsheet_grids(path.read_bytes())[0].rows
        except Exception as exc:  # calamine raises its own types for corrupt files
            raise InvalidInput(
                _("Cannot read %(name)s: %(error)s", name=path.name, error=exc)
            ) from exc
    raise InvalidInput(_("Unsupported file type %(suffix)s: use .xlsx or .csv.", suffix=suffix))


def _map_header(header: list[object]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = fold(str(cell or ""))
        for key, names in COLUMNS.items():
            if name in names and key not in columns:
                columns[key] = index
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise InvalidInput(
            _(
                "The first row must name the columns code, name, parent_code, emails; missing: "
                "%(missing)s.",
                missing=", ".join(missing),
            )
        )
    return columns


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def import_units(
    unit_file: UnitFile, progress: Callable[[Iterable], Iterable] = iter, dry_run: bool = False
) -> ImportReport:
    """Create or update a unit per valid line (by code); bad lines are reported, not imported.

    Only the columns the file has are changed. Parents may come later in the file than
    their children, so parents are set in a second pass, once every valid line is known.
    Nothing is committed when dry_run.
    """
    report = ImportReport()
    units = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    valid = _check_lines(unit_file, units, report)
    before = {
        item.code: unit_audit_state(units[item.code]) for item, _a in valid if item.code in units
    }
    for item, addresses in progress(valid):
        _upsert(item, addresses, units, unit_file.columns)
    if "parent_code" in unit_file.columns:
        for item, _addresses in valid:
            units[item.code].parent = units.get(item.parent_code) if item.parent_code else None
    db.session.flush()
    for item, _addresses in valid:
        _audit_line(units[item.code], before.get(item.code), report)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _audit_line(unit: Unit, before: dict | None, report: ImportReport) -> None:
    """Record what the import did to unit, and count it."""
    after = unit_audit_state(unit)
    if before is None:
        audit.record("create", unit, after=after, actor="import-units")
        report.created += 1
        return
    old, new = audit.diff(before, after)
    if new:
        audit.record("update", unit, before=old, after=new, actor="import-units")
        report.updated += 1
    else:
        report.unchanged += 1


def _check_lines(
    unit_file: UnitFile, units: dict[str, Unit], report: ImportReport
) -> list[tuple[UnitLine, list[str]]]:
    """The lines that can be imported, with their checked addresses; errors go to report."""
    seen: set[str] = set()
    valid = []
    for item in unit_file.lines:
        try:
            addresses = _check_line(item, seen)
        except PortalError as exc:
            report.errors.append((item.line, str(exc)))
            continue
        seen.add(item.code)
        valid.append((item, addresses))
    if "parent_code" in unit_file.columns:
        valid = _check_parents(valid, units, report)
    report.errors.sort()
    return valid


def _check_parents(valid, units: dict[str, Unit], report: ImportReport):
    """Drop lines whose parent is unknown or would make the hierarchy a loop."""
    parents = {code: unit.parent.code if unit.parent else "" for code, unit in units.items()}
    parents |= {item.code: item.parent_code for item, _a in valid}
    kept = []
    for item, addresses in valid:
        if item.parent_code and item.parent_code not in parents:
            message = _("Unknown parent unit code “%(code)s”.", code=item.parent_code)
        elif makes_loop(item.code, lambda code: parents.get(code, "")):
            message = _("Parent “%(code)s” would make the hierarchy a loop.", code=item.parent_code)
        else:
            kept.append((item, addresses))
            continue
        report.errors.append((item.line, message))
    return kept


def _check_line(item: UnitLine, seen: set[str]) -> list[str]:
    if not item.code:
        raise InvalidInput(_("The unit code is empty."))
    if not item.name:
        raise InvalidInput(_("The unit name is empty."))
    if item.code in seen:
        raise InvalidInput(_("The code “%(code)s” appears twice in the file.", code=item.code))
    if item.parent_code == item.code:
        raise InvalidInput(_("A unit cannot be its own parent."))
    for value, limit in ((item.code, 50), (item.name, 255), (item.kind, 100)):
        if len(value) > limit:
            raise InvalidInput(
                _(
                    "“%(value)s…” is longer than %(limit)d characters.",
                    value=value[:30],
                    limit=limit,
                )
            )
    return split_addresses(item.emails)


def _upsert(
    item: UnitLine, addresses: list[str], units: dict[str, Unit], columns: frozenset[str]
) -> None:
    """The unit of this line, created if new, with the line's values for the file's columns."""
    unit = units.get(item.code)
    if unit is None:
        unit = Unit(code=item.code, name=item.name, kind=item.kind, is_active=True)
        db.session.add(unit)
        units[item.code] = unit
    if unit.name != item.name:
        unit.name = item.name
    if "kind" in columns and unit.kind != item.kind:
        unit.kind = item.kind
    if "emails" in columns:
        set_unit_emails(unit, addresses)
