"""The two documents of the consolidated reply: the workbook (xlsx) and the cover letter (docx)."""

from __future__ import annotations

import datetime as dt
import io
import re

import xlsxwriter
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from portal.labels import FINDINGS, PLATFORMS
from portal.models import Dispatch, ReportSettings
from portal.services.consolidated import Figures, accepted_rows, rejected

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_CELL_TEXT = 32_767  # Excel's limit: xlsxwriter would leave a longer cell empty
# A cell that is a plain number (no leading zero, no formula sign but a minus): written as
# a number in the columns where a unit may have typed one (a note, a count).
_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d*[1-9])?")
NUMBER_COLUMNS = {"Ghi chú"}
ROW_HEADERS = [
    ("Mã đơn vị", 10),
    ("Đơn vị", 30),
    ("Tên trang", 34),
    ("Loại hình", 22),
    ("Địa chỉ trang (URL/tên miền)", 40),
    ("Địa chỉ chuẩn hóa", 34),
    ("Cơ quan chủ quản", 26),
    ("Địa chỉ liên hệ", 28),
    ("Người quản trị", 20),
    ("Số điện thoại", 15),
    ("Email", 26),
    ("Ghi chú", 20),
    ("Cảnh báo", 40),
]


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


def _summary_sheet(book, formats, result, counted: Figures, today: dt.date) -> None:
    sheet = book.add_worksheet("Tổng hợp")
    _printable(sheet, landscape=False)
    sheet.set_column(0, 0, 80)
    sheet.set_column(1, 1, 30)
    dispatch = result["dispatch"]
    lines: list[tuple[str, object]] = [
        ("Công văn số", dispatch["number"]),
        ("Trích yếu", dispatch["subject"]),
        ("Ngày ban hành", dt.date.fromisoformat(dispatch["issued"])),
        ("Hạn báo cáo", dt.date.fromisoformat(dispatch["deadline"])),
        ("Ngày tổng hợp", today),
        ("Số đơn vị nhận công văn", counted.units),
        ("Đã báo cáo đúng hạn", counted.on_time),
        ("Báo cáo sau hạn", counted.late),
        ("Chưa báo cáo", len(counted.missing)),
        ("Tổng số trang/kênh được ghi nhận", counted.rows),
    ]
    lines += [
        (f"  – {PLATFORMS.get(key, key)}", n) for key, n in sorted(counted.by_platform.items())
    ]
    lines.append(("Trang/kênh còn điểm cần lưu ý", counted.with_warnings))
    lines += [
        (f"  – {FINDINGS.get(code, code)}", n) for code, n in sorted(counted.by_warning.items())
    ]
    sheet.write_string(
        0, 0, "BÁO CÁO TỔNG HỢP TRANG THÔNG TIN ĐIỆN TỬ VÀ MẠNG XÃ HỘI", formats["bold"]
    )
    for row, (label, value) in enumerate(lines, start=2):
        sheet.write_string(row, 0, text(label))
        if isinstance(value, dt.date):
            sheet.write_datetime(row, 1, dt.datetime.combine(value, dt.time()), formats["date"])
        elif isinstance(value, int):
            sheet.write_number(row, 1, value)
        else:
            sheet.write_string(row, 1, text(value))


def _rows_sheet(book, formats, result) -> None:
    sheet = book.add_worksheet("Danh sách trang")
    _printable(sheet)
    for column, (title, width) in enumerate(ROW_HEADERS):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, title, formats["head"])
    sheet.freeze_panes(1, 0)
    # The labels once, as text: each lazy label would be translated again for every cell.
    platforms = {key: str(label) for key, label in PLATFORMS.items()}
    findings = {code: str(label) for code, label in FINDINGS.items()}
    numbers = [title in NUMBER_COLUMNS for title, _width in ROW_HEADERS]
    row = 0
    for unit in result["units"]:
        code, name = unit["code"], unit["name"]
        for entry in accepted_rows(unit):
            row += 1
            values = (
                code,
                name,
                entry["name"],
                platforms.get(entry["platform"], entry["platform"]),
                entry["url"],
                entry["url_normalized"],
                entry["agency"],
                entry["contact"],
                entry["admin_name"],
                entry["phone"],
                entry["email"],
                entry["note"],
                "; ".join(findings.get(c, c) for c in entry["warnings"]),
            )
            for column, value in enumerate(values):
                write_cell(sheet, row, column, value, numbers[column])
    sheet.autofilter(0, 0, max(row, 1), len(ROW_HEADERS) - 1)


