"""A return of any dispatch's own form (its FormSpec) read into typed, checked rows.

The sites-and-pages form has its own reader (mailin.forms.read_form) with phrases tuned
over years of returns; a dispatch's form is known only by its spec, so its header is found
by comparing each cell with the spec's headers, their alternatives and, for the kinds of
column every form names differently (phone, email, link), words units use for any of them.
Bytes in, plain data out: the same safety checks as read_form run before any parser.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from mailin.forms import ReadingStatus, _grids, _legacy_text, _refusal
from mailin.forms.grid import Grid, html_grids
from mailin.forms.header import header_words, two_row_cells

# Reused, not copied: a dispatch's return ends where the built-in form's does, and its
# column-number row looks the same.
from mailin.forms.rows import _END_OF_TABLE, _is_column_numbers, unit_line
from mailin.forms.sniff import has_macros, sniff
from mailin.forms.spec import FieldType, FormField, FormSpec
from mailin.forms.typed_values import typed_value
from mailin.text import fold

log = logging.getLogger(__name__)

SEARCH_ROWS = 40
# A totals row ends the table too: its sums are not a unit's row.
_TOTAL = re.compile(r"^(tong cong|tong\s*:|cong\s*:?\s*$|cong\s+\d)")
# A section heading inside the table ("I" | "Cấp huyện", "II. Cấp xã"): not a unit's row.
_SECTION = re.compile(r"^(?:[IVX]+|[A-D])(?:[.)]|$)")
_UNIT_INSIDE = re.compile(r"(?:Tên\s+)?Đơn\s+vị\s*:\s*([^\n]+)", re.IGNORECASE)
_SEQUENCE = frozenset({"stt", "tt", "so tt", "so thu tu", "thu tu"})
# Words units write for a column of a kind, whatever the form calls it: a form's phone
# column is "SĐT" in half the returns however the blank form names it.
TYPE_SYNONYMS: dict[FieldType, tuple[str, ...]] = {
    FieldType.PHONE: (
        "so dien thoai",
        "dien thoai",
        "sdt",
        "so dt",
        "dt",
        "di dong",
        "so di dong",
    ),
    FieldType.EMAIL: ("email", "e mail", "thu dien tu", "dia chi email", "hop thu", "gmail"),
    FieldType.URL: (
        "link",
        "url",
        "duong dan",
        "lien ket",
        "dia chi trang",
        "dia chi url",
        "dia chi truy cap",
    ),
}


@dataclass
class SpecRow:
    sheet: str  # the spreadsheet's sheet name; '' for a table in a document, CSV or email
    row: int  # 1-based, in the source sheet or table
    values: dict[str, object]  # field key -> typed value (typed_values.py), None if empty/bad
    raw: dict[str, str]  # field key -> the cell as typed ('' when the column is missing)
    findings: list[tuple[str, str, str]] = field(default_factory=list)  # (severity, code, key)


@dataclass
class SpecReading:
    status: ReadingStatus
    detected_type: str
    rows: list[SpecRow] = field(default_factory=list)
    sheet: str = ""
    unit_line: str = ""
    missing: list[str] = field(default_factory=list)  # keys of the fields not in the header
    extra_headers: list[str] = field(default_factory=list)  # columns the form does not have
    detail: str = ""
    macros: bool = False  # the file carries macros (VBA, Basic): never run, staff told


@dataclass(frozen=True)
class _Header:
    row: int  # index of the header's last row in the grid
    height: int  # 1 or 2
    columns: dict[str, int]  # field key -> column index
    cells: tuple[str, ...]  # the header as one row (two rows combined)


def words(text: str) -> tuple[str, ...]:
    """A header as comparable words: header_words, without the words units add or drop
    ("Họ và tên" is "Họ tên", "Ngày tháng năm sinh" is "Ngày sinh", "tỷ" is "tỉ")."""
    folded = header_words(text).replace("ngay thang nam", "ngay")
    return tuple("ti" if word == "ty" else word for word in folded.split() if word != "va")


def _is_subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    remaining = iter(long)
    return all(word in remaining for word in short)


def match_score(cell: tuple[str, ...], phrase: tuple[str, ...]) -> tuple[int, int]:
    """How well a header cell names a phrase: (3, n) equal, (2, n) one starts with the other,
    (1, n) the shorter's words all in the longer, in order ("Số bài" for "Số tin bài đăng");
    n the shorter's word count, so the longest match wins. (0, 0) when it does not."""
    if not cell or not phrase:
        return 0, 0
    short, long = sorted((cell, phrase), key=len)
    if cell == phrase:
        return 3, len(short)
    if long[: len(short)] == short:
        return 2, len(short)
    if len(short) >= 2 and _is_subsequence(short, long):
        return 1, len(short)
    return 0, 0


