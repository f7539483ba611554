"""Blank templates of the two forms of tests/support/form_specs.py, built the way staff
write them: letterhead and title lines, merged cells, a column-number row, empty bordered
rows, drop-down lists; as xlsx, docx, ods and (through LibreOffice Calc) xls."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from docx import Document
from openpyxl import Workbook
from openpyxl.styles import Border, Side
from openpyxl.worksheet.datavalidation import DataValidation

CORPUS = Path(__file__).parent.parent / "data" / "forms"
LETTERHEAD = [
    "BAN CHẤP HÀNH ĐOÀN TỈNH NINH THUẬN",
    "BAN TUYÊN GIÁO",
]
ADMINS_TITLE = "DANH SÁCH CÁN BỘ QUẢN TRỊ TRANG"
RESULTS_TITLE = "KẾT QUẢ TUYÊN TRUYỀN QUÝ IV/2026"
ADMINS_TITLES = [
    *LETTERHEAD,
    ADMINS_TITLE,
    "(Kèm theo Công văn số 431-CV/TĐTN-TG ngày 02/12/2026)",
    "Đơn vị: ......................................",
]
RESULTS_TITLES = [*LETTERHEAD, RESULTS_TITLE, "Đơn vị: ......................................"]
ADMINS_HEADER = [
    "STT",
    "Họ và tên (*)",
    "Ngày sinh",
    "Giới tính",
    "Chức vụ",
    "Số điện thoại (*)",
    "Email",
    "Trang phụ trách (đường dẫn) (*)",
    "Ghi chú",
]
# RESULTS' two-row header: (top text, columns it spans) then the sub-headers below.
RESULTS_TOP = [
    ("STT", 1),
    ("Trang", 2),
    ("Kết quả đăng tin", 3),
    ("Có kiểm duyệt trước khi đăng", 1),
    ("Tỷ lệ tương tác (%)", 1),
    ("Ghi chú", 1),
]
RESULTS_SUB = [
    "",
    "Tên trang (*)",
    "Đường dẫn (*)",
    "Số tin bài đăng trong quý",
    "Lượt tiếp cận",
    "Ngày đăng bài nổi bật nhất",
    "",
    "",
    "",
]
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


# --- Building the templates ------------------------------------------------------------


def _titles(sheet, lines: list[str], width: int) -> int:
    """Title lines merged across the table, as staff centre them; the next free row."""
    for row, line in enumerate(lines, 1):
        sheet.cell(row, 1, line)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    return len(lines) + 2  # a blank line before the table


def _numbers_and_blank_rows(sheet, row: int, width: int) -> None:
    for column in range(1, width + 1):
        sheet.cell(row, column, f"({column})").border = BOX
    for blank in range(row + 1, row + 4):
        for column in range(1, width + 1):
            sheet.cell(blank, column).border = BOX


def _drop_down(sheet, formula: str, column: str, first: int, last: int) -> None:
    validation = DataValidation(type="list", formula1=formula, allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add(f"{column}{first}:{column}{last}")


def saved(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def admins_xlsx(header: list[str] = ADMINS_HEADER, drop_down: bool = True) -> bytes:
    return saved(admins_book(header, drop_down))


def admins_book(header: list[str] = ADMINS_HEADER, drop_down: bool = True) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    row = _titles(sheet, ADMINS_TITLES, len(header))
    for column, text in enumerate(header, 1):
        sheet.cell(row, column, text).border = BOX
    _numbers_and_blank_rows(sheet, row + 1, len(header))
    if drop_down:
        _drop_down(sheet, '"Nam,Nữ"', "D", row + 2, row + 200)
    return workbook


def results_xlsx(list_in_cells: bool = False) -> bytes:
    return saved(results_book(list_in_cells))


def results_book(list_in_cells: bool = False) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kết quả"
    width = len(RESULTS_SUB)
    top = _titles(sheet, RESULTS_TITLES, width)
    column = 1
    for text, span in RESULTS_TOP:
        sheet.cell(top, column, text).border = BOX
        last = column + span - 1
        if span > 1:
            sheet.merge_cells(start_row=top, start_column=column, end_row=top, end_column=last)
        elif not RESULTS_SUB[column - 1]:  # a title alone: merged down over both rows
            sheet.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=last)
        column = last + 1
    for column, text in enumerate(RESULTS_SUB, 1):
        if text:
            sheet.cell(top + 1, column, text).border = BOX
    _numbers_and_blank_rows(sheet, top + 2, width)
    if list_in_cells:  # the list kept in cells of a second sheet, as some staff do
        lists = workbook.create_sheet("DM")
        lists["A1"], lists["A2"] = "Có", "Không"
        _drop_down(sheet, "DM!$A$1:$A$2", "G", top + 3, top + 200)
    else:
        _drop_down(sheet, '"Có,Không"', "G", top + 3, top + 200)
    return workbook


def document_with(lines: list[str]):
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    return document


def docx_bytes(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def admins_docx() -> bytes:
    document = document_with(ADMINS_TITLES)
    table = document.add_table(rows=5, cols=len(ADMINS_HEADER))
    table.style = "Table Grid"
    for column, text in enumerate(ADMINS_HEADER):
        table.cell(0, column).text = text
        table.cell(1, column).text = f"({column + 1})"
    return docx_bytes(document)


def results_docx() -> bytes:
    document = document_with(RESULTS_TITLES)
    table = document.add_table(rows=6, cols=len(RESULTS_SUB))
    table.style = "Table Grid"
    column = 0
    for text, span in RESULTS_TOP:
        cell = table.cell(0, column)
        if span > 1:
            cell = cell.merge(table.cell(0, column + span - 1))
        elif not RESULTS_SUB[column]:
            cell = cell.merge(table.cell(1, column))
        cell.text = text
        column += span
    for column, text in enumerate(RESULTS_SUB):
        if text:
            table.cell(1, column).text = text
        table.cell(2, column).text = f"({column + 1})"
    return docx_bytes(document)


_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
 manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIME}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def _ods_cell(sheet, row: int, column: int, spans: dict, covered: set) -> str:
    if (row, column) in covered:
        return "<table:covered-table-cell/>"
    rows, columns = spans.get((row, column), (1, 1))
    span = f' table:number-rows-spanned="{rows}" table:number-columns-spanned="{columns}"'
    value = sheet.cell(row, column).value
    if value is None:
        return f"<table:table-cell{span}/>"
    text = escape(str(value))
    string = f'office:value-type="string"><text:p>{text}</text:p>'
    return f"<table:table-cell{span} {string}</table:table-cell>"


def _ods_table(sheet) -> str:
    spans, covered = {}, set()
    for merged in sheet.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = (merged.size["rows"], merged.size["columns"])
        for row, column in merged.cells:
            if (row, column) != (merged.min_row, merged.min_col):
                covered.add((row, column))
    rows = []
    for row in range(1, sheet.max_row + 1):
        cells = [
            _ods_cell(sheet, row, column, spans, covered)
            for column in range(1, sheet.max_column + 1)
        ]
        rows.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    return f'<table:table table:name="{escape(sheet.title)}">{"".join(rows)}</table:table>'


def ods_of(workbook: Workbook) -> bytes:
    """The workbook's cells and merges as an OpenDocument spreadsheet (a hand-written
    content.xml: no ODS writer is installed). Drop-down lists are left out."""
    tables = "".join(_ods_table(sheet) for sheet in workbook.worksheets)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content xmlns:office="{_ODS_OFFICE}"'
        f' xmlns:table="{_ODS_TABLE}" xmlns:text="{_ODS_TEXT}" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", _ODS_MIME, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def converted(data: bytes, suffix: str, to: str, tmp_path: Path) -> bytes:
    """The template as LibreOffice saves it in another format (`make test` installs
    LibreOffice Calc: with Writer alone, LibreOffice cannot load a spreadsheet)."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.fail("LibreOffice is not installed: `make test` installs libreoffice-calc-nogui")
    source = tmp_path / f"template.{suffix}"
    profile = tmp_path / "profile"
    command = [office, f"-env:UserInstallation=file://{profile}", "--headless"]
    command += ["--convert-to", to, "--outdir", str(tmp_path), str(source)]
    env = {**os.environ, "HOME": str(tmp_path)}
    tmp_path.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    subprocess.run(command, check=True, capture_output=True, timeout=180, env=env)
    target = tmp_path / f"template.{to}"
    if not target.exists():
        pytest.fail("LibreOffice Calc is not installed: `make test` installs it")
    return target.read_bytes()
