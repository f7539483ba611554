"""The form reader: any file a unit sends (or the email's own HTML) into checked rows.

Bytes in, plain data out; nothing here knows Flask or the database. The file's real type
is taken from its bytes; zip-based files are checked before any parser opens them.
"""

from __future__ import annotations

import enum
import logging
import zipfile
import zlib
from dataclasses import dataclass, field

from mailin.forms.checks import row_findings
from mailin.forms.grid import Grid, csv_grids, docx_grids, html_grids, spreadsheet_grids
from mailin.forms.header import find_header
from mailin.forms.legacy import from_tcvn3
from mailin.forms.rows import data_rows, resolve_address, unit_line
from mailin.forms.sniff import (
    NotAZip,
    UnsafeFile,
    check_extent,
    check_zip,
    encryption,
    has_macros,
    sniff,
)
from mailin.forms.values import (
    clean_phone,
    platform_of,
    split_emails,
)
from mailin.headers import decode_raw_bytes
from mailin.text import fold
from mailin.urls import normalize_url

log = logging.getLogger(__name__)


class ReadingStatus(enum.StrEnum):
    """What reading a file (or a message) gave: the form, or why not. The portal stores it
    for each attachment and, as the return's problem, for the return."""

    READ = "read"  # a form was found; its rows (possibly none, possibly all with errors) follow
    NO_TABLE = "no_table"  # a readable file without the form in it
    UNREADABLE = "unreadable"  # corrupt, or a kind of file we cannot read
    ENCRYPTED = "encrypted"  # password-protected: the unit must send it without a password
    MANUAL_ENTRY = "manual_entry"  # a scan or a photo: staff type it in
    REFUSED = "refused"  # unsafe to open (a zip bomb)
    # A return's problem rather than a file's: nothing to read, or a form without rows, or
    # the unit said in words that it runs no pages.
    NO_ATTACHMENT = "no_attachment"
    NO_ROWS = "no_rows"
    NO_PAGES = "no_pages"
    PENDING = "pending"  # an attachment stored, not read yet


SPREADSHEETS = {"xlsx", "xls", "ods"}
# What a damaged zip raises when an entry is read: a bad CRC, a broken deflate stream, a
# version of zip no one writes, a truncated entry.
DAMAGED = (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError)
ZIP_BASED = {"xlsx", "docx", "ods", "odt", "zip"}


@dataclass
class FormRow:
    sheet: str  # the spreadsheet's sheet name; '' for a table in a document, CSV or email
    row: int  # 1-based, in the source sheet or table
    values: dict[str, str]  # docs/form.md, "Columns": name, platform, url, agency, contact, ...
    url_normalized: str
    platform: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The name folded for search (mailin.text.fold), worked out here, in the poller's form
    # reader, rather than by the poller itself: the poller's own work is its bottleneck.
    name_folded: str = ""


@dataclass
class FormReading:
    status: ReadingStatus
    detected_type: str
    rows: list[FormRow] = field(default_factory=list)
    unit_line: str = ""
    sheet: str = ""
    detail: str = ""  # for logs and staff: why it could not be read
    macros: bool = False  # the file carries macros (VBA, Basic): never run, staff told


def read_form(data: bytes, official: frozenset[str] = frozenset()) -> FormReading:
    """Read a file a unit attached; `official` holds the normalised URLs of official pages."""
    kind = sniff(data)
    try:
        refused = _refusal(data, kind)
        macros = has_macros(data, kind)
    except DAMAGED as exc:  # a broken entry met while checking it: no parser will do better
        return FormReading(ReadingStatus.UNREADABLE, kind, detail=f"damaged file: {exc}"[:500])
    if refused is not None:
        return refused
    if kind == "cfb":
        kind = "xls"
    try:
        grids = _grids(kind, data)
    except Exception as exc:  # each library raises its own types for a broken file
        log.info("unreadable %s: %s", kind, exc)
        reading = FormReading(
            ReadingStatus.UNREADABLE, kind, detail=f"{type(exc).__name__}: {exc}"[:500]
        )
    else:
        if grids is None:
            reading = FormReading(
                ReadingStatus.UNREADABLE, kind, detail=f"{kind} files are not read"
            )
        else:
            reading = read_grids(grids, kind, official)
    reading.macros = macros
    return reading