@lru_cache(maxsize=1024)
def field_phrases(spec_field: FormField) -> tuple[tuple[str, ...], ...]:
    """The field's header, its alternatives and its type's synonyms, as words. Cached: a
    spec's fields are compared with every cell of the first rows of every table."""
    texts = [spec_field.header, *spec_field.alternatives, *TYPE_SYNONYMS.get(spec_field.type, ())]
    return tuple(found for found in (words(text) for text in texts) if found)


def map_columns(cells: list[str] | tuple[str, ...], spec: FormSpec) -> dict[str, int]:
    """Field key -> column: the best-matching (cell, field) pairs first, each once."""
    pairs = []
    for column, cell in enumerate(cells):
        cell_words = words(cell)
        if not cell_words or " ".join(cell_words) in _SEQUENCE:
            continue
        for rank, spec_field in enumerate(spec.fields):
            score = max(match_score(cell_words, phrase) for phrase in field_phrases(spec_field))
            if score[0]:
                pairs.append((score, -column, -rank, spec_field.key, column))
    columns: dict[str, int] = {}
    for _score, _column, _rank, key, column in sorted(pairs, reverse=True):
        if key not in columns and column not in columns.values():
            columns[key] = column
    return columns


def combine_rows(top: list[str], bottom: list[str], spec: FormSpec) -> tuple[str, ...]:
    """Two header rows as one (header.two_row_cells, with this spec's fields): a column
    reads its sub-header when that names a field, else its own title, else the group's
    title and its sub-header."""

    def names_field(cell: str) -> bool:
        return bool(map_columns([cell], spec))

    return tuple(two_row_cells(top, bottom, names_field, title_over_sub_header=False))


