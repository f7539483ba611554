"""The blank return form (docs/form.md, "The blank form"), as an xlsx a unit fills in and
the reader reads back: its columns are columns.COLUMNS."""

from __future__ import annotations

import io

import xlsxwriter

from mailin.forms.columns import COLUMNS, ValueKind

PLATFORM_CHOICES = [
    "Trang thông tin điện tử",
    "Fanpage Facebook",
    "Nhóm Facebook",
    "Trang cá nhân Facebook",
    "Zalo OA",
    "TikTok",
    "YouTube",
    "Khác",
]
BLANK_ROWS = 30
INSTRUCTIONS = [
    "HƯỚNG DẪN ĐIỀN BIỂU MẪU",
    "1. Mỗi dòng là một trang thông tin điện tử hoặc một trang/kênh mạng xã hội do đơn vị quản lý.",
    "2. Cột “Tên trang” và “Địa chỉ trang” là bắt buộc. Địa chỉ ghi đầy đủ, ví dụ "
    "https://www.facebook.com/tuoitreninhhai hoặc doanthanhnien.ninhhai.gov.vn.",
    "3. “Loại hình”: chọn trong danh sách (Fanpage, Nhóm, Trang thông tin điện tử...). "
    "Đề nghị dùng Fanpage mang tên tổ chức Đoàn, không dùng trang cá nhân.",
    "4. Khuyến khích dùng tên miền có đuôi .vn cho trang thông tin điện tử.",
    "5. Số điện thoại ghi đủ số 0 ở đầu; nhiều email thì cách nhau bằng dấu chấm phẩy (;).",
    "6. Không đổi tên các cột, không xóa dòng “Đơn vị:”. Gửi lại tệp này (định dạng .xlsx) "
    "bằng cách trả lời thư công văn.",
]


def blank_form(dispatch_number: str, dispatch_subject: str, unit_name: str = "") -> bytes:
    """The form for a dispatch, optionally with the unit's name already in its 'Đơn vị:' line."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    _form_sheet(workbook, dispatch_number, dispatch_subject, unit_name)
    _instructions_sheet(workbook)
    workbook.close()
    return buffer.getvalue()


HEADER_ROW = 6  # the row (from 0) of the column headers; the unit line and title above


def _form_sheet(workbook, number: str, subject: str, unit_name: str) -> None:
    sheet = workbook.add_worksheet("Danh sách trang")
    _title_lines(workbook, sheet, number, subject, unit_name)
    header = workbook.add_format(
        {
            "bold": True,
            "text_wrap": True,
            "valign": "vcenter",
            "align": "center",
            "border": 1,
            "bg_color": "#DDEBF7",
        }
    )
    for index, column in enumerate(COLUMNS):
        sheet.set_column(index, index, column.width)
        sheet.write_string(HEADER_ROW, index, column.header, header)
    _blank_rows(workbook, sheet)
    _platform_list(sheet)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_row(HEADER_ROW, 32)
    # Printed on A4 landscape, all columns on one page width, the header on every page.
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)


def _title_lines(workbook, sheet, number: str, subject: str, unit_name: str) -> None:
    """The organisation, the 'Đơn vị:' line the reader looks for, the title and the dispatch."""
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "align": "center", "font_size": 13})
    italic = workbook.add_format({"italic": True, "align": "center"})
    last = len(COLUMNS) - 1
    sheet.write_string(0, 0, "ĐOÀN TNCS HỒ CHÍ MINH", bold)
    sheet.write_string(1, 0, f"Đơn vị: {unit_name}", bold)
    sheet.merge_range(3, 0, 3, last, "DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ VÀ MẠNG XÃ HỘI", title)
    sheet.merge_range(4, 0, 4, last, f"(Kèm theo Công văn số {number} — {subject})", italic)


def _blank_rows(workbook, sheet) -> None:
    """Numbered empty rows with borders, formatted as text (a phone keeps its leading 0)."""
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@"})
    for offset in range(1, BLANK_ROWS + 1):
        sheet.write_number(HEADER_ROW + offset, 0, offset, cell)
        for column in range(1, len(COLUMNS)):
            sheet.write_blank(HEADER_ROW + offset, column, None, cell)


def _platform_list(sheet) -> None:
    """The platform column's drop-down list."""
    column = next(i for i, c in enumerate(COLUMNS) if c.kind == ValueKind.PLATFORM)
    message = "Hãy chọn một loại hình trong danh sách."
    drop_down(sheet, column, PLATFORM_CHOICES, "Loại hình", message)


def drop_down(sheet, column: int, source: list[str], title: str, message: str) -> None:
    """A column's drop-down list over the blank rows: a warning, not a refusal, for other
    words (the reader says what it could not read)."""
    sheet.data_validation(
        HEADER_ROW + 1,
        column,
        HEADER_ROW + BLANK_ROWS,
        column,
        {
            "validate": "list",
            "source": source,
            "ignore_blank": True,
            "error_type": "warning",
            "error_title": title[:32],
            "error_message": message,
        },
    )


def _instructions_sheet(workbook) -> None:
    sheet = workbook.add_worksheet("Hướng dẫn")
    sheet.set_column(0, 0, 110)
    wrap = workbook.add_format({"text_wrap": True})
    for row, line in enumerate(INSTRUCTIONS):
        sheet.write_string(row, 0, line, workbook.add_format({"bold": True}) if row == 0 else wrap)
