"""The two documents of the consolidated reply: the workbook (xlsx) and the cover letter (docx).

Their texts are in templates/documents/ (staff adapt them there); here, the figures and layout.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import NamedTuple

import xlsxwriter
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from mailin.forms.columns import ROW_COLUMNS, ValueKind
from portal.i18n import show_number
from portal.labels import FINDINGS, PLATFORMS
from portal.models import Dispatch, ReportSettings
from portal.services.consolidated_reply import form_sheets
from portal.services.consolidated_reply.figures import Figures, accepted_rows, rejected
from portal.texts import block_line, block_lines

LETTER = "documents/cover_letter.txt"  # the letter's texts (staff adapt them there)
WORKBOOK = "documents/workbook.txt"  # the workbook's sheet names and labels

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_CELL_TEXT = 32_767  # Excel's limit: xlsxwriter would leave a longer cell empty
# A cell that is a plain number (no leading zero, no formula sign but a minus): written as
# a number in the columns where a unit may have typed one (a note, a count).
_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d*[1-9])?")


def text(value: object) -> str:
    """A cell's text without control characters (they break Excel and hide content), cut
    to what a cell holds."""
    cell = value if isinstance(value, str) else str(value or "")
    # Nearly every cell is printable, and then has no control character: no regex to run.
    if not cell.isprintable():
        cell = _CONTROL.sub("", cell)
    return cell[:MAX_CELL_TEXT]


def write_cell(sheet, row: int, column: int, value: object, numbers: bool = False) -> None:
    """Text always as text (never a formula: '=HYPERLINK(...)', '+cmd|...', '@SUM(1)' stay
    inert); a genuine number such as '-5' as a number where numbers are allowed. An empty
    text is no cell at all (Excel would count a cell holding "" as filled, not blank)."""
    cell = text(value)
    if not cell:
        return
    if numbers and _NUMBER.fullmatch(cell):
        sheet.write_number(row, column, float(cell) if "." in cell else int(cell))
    else:
        sheet.write_string(row, column, cell)


def workbook(result: dict, counted: Figures, today: dt.date) -> bytes:
    """The consolidated workbook. Every text is written as text (a unit's '=HYPERLINK(...)'
    stays inert), in constant-memory mode so a large dispatch does not fill the memory."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            # Rows go to a temporary file as they are written. (With in_memory, xlsxwriter
            # silently turns constant_memory off and keeps every cell until close.)
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    formats = {
        "head": book.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
            }
        ),
        "bold": book.add_format({"bold": True}),
        "date": book.add_format({"num_format": "dd/mm/yyyy", "align": "left"}),
    }
    _summary_sheet(book, formats, result, counted, today)
    if "form" in result["dispatch"]:  # the dispatch's own form (form_sheets.py)
        form_sheets.form_rows_sheet(book, formats, result, counted, text)
        form_sheets.units_sheet(book, formats, result, counted, text)
    else:
        _rows_sheet(book, formats, result)
    _missing_sheet(book, formats, counted)
    book.close()
    return buffer.getvalue()


def _printable(sheet, landscape: bool = True) -> None:
    """Printed on A4, every column on one page width, the header row on every page."""
    if landscape:
        sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def _label(block: str, **context) -> str:
    """A sheet name or label of the workbook, from its template."""
    return block_line(WORKBOOK, block, **context)


def _summary_sheet(book, formats, result, counted: Figures, today: dt.date) -> None:
    sheet = book.add_worksheet(_label("summary_sheet"))
    _printable(sheet, landscape=False)
    sheet.set_column(0, 0, 80)
    sheet.set_column(1, 1, 30)
    form_title = _summary_title(result["dispatch"])
    sheet.write_string(0, 0, text(_label("title", form_title=form_title)), formats["bold"])
    for row, (label, value) in enumerate(_summary_lines(result, counted, today), start=2):
        sheet.write_string(row, 0, text(label))
        if isinstance(value, dt.date):
            sheet.write_datetime(row, 1, dt.datetime.combine(value, dt.time()), formats["date"])
        elif isinstance(value, int | float):
            sheet.write_number(row, 1, value)
        else:
            sheet.write_string(row, 1, text(value))


def _summary_title(dispatch: dict) -> str:
    """The title of the dispatch's own form ('' for the sites-and-pages form)."""
    if "form" not in dispatch:
        return ""
    return dispatch["form"].get("title", "") or dispatch["subject"]


