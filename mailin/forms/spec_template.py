"""The blank form of a dispatch with its own form (spec.py), as an xlsx a unit fills in and
the reader reads back (generic.py): the title, the 'Đơn vị:' line, the form's headers
(required ones marked '(*)'), numbered empty rows, drop-down lists for choices and yes/no,
and a sheet explaining each column."""

from __future__ import annotations

import io

import xlsxwriter

from mailin.forms.spec import FieldType, FormField, FormSpec
from mailin.forms.template import BLANK_ROWS, HEADER_ROW, drop_down

YES_NO = ["Có", "Không"]
# What each type asks of the unit, on the instructions sheet.
HOW_TO_FILL = {
    FieldType.TEXT: "chữ",
    FieldType.URL: "địa chỉ trang đầy đủ, ví dụ https://www.facebook.com/tuoitreninhhai",
    FieldType.PHONE: "số điện thoại, ghi đủ số 0 ở đầu",
    FieldType.EMAIL: "địa chỉ email",
    FieldType.INTEGER: "số nguyên, ví dụ 1250 hoặc 1.250",
    FieldType.DECIMAL: "số, ví dụ 12,5",
    FieldType.DATE: "ngày/tháng/năm, ví dụ 05/03/1998",
    FieldType.CHOICE: "chọn trong danh sách",
    FieldType.YESNO: "Có hoặc Không",
}
WIDTHS = {FieldType.URL: 40, FieldType.TEXT: 28, FieldType.EMAIL: 28, FieldType.DATE: 14}


def spec_blank_form(spec: FormSpec, number: str, subject: str, unit_name: str = "") -> bytes:
    """The form for a dispatch, optionally with the unit's name in its 'Đơn vị:' line."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet((spec.title or "Biểu mẫu")[:31].translate(_NOT_IN_NAME))
    _title_lines(workbook, sheet, spec, f"(Kèm theo Công văn số {number} — {subject})", unit_name)
    _header_and_rows(workbook, sheet, spec.fields)
    for index, field in enumerate(spec.fields, start=1):
        _drop_down(sheet, index, field)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    _instructions_sheet(workbook, spec)
    workbook.close()
    return buffer.getvalue()


_NOT_IN_NAME = str.maketrans({character: " " for character in "[]:*?/\\"})


def header_of(field: FormField) -> str:
    return f"{field.header} (*)" if field.required else field.header


def _title_lines(workbook, sheet, spec: FormSpec, dispatch_line: str, unit_name: str) -> None:
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "align": "center", "font_size": 13})
    italic = workbook.add_format({"italic": True, "align": "center"})
    last = max(len(spec.fields), 1)
    sheet.write_string(0, 0, "ĐOÀN TNCS HỒ CHÍ MINH", bold)
    sheet.write_string(1, 0, f"Đơn vị: {unit_name}", bold)
    sheet.merge_range(3, 0, 3, last, (spec.title or "BIỂU MẪU BÁO CÁO").upper(), title)
    sheet.merge_range(4, 0, 4, last, dispatch_line, italic)


def _header_and_rows(workbook, sheet, fields: tuple[FormField, ...]) -> None:
    """'STT' and the headers; numbered empty rows, text cells but for numbers and dates
    (a phone keeps its leading 0)."""
    header = workbook.add_format(
        {"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center", "border": 1}
    )
    header.set_bg_color("#DDEBF7")
    cells = {
        "text": workbook.add_format({"border": 1, "text_wrap": True, "num_format": "@"}),
        "number": workbook.add_format({"border": 1, "num_format": "#,##0.##"}),
        "date": workbook.add_format({"border": 1, "num_format": "dd/mm/yyyy"}),
    }
    sheet.set_column(0, 0, 6)
    sheet.write_string(HEADER_ROW, 0, "STT", header)
    for index, field in enumerate(fields, start=1):
        sheet.set_column(index, index, WIDTHS.get(field.type, 18))
        sheet.write_string(HEADER_ROW, index, header_of(field), header)
    sheet.set_row(HEADER_ROW, 32)
    for offset in range(1, BLANK_ROWS + 1):
        sheet.write_number(HEADER_ROW + offset, 0, offset, cells["text"])
        for index, field in enumerate(fields, start=1):
            sheet.write_blank(HEADER_ROW + offset, index, None, cells[_cell_kind(field)])


def _cell_kind(field: FormField) -> str:
    if field.type in (FieldType.INTEGER, FieldType.DECIMAL):
        return "number"
    return "date" if field.type == FieldType.DATE else "text"


def _drop_down(sheet, column: int, field: FormField) -> None:
    """A choice's or a yes/no's list."""
    source = list(field.choices) if field.type == FieldType.CHOICE else YES_NO
    if field.type in (FieldType.CHOICE, FieldType.YESNO) and source:
        drop_down(sheet, column, source, field.header, "Hãy chọn một giá trị trong danh sách.")


def _instructions_sheet(workbook, spec: FormSpec) -> None:
    sheet = workbook.add_worksheet("Hướng dẫn")
    sheet.set_column(0, 0, 110)
    wrap = workbook.add_format({"text_wrap": True})
    lines = ["HƯỚNG DẪN ĐIỀN BIỂU MẪU", "Mỗi dòng một mục; các cột đánh dấu (*) là bắt buộc."]
    for field in spec.fields:
        how = HOW_TO_FILL[field.type]
        if field.type == FieldType.CHOICE and field.choices:
            how += ": " + ", ".join(field.choices)
        lines.append(f"– {header_of(field)}: {how}.")
    lines.append(
        "Không đổi tên các cột, không xóa dòng “Đơn vị:”. Gửi lại tệp này (định dạng .xlsx) "
        "bằng cách trả lời thư công văn."
    )
    for row, line in enumerate(lines):
        sheet.write_string(row, 0, line, workbook.add_format({"bold": True}) if row == 0 else wrap)