def find_spec_header(rows: list[list[str]], spec: FormSpec) -> _Header | None:
    """The row (or two rows) in the first SEARCH_ROWS naming most of the spec's fields; on a
    tie ending at the same row, one row (the row above is often the 'Đơn vị:' line)."""
    needed = min(2, max(1, (len(spec.fields) + 1) // 2))
    best: _Header | None = None
    for index, cells in enumerate(rows[:SEARCH_ROWS]):
        candidates = [(index, 1, tuple(cells))]
        if index + 1 < len(rows):
            candidates.append((index + 1, 2, combine_rows(cells, rows[index + 1], spec)))
        for row, height, combined in candidates:
            header = _Header(row, height, map_columns(combined, spec), combined)
            if len(header.columns) < needed:
                continue
            if best is None or _better(header, best):
                best = header
    return best


def _better(header: _Header, best: _Header) -> bool:
    if len(header.columns) != len(best.columns):
        return len(header.columns) > len(best.columns)
    return header.row == best.row and header.height < best.height


def _ends_table(first: str, filled: int) -> bool:
    """Whether a row's first cell (folded) starts the signature block, notes or a total."""
    if _TOTAL.match(first):
        return True
    found = _END_OF_TABLE.match(first)
    if found is None:
        return False
    # Its words ("Người lập", "TM."...) always end it; a date in words only on a short row
    # ("Ninh Hải, ngày 5 tháng 10 năm 2026"): a row of data may begin with a birth date.
    return found.group(1) is not None or filled <= 2


def _cells_under(rows: list[list[str]], header: _Header):
    """(1-based row, field key -> cell) for each row under the header holding any field's
    cell: blank rows and the column-number row skipped, ended by a signature or a total."""
    for index in range(header.row + 1, len(rows)):
        cells = rows[index]
        first = next((cell for cell in cells if cell), "")
        if not first:
            continue
        filled = sum(1 for cell in cells if cell)
        if _ends_table(fold(first), filled):
            break
        if (index == header.row + 1 and _is_column_numbers(cells)) or (
            filled <= 2 and _SECTION.match(first)
        ):
            continue
        raw = {
            key: cells[column] if column < len(cells) else ""
            for key, column in header.columns.items()
        }
        if any(raw.values()):
            yield index + 1, raw


def _unit_in_text(lines: list[str]) -> str:
    """'Đơn vị: ...' inside a line rather than at its start: an email's lines in <div>s reach
    the preamble as one line ('Kính gửi Ban Thường vụ,Đơn vị: Huyện Đoàn Ninh Hải')."""
    for line in lines:
        found = _UNIT_INSIDE.search(line)
        if found and found.group(1).strip():
            return found.group(1).strip()
    return ""


def _comparable(value: object) -> object:
    return fold(value) if isinstance(value, str) else value


def checked_row(
    sheet: str, number: int, cells: dict[str, str], spec: FormSpec, seen: dict[str, set]
) -> SpecRow:
    """One row's typed values and findings; `seen` holds the unique fields' values so far."""
    row = SpecRow(sheet, number, {}, {})
    for spec_field in spec.fields:
        text = cells.get(spec_field.key, "")
        value, code = typed_value(spec_field, text)
        row.raw[spec_field.key], row.values[spec_field.key] = text, value
        if code:
            row.findings.append(("error", code, spec_field.key))
        elif value is None and spec_field.required:
            row.findings.append(("error", "required", spec_field.key))
        if spec_field.unique and value is not None:
            if _comparable(value) in seen[spec_field.key]:
                row.findings.append(("error", "duplicate_in_return", spec_field.key))
            seen[spec_field.key].add(_comparable(value))
    return row


def read_grids_with_spec(grids: list[Grid], kind: str, spec: FormSpec) -> SpecReading:
    """The form in the best table of all: the one whose header names most of its fields."""
    best: tuple[Grid, _Header] | None = None
    for grid in [*grids, *_legacy_text(grids)]:
        header = find_spec_header(grid.rows, spec)
        if header and (best is None or len(header.columns) > len(best[1].columns)):
            best = (grid, header)
    if best is None:
        return SpecReading(ReadingStatus.NO_TABLE, kind, detail="no table with the form's columns")
    grid, header = best
    above = [[line] for line in grid.preamble] + grid.rows[: header.row - header.height + 1]
    named = unit_line(above, len(above)) or _unit_in_text(grid.preamble)
    reading = SpecReading(ReadingStatus.READ, kind, sheet=grid.name, unit_line=named)
    reading.missing = [one.key for one in spec.fields if one.key not in header.columns]
    used = set(header.columns.values())
    reading.extra_headers = [
        cell
        for column, cell in enumerate(header.cells)
        if cell and column not in used and " ".join(words(cell)) not in _SEQUENCE
    ]
    sheet = grid.name if grid.is_sheet else ""
    seen: dict[str, set] = defaultdict(set)
    for number, cells in _cells_under(grid.rows, header):
        reading.rows.append(checked_row(sheet, number, cells, spec, seen))
    return reading


def read_html_with_spec(html: str, spec: FormSpec) -> SpecReading:
    """A table pasted into the email itself."""
    try:
        return read_grids_with_spec(html_grids(html), "html", spec)
    except Exception as exc:  # a hostile email must not stop the reading of the others
        log.info("unreadable html: %s", exc)
        return SpecReading(ReadingStatus.UNREADABLE, "html", detail=_why(exc))


def read_with_spec(data: bytes, spec: FormSpec) -> SpecReading:
    """Read a file a unit attached, checked as read_form checks it before any parser runs."""
    kind, macros = "binary", False
    try:
        # Inside the try: a corrupt zip makes sniffing and the safety check raise errors
        # they do not expect (NotImplementedError for an odd version, zlib.error).
        kind = sniff(data)
        refused = _refusal(data, kind)
        if refused is not None:
            return SpecReading(refused.status, refused.detected_type, detail=refused.detail)
        macros = has_macros(data, kind)
        kind = "xls" if kind == "cfb" else kind
        grids = _grids(kind, data)
        if grids is None:
            reading = SpecReading(
                ReadingStatus.UNREADABLE, kind, detail=f"{kind} files are not read"
            )
        else:
            reading = read_grids_with_spec(grids, kind, spec)
    except Exception as exc:  # each library raises its own types for a broken file
        log.info("unreadable %s: %s", kind, exc)
        reading = SpecReading(ReadingStatus.UNREADABLE, kind, detail=_why(exc))
    reading.macros = macros
    return reading


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