def _summary_lines(result: dict, counted: Figures, today: dt.date) -> list[tuple[str, object]]:
    """(label, value) of each line of the summary sheet, from top to bottom."""
    dispatch = result["dispatch"]
    lines: list[tuple[str, object]] = [
        (_label("number"), dispatch["number"]),
        (_label("subject"), dispatch["subject"]),
        (_label("issued"), dt.date.fromisoformat(dispatch["issued"])),
        (_label("deadline"), dt.date.fromisoformat(dispatch["deadline"])),
        (_label("compiled"), today),
        (_label("units"), counted.units),
        (_label("on_time"), counted.on_time),
        (_label("late"), counted.late),
        (_label("not_reported"), len(counted.missing)),
        (_label("rows", form_title=_summary_title(dispatch)), counted.rows),
    ]
    headers = {c["key"]: c["header"] for c in dispatch.get("form", {}).get("columns", [])}
    lines += [(_label("total", header=headers[key]), n) for key, n in counted.totals.items()]
    lines += [
        (_label("platform", label=PLATFORMS.get(key, key)), n)
        for key, n in sorted(counted.by_platform.items())
    ]
    lines.append((_label("with_warnings"), counted.with_warnings))
    lines += [
        (_label("finding", label=FINDINGS.get(code, code)), n)
        for code, n in sorted(counted.by_warning.items())
    ]
    return lines


def _rows_sheet(book, formats, result) -> None:
    sheet = book.add_worksheet(_label("rows_sheet"))
    _printable(sheet)
    columns = _rows_sheet_columns()
    for index, (title, width, _numbers) in enumerate(columns):
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, title, formats["head"])
    sheet.freeze_panes(1, 0)
    # The labels once, as text: each lazy label would be translated again for every cell.
    platforms = {key: str(label) for key, label in PLATFORMS.items()}
    findings = {code: str(label) for code, label in FINDINGS.items()}
    row = 0
    for unit in result["units"]:
        for entry in accepted_rows(unit):
            row += 1
            values = _row_values(unit, entry, platforms)
            values.append("; ".join(findings.get(c, c) for c in entry["warnings"]))
            for index, value in enumerate(values):
                write_cell(sheet, row, index, value, columns[index][2])
    sheet.autofilter(0, 0, max(row, 1), len(columns) - 1)


def _rows_sheet_columns() -> list[tuple[str, int, bool]]:
    """(heading, width, numbers allowed) of each column of the rows sheet: the unit, the
    form's columns (columns.py) with the normalised address after the address, the warnings."""
    columns = [(_label("unit_code_heading"), 10, False), (_label("unit_name_heading"), 30, False)]
    for column in ROW_COLUMNS:
        columns.append((column.header, column.width, column.numbers_allowed))
        if column.kind == ValueKind.URL:
            columns.append((_label("normalized_heading"), 34, False))
    columns.append((_label("warnings_heading"), 40, False))
    return columns


def _row_values(unit: dict, entry: dict, platforms: dict[str, str]) -> list:
    """A row's cells in the order of _rows_sheet_columns, but for the warnings."""
    values = [unit["code"], unit["name"]]
    for column in ROW_COLUMNS:
        value = entry[column.key]
        values.append(platforms.get(value, value) if column.kind == ValueKind.PLATFORM else value)
        if column.kind == ValueKind.URL:
            values.append(entry["url_normalized"])
    return values


def _missing_sheet(book, formats, counted: Figures) -> None:
    """The units not reported: none sent, or their return was rejected (Tình trạng)."""
    sheet = book.add_worksheet(_label("missing_sheet"))
    _printable(sheet)
    for column, (block, width) in enumerate(
        [("code_heading", 12), ("unit_heading", 44), ("contact_heading", 50), ("state_heading", 24)]
    ):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, text(_label(block)), formats["head"])
    sheet.freeze_panes(1, 0)
    states = {flag: _label("state", rejected=flag) for flag in (True, False)}
    missing = counted.not_reported
    for row, unit in enumerate(missing, start=1):
        state = states[rejected(unit)]
        for column, value in enumerate((unit["code"], unit["name"], unit["contact"], state)):
            write_cell(sheet, row, column, value)
    sheet.autofilter(0, 0, max(len(missing), 1), 3)


