"""The blank return form of FORM.md, as an xlsx a unit fills in (and the reader reads back)."""

from __future__ import annotations

import io

import xlsxwriter

# Canonical headers, in FORM.md's order, with their column widths.
COLUMNS = [
    ("STT", 6),
    ("Tên trang", 34),
    ("Loại hình", 24),
    ("Địa chỉ trang (URL/tên miền)", 40),
    ("Cơ quan chủ quản", 28),
    ("Địa chỉ liên hệ", 30),
    ("Người quản trị", 22),
    ("Số điện thoại", 16),
    ("Email", 28),
    ("Ghi chú", 24),
]
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


def _form_sheet(workbook, number: str, subject: str, unit_name: str) -> None:
    sheet = workbook.add_worksheet("Danh sách trang")
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "align": "center", "font_size": 13})
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
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@"})
    last = len(COLUMNS) - 1
    sheet.write_string(0, 0, "ĐOÀN TNCS HỒ CHÍ MINH", bold)
    sheet.write_string(1, 0, f"Đơn vị: {unit_name}", bold)
    sheet.merge_range(3, 0, 3, last, "DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ VÀ MẠNG XÃ HỘI", title)
    sheet.merge_range(
        4,
        0,
        4,
        last,
        f"(Kèm theo Công văn số {number} — {subject})",
        workbook.add_format({"italic": True, "align": "center"}),
    )
    header_row = 6
    for column, (text, width) in enumerate(COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(header_row, column, text, header)
    for offset in range(1, BLANK_ROWS + 1):
        sheet.write_number(header_row + offset, 0, offset, cell)
        for column in range(1, len(COLUMNS)):
            sheet.write_blank(header_row + offset, column, None, cell)
    sheet.data_validation(
        header_row + 1,
        2,
        header_row + BLANK_ROWS,
        2,
        {
            "validate": "list",
            "source": PLATFORM_CHOICES,
            "ignore_blank": True,
            "error_type": "warning",
            "error_title": "Loại hình",
            "error_message": "Hãy chọn một loại hình trong danh sách.",
        },
    )
    sheet.freeze_panes(header_row + 1, 0)
    sheet.set_row(header_row, 32)
    # Printed on A4 landscape, all columns on one page width, the header on every page.
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)


def _instructions_sheet(workbook) -> None:
    sheet = workbook.add_worksheet("Hướng dẫn")
    sheet.set_column(0, 0, 110)
    wrap = workbook.add_format({"text_wrap": True})
    for row, line in enumerate(INSTRUCTIONS):
        sheet.write_string(row, 0, line, workbook.add_format({"bold": True}) if row == 0 else wrap)
