"""The data rows under a header: column numbers, blank rows and the signature block left out."""

from __future__ import annotations

import re

from mailin.forms.header import AMBIGUOUS_ADDRESS, Header
from mailin.text import fold
from mailin.urls import normalize_url

# A row starting like this ends the table: signature block, notes, place and date.
_END_OF_TABLE = re.compile(
    r"^(nguoi lap|tm\b|t/m\b|tm\.|ban thuong vu|noi nhan|ghi chu\s*:|luu y\s*:|xac nhan|"
    r"thu truong|bi thu\b|pho bi thu|ky ten|\(ky|chu tich|giam doc|truong ban)"
    r"|.*\bngay\b.*\bthang\b.*\bnam\b"
)
_UNIT_LINE = re.compile(r"^\s*(ten\s+)?don\s+vi\s*:", re.IGNORECASE)


def unit_line(rows: list[list[str]], before: int) -> str:
    """The unit named above the table ('Đơn vị: Huyện Đoàn Ninh Hải'), or ''."""
    for cells in rows[:before]:
        for index, cell in enumerate(cells):
            if _UNIT_LINE.match(fold(cell)):
                named = cell.split(":", 1)[1].strip()
                if not named:  # "Đơn vị:" in one cell, the name in the next
                    named = next((c for c in cells[index + 1 :] if c), "")
                return named
    return ""


def resolve_address(header: Header, rows: list[list[str]]) -> dict[str, int]:
    """Column keys with a lone 'Địa chỉ' decided by its values: URLs, or a street address."""
    columns = dict(header.columns)
    index = columns.pop(AMBIGUOUS_ADDRESS, None)
    if index is None:
        return columns
    values = [
        cells[index] for cells in rows[header.row + 1 :] if index < len(cells) and cells[index]
    ][:20]
    url_like = sum(1 for v in values if " " not in v.strip() and normalize_url(v))
    key = "url" if values and url_like * 2 > len(values) and "url" not in columns else "contact"
    columns.setdefault(key, index)
    return columns


def _is_column_numbers(cells: list[str]) -> bool:
    """The row of column numbers some forms put under the header: 1 2 3... or (1) (2)..."""
    numbers = [c.strip("().- ") for c in cells if c]
    return (
        len(numbers) >= 3
        and all(n.isdigit() for n in numbers)
        and [int(n) for n in numbers] == sorted(int(n) for n in numbers)
    )


def data_rows(
    rows: list[list[str]], header: Header, columns: dict[str, int]
) -> list[tuple[int, dict[str, str]]]:
    """(1-based source row, values by key) for each row of data under the header."""
    found = []
    for index in range(header.row + 1, len(rows)):
        cells = rows[index]
        first = next((c for c in cells if c), "")
        if not first:
            continue  # blank rows inside the table are tolerated
        if _END_OF_TABLE.match(fold(first)):
            break
        if index == header.row + 1 and _is_column_numbers(cells):
            continue
        values = {
            key: cells[col] if col < len(cells) else ""
            for key, col in columns.items()
            if key != "seq"
        }
        if any(values.values()):
            found.append((index + 1, values))
    return found
