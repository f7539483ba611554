"""The register of pages as an xlsx: the pages, and the changes between returns."""

from __future__ import annotations

import io

import xlsxwriter

from portal.i18n import show_datetime
from portal.labels import PAGE_CHANGES, PAGE_STATES, PLATFORMS
from portal.services.consolidated_reply.documents import text
from portal.services.register import Register

PAGE_HEADINGS = [
    ("Mã đơn vị", 10),
    ("Đơn vị", 30),
    ("Tên trang", 34),
    ("Loại hình", 20),
    ("Địa chỉ trang", 40),
    ("Người quản trị", 22),
    ("Báo cáo lần đầu", 22),
    ("Xác nhận gần nhất", 22),
    ("Số công văn đã báo cáo", 12),
    ("Tình trạng", 14),
    ("Ghi chú", 30),
]
CHANGE_HEADINGS = [
    ("Mã đơn vị", 10),
    ("Đơn vị", 30),
    ("Công văn", 18),
    ("Nhận lúc", 18),
    ("Thay đổi", 22),
    ("Trang", 34),
    ("Trước", 34),
    ("Sau", 34),
]


def register_workbook(register: Register) -> bytes:
    """Every text written as text (a unit's '=HYPERLINK(...)' stays inert)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    pages = _sheet(book, "Sổ theo dõi trang", PAGE_HEADINGS, head)
    for row, entry in enumerate(register.entries, start=1):
        cells = [
            entry.unit_code,
            entry.unit_name,
            entry.page.name,
            str(PLATFORMS.get(entry.page.platform, entry.page.platform)),
            entry.page.url,
            entry.page.admin_name,
            f"{entry.first_dispatch} ({show_datetime(entry.first_reported)})",
            f"{entry.last_dispatch} ({show_datetime(entry.last_confirmed)})",
            len(entry.dispatches),
            str(PAGE_STATES[entry.status]),
            entry.closed_note,
        ]
        _write(pages, row, cells)
    changes = _sheet(book, "Thay đổi", CHANGE_HEADINGS, head)
    for row, change in enumerate(register.changes, start=1):
        cells = [
            change.unit_code,
            change.unit_name,
            change.dispatch,
            show_datetime(change.received),
            str(PAGE_CHANGES[change.kind]),
            change.name,
            change.before,
            change.after,
        ]
        _write(changes, row, cells)
    book.close()
    return buffer.getvalue()


def _sheet(book, name: str, headings: list[tuple[str, int]], head):
    sheet = book.add_worksheet(name)
    for column, (heading, width) in enumerate(headings):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, heading, head)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, 0, len(headings) - 1)
    return sheet


def _write(sheet, row: int, cells: list) -> None:
    for column, value in enumerate(cells):
        if isinstance(value, int):
            sheet.write_number(row, column, value)
        elif value:
            sheet.write_string(row, column, text(value))