def cover_letter(
    dispatch: Dispatch, counted: Figures, settings: ReportSettings, today: dt.date
) -> bytes:
    """The letter upstream, laid out like the seed dispatch (header table, V/v, Kính gửi...)."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    for section in document.sections:
        section.left_margin, section.right_margin = Cm(3), Cm(2)
    context = _letter_context(dispatch, counted, settings, today)
    _letter_header(document, settings, context)
    addressee = block_line(LETTER, "addressee", **context)
    _paragraph(document, addressee, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for line in block_lines(LETTER, "body", **context):
        _paragraph(document, line, indent=True)
    _letter_footer(document, settings, context)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def letter_filename(number: str) -> str:
    """The attached letter's file name ('.docx' added), number already fit for a file name."""
    return block_line(LETTER, "filename", number=number) + ".docx"


def workbook_filename(number: str) -> str:
    """The attached workbook's file name ('.xlsx' added), number already fit for a file name."""
    return block_line(WORKBOOK, "filename", number=number) + ".xlsx"


class MissingUnit(NamedTuple):
    """A unit not reported, as the letter names it."""

    name: str
    rejected: bool  # its return was rejected (rather than never sent)


class Total(NamedTuple):
    header: str
    value: str


class PlatformCount(NamedTuple):
    label: str
    count: int


def _letter_context(
    dispatch: Dispatch, counted: Figures, settings: ReportSettings, today: dt.date
) -> dict:
    """What the letter's template may say (its top comment lists them)."""
    return dict(
        settings=settings,
        dispatch=dispatch,
        issued=f"{dispatch.issued_on:%d/%m/%Y}",
        day=f"{today.day:02d}",
        month=f"{today.month:02d}",
        year=str(today.year),
        units=counted.units,
        reported=counted.on_time + counted.late,
        on_time=counted.on_time,
        late=counted.late,
        missing=[MissingUnit(unit["name"], rejected(unit)) for unit in counted.not_reported],
        rows=counted.rows,
        platforms=[
            PlatformCount(str(PLATFORMS.get(key, key)), n)
            for key, n in sorted(counted.by_platform.items())
        ],
        warnings=counted.by_warning,
        form_title=_form_title(dispatch),
        totals=[
            Total(field.header, show_number(counted.totals[field.key]))
            for field in (dispatch.form_spec.fields if dispatch.form_spec else ())
            if field.key in counted.totals
        ],
    )


def _form_title(dispatch: Dispatch) -> str:
    """What the dispatch's own form is called ('' for the sites-and-pages form)."""
    spec = dispatch.form_spec
    return (spec.title or dispatch.subject) if spec else ""


def _letter_header(document, settings: ReportSettings, context: dict) -> None:
    table = document.add_table(rows=3, cols=2)
    left = [
        settings.parent_body,
        settings.issuing_body,
        block_line(LETTER, "number", **context),
    ]
    right = [
        block_line(LETTER, "organisation", **context),
        "",
        block_line(LETTER, "date_line", **context),
    ]
    for row, (a, b) in enumerate(zip(left, right, strict=True)):
        for column, value in ((0, a), (1, b)):
            cell = table.cell(row, column).paragraphs[0]
            cell.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = cell.add_run(text(value))
            run.bold = (column == 0 and row < 2) or (column == 1 and row == 0)
            run.italic = row == 2 and column == 1
    subject = block_line(LETTER, "regarding", **context)
    cell = table.cell(2, 0).add_paragraph()
    cell.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell.add_run(text(subject)).italic = True


def _letter_footer(document, settings: ReportSettings, context: dict) -> None:
    table = document.add_table(rows=1, cols=2)
    left = table.cell(0, 0).paragraphs[0]
    left.add_run(text(block_line(LETTER, "copies_heading", **context))).bold = True
    for line in settings.copies_to.splitlines():
        table.cell(0, 0).add_paragraph(text(line)).runs[0].font.size = Pt(11)
    right = table.cell(0, 1)
    for index, line in enumerate(
        [settings.on_behalf, settings.signer_title, "", "", "", settings.signer_name]
    ):
        paragraph = right.paragraphs[0] if index == 0 else right.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(text(line)).bold = True


def _paragraph(
    document, line: str, bold: bool = False, indent: bool = False, align=WD_ALIGN_PARAGRAPH.JUSTIFY
) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    paragraph.add_run(text(line)).bold = bold
