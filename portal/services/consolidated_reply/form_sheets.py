"""The consolidated workbook's sheets for a dispatch with its own form: the rows with the
form's columns (numbers as numbers, a total under each number column), and a line per unit
with its count of rows and its totals.

The sites-and-pages form keeps its own rows sheet (documents.py)."""

from __future__ import annotations

from mailin.forms.spec import FieldType
from portal.labels import FIELD_FINDINGS
from portal.services.consolidated_reply.figures import Figures, accepted_rows, reported
from portal.services.spec_rows import show_value
from portal.texts import block_line

WORKBOOK = "documents/workbook.txt"
NUMBERS = ("integer", "decimal")
WIDTHS = {"text": 28, "url": 40, "email": 28, "date": 14, "yesno": 12, "phone": 16}


def _label(block: str, **context) -> str:
    return block_line(WORKBOOK, block, **context)


def form_rows_sheet(book, formats, result: dict, counted: Figures, text) -> None:
    """Every row sent upstream under the form's own headers, the unit first, its warnings
    last; a line of totals under the number columns."""
    columns = result["dispatch"]["form"]["columns"]
    sheet = book.add_worksheet(_label("form_rows_sheet"))
    headings = [_label("unit_code_heading"), _label("unit_name_heading")]
    headings += [column["header"] for column in columns] + [_label("warnings_heading")]
    _headings(sheet, formats, headings, [10, 30, *(_width(c) for c in columns), 40])
    warnings = {code: str(label) for code, label in FIELD_FINDINGS.items()}
    row = 0
    for unit in result["units"]:
        for entry in accepted_rows(unit):
            row += 1
            sheet.write_string(row, 0, text(unit["code"]))
            sheet.write_string(row, 1, text(unit["name"]))
            for index, column in enumerate(columns, start=2):
                _write_value(sheet, row, index, column, entry.get(column["key"]), text)
            found = "; ".join(warnings.get(code, code) for code in entry["warnings"])
            if found:
                sheet.write_string(row, len(columns) + 2, text(found))
    sheet.autofilter(0, 0, max(row, 1), len(headings) - 1)
    _totals_line(sheet, formats, row + 1, columns, counted.totals, first=2)


def units_sheet(book, formats, result: dict, counted: Figures, text) -> None:
    """One line per unit that reported: its rows sent upstream and its totals of the
    columns that add up."""
    columns = [c for c in result["dispatch"]["form"]["columns"] if c["key"] in counted.totals]
    sheet = book.add_worksheet(_label("units_sheet"))
    headings = [_label("unit_code_heading"), _label("unit_name_heading"), _label("rows_heading")]
    headings += [column["header"] for column in columns]
    _headings(sheet, formats, headings, [10, 30, 10, *(16 for _ in columns)])
    row = 0
    for unit in result["units"]:
        if not reported(unit):
            continue
        row += 1
        rows = accepted_rows(unit)
        sheet.write_string(row, 0, text(unit["code"]))
        sheet.write_string(row, 1, text(unit["name"]))
        sheet.write_number(row, 2, len(rows))
        for index, column in enumerate(columns, start=3):
            sheet.write_number(row, index, _sum(rows, column["key"]))


def _headings(sheet, formats, headings: list[str], widths: list[int]) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    for index, (heading, width) in enumerate(zip(headings, widths, strict=True)):
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, heading, formats["head"])
    sheet.freeze_panes(1, 0)


def _width(column: dict) -> int:
    return 14 if column["type"] in NUMBERS else WIDTHS.get(column["type"], 24)


def _write_value(sheet, row: int, index: int, column: dict, value, text) -> None:
    """A number as a number (Excel sums it); anything else as the text staff read on the
    review page (dates dd/mm/yyyy, yes/no in words), never as a formula."""
    if column["type"] in NUMBERS and isinstance(value, int | float):
        if not isinstance(value, bool):
            sheet.write_number(row, index, value)
            return
    shown = show_value(FieldType(column["type"]), value)
    if shown:
        sheet.write_string(row, index, text(shown))


def _totals_line(sheet, formats, row: int, columns, totals: dict, first: int) -> None:
    """'Tổng cộng' and the sum of each number column that adds up (not a rate), under the
    rows."""
    if not totals:
        return
    sheet.write_string(row, 1, _label("total_row"), formats["bold"])
    for index, column in enumerate(columns, start=first):
        if column["key"] in totals:
            sheet.write_number(row, index, totals[column["key"]], formats["bold"])


def _sum(rows: list[dict], key: str) -> int | float:
    return sum(
        value
        for value in (row.get(key) for row in rows)
        if isinstance(value, int | float) and not isinstance(value, bool)
    )