# A message's forms: each attachment's reading, and the table pasted in its HTML, if any.
MessageForms = tuple[list[FormReading], FormReading | None]


def read_all(
    contents: list[bytes], html: str, official: frozenset[str] = frozenset()
) -> MessageForms:
    """A message's forms: each attachment's reading (in order), and the table pasted in
    its HTML when it holds one (else None). Pure: the poller runs it in a worker."""
    readings = [read_form(content, official) for content in contents]
    pasted = read_html_form(html, official) if "<table" in html.lower() else None
    return readings, pasted


def _refusal(data: bytes, kind: str) -> FormReading | None:
    """Why the file is not handed to a parser at all (a bomb, a scan, a password), or None.
    Zip-based files are checked from their directory and XML prologs first, then the
    extent of their sheets."""
    try:
        if kind in ZIP_BASED:
            check_zip(data)
        if kind in ("pdf", "image"):
            return FormReading(
                ReadingStatus.MANUAL_ENTRY, kind, detail="a scan or a picture: type it in"
            )
        encrypted_as = encryption(data, kind)
        if encrypted_as:
            return FormReading(
                ReadingStatus.ENCRYPTED, encrypted_as, detail="protected by a password"
            )
        check_extent(data, kind)
    except NotAZip as exc:
        return FormReading(ReadingStatus.UNREADABLE, kind, detail=str(exc))
    except UnsafeFile as exc:
        return FormReading(ReadingStatus.REFUSED, kind, detail=str(exc))
    return None


def read_html_form(html: str, official: frozenset[str] = frozenset()) -> FormReading:
    """Read a table pasted into the email itself."""
    return read_grids(html_grids(html), "html", official)


def _grids(kind: str, data: bytes) -> list[Grid] | None:
    if kind in SPREADSHEETS:
        return spreadsheet_grids(data)
    if kind == "docx":
        return docx_grids(data)
    if kind == "html":
        return html_grids(decode_raw_bytes(data))
    if kind == "csv":
        return csv_grids(data)
    return None


def read_grids(grids: list[Grid], kind: str, official: frozenset[str]) -> FormReading:
    """The form in the best table of all: the one whose header names most columns."""
    best = None
    for grid in [*grids, *_legacy_text(grids)]:
        header = find_header(grid.rows)
        if header and (best is None or header.score > best[1].score):
            best = (grid, header)
    if best is None:
        return FormReading(ReadingStatus.NO_TABLE, kind, detail="no table with the form's columns")
    grid, header = best
    columns = resolve_address(header, grid.rows)
    above = [[line] for line in grid.preamble] + grid.rows[: header.row - header.height + 1]
    reading = FormReading(
        ReadingStatus.READ, kind, sheet=grid.name, unit_line=unit_line(above, len(above))
    )
    seen: set[str] = set()
    for row_number, values in data_rows(grid.rows, header, columns):
        sheet = grid.name if grid.is_sheet else ""
        reading.rows.append(_checked_row(sheet, row_number, values, seen, official))
    return reading


def _legacy_text(grids: list[Grid]) -> list[Grid]:
    """The sheets whose text looks like TCVN3 mojibake, converted: tried only after the
    sheets as they are, so a Unicode sheet is never changed."""
    converted = []
    for grid in grids:
        rows = [[from_tcvn3(cell) for cell in row] for row in grid.rows]
        if rows != grid.rows:
            preamble = [from_tcvn3(p) for p in grid.preamble]
            converted.append(Grid(grid.name, rows, preamble, grid.is_sheet))
    return converted


def _checked_row(
    sheet: str, row: int, values: dict[str, str], seen: set[str], official: frozenset[str]
) -> FormRow:
    values = dict(values)
    if "phone" in values:
        values["phone"] = clean_phone(values["phone"])
    if "email" in values:
        values["email"] = "; ".join(split_emails(values["email"]))
    key = normalize_url(values.get("url", ""))
    platform = platform_of(values.get("platform", ""), key)
    name_folded = fold(values.get("name", ""))
    errors, warnings = row_findings(values, key, platform, seen, official, name_folded)
    if key:
        seen.add(key)
    return FormRow(sheet, row, values, key, platform, errors, warnings, name_folded)