def _missing_sheet(book, formats, counted: Figures) -> None:
    """The units not reported: none sent, or their return was rejected (Tình trạng)."""
    sheet = book.add_worksheet("Chưa báo cáo")
    _printable(sheet)
    for column, (title, width) in enumerate(
        [("Mã đơn vị", 12), ("Đơn vị", 44), ("Địa chỉ liên hệ", 50), ("Tình trạng", 24)]
    ):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, title, formats["head"])
    sheet.freeze_panes(1, 0)
    missing = counted.not_reported
    for row, unit in enumerate(missing, start=1):
        state = "Báo cáo bị trả lại" if rejected(unit) else "Chưa gửi báo cáo"
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
    _letter_header(document, dispatch, settings, today)
    _paragraph(
        document, f"Kính gửi: {settings.addressee}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    for line in _letter_body(dispatch, counted):
        _paragraph(document, line, indent=True)
    _letter_footer(document, settings)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _letter_header(document, dispatch: Dispatch, settings: ReportSettings, today: dt.date) -> None:
    table = document.add_table(rows=3, cols=2)
    left = [settings.parent_body, settings.issuing_body, f"Số:      -{settings.number_suffix}"]
    right = [
        "ĐOÀN TNCS HỒ CHÍ MINH",
        "",
        f"{settings.place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
    ]
    for row, (a, b) in enumerate(zip(left, right, strict=True)):
        for column, value in ((0, a), (1, b)):
            cell = table.cell(row, column).paragraphs[0]
            cell.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = cell.add_run(text(value))
            run.bold = (column == 0 and row < 2) or (column == 1 and row == 0)
            run.italic = row == 2 and column == 1
    subject = (
        f"V/v báo cáo kết quả thực hiện Công văn số {dispatch.number} ngày "
        f"{dispatch.issued_on:%d/%m/%Y}"
    )
    cell = table.cell(2, 0).add_paragraph()
    cell.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell.add_run(text(subject)).italic = True


def _letter_body(dispatch: Dispatch, counted: Figures) -> list[str]:
    platforms = ", ".join(
        f"{n} {str(PLATFORMS.get(key, key)).lower()}"
        for key, n in sorted(counted.by_platform.items())
    )
    missing = [
        f"{unit['name']} (báo cáo bị trả lại)" if rejected(unit) else unit["name"]
        for unit in counted.not_reported
    ]
    lines = [
        f"Thực hiện Công văn số {dispatch.number} ngày {dispatch.issued_on:%d/%m/%Y} "
        f"{dispatch.subject}, Ban Thường vụ báo cáo kết quả thống kê trang thông tin điện tử "
        "và trang mạng xã hội của các đơn vị như sau:",
        f"1. Số đơn vị được đề nghị báo cáo: {counted.units}; đã báo cáo: "
        f"{counted.on_time + counted.late} (đúng hạn {counted.on_time}, sau hạn "
        f"{counted.late}); chưa báo cáo: {len(missing)}"
        + (f" ({', '.join(missing)})." if missing else "."),
        f"2. Tổng số trang/kênh được thống kê: {counted.rows}"
        + (f", gồm: {platforms}." if platforms else "."),
    ]
    notes = []
    if counted.by_warning.get("non_vn_domain"):
        notes.append(
            f"{counted.by_warning['non_vn_domain']} trang thông tin điện tử chưa dùng "
            "tên miền có đuôi .vn"
        )
    if counted.by_warning.get("facebook_profile"):
        notes.append(
            f"{counted.by_warning['facebook_profile']} trang là trang cá nhân "
            "Facebook thay vì Fanpage"
        )
    if notes:
        lines.append(
            "3. Một số tồn tại: " + "; ".join(notes) + ". Ban Thường vụ đã đề nghị "
            "các đơn vị khắc phục."
        )
    lines.append("(Danh sách chi tiết tại tệp Excel đính kèm.)")
    return lines


def _letter_footer(document, settings: ReportSettings) -> None:
    table = document.add_table(rows=1, cols=2)
    left = table.cell(0, 0).paragraphs[0]
    left.add_run("Nơi nhận:").bold = True
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
