"""Returns of the two dispatch forms of form_specs.py (ADMINS, RESULTS), written the ways
units write them, each with the rows a reader must find in it.

Every return is built here (openpyxl, python-docx, csv, HTML as Gmail pastes it; an .ods
through LibreOffice when `soffice` is installed) from records of cells. A cell carries what
the unit typed (a string, or for a spreadsheet a real number or date), the typed value the
reader must give, and the finding it must raise, all written by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache

from mailin.forms import ReadingStatus
from mailin.forms.spec import FormSpec
from tests.support.form_specs import ADMINS, RESULTS

UNIT = "Huyện Đoàn Ninh Hải"


@dataclass(frozen=True)
class C:
    """A cell: what the unit typed, the value read from it, the finding it raises ('')."""

    raw: object
    value: object = "same"  # 'same': the text as typed (a TEXT field)
    code: str = ""

    def expected(self) -> object:
        return self.raw if self.value == "same" else self.value


@dataclass
class Layout:
    """How a unit laid its return out. A column is (field key, header); the key is 'stt'
    for the row number and '+' for a column the form does not have."""

    columns: list[tuple[str, str]]
    groups: list[tuple[str, int, int]] = field(default_factory=list)  # (title, first, count)
    title: tuple[str, ...] = ("BÁO CÁO",)
    unit: str = f"Đơn vị: {UNIT}"
    numbers_row: bool = False
    blank_after: tuple[int, ...] = ()  # an empty row after these data rows (0-based)
    total: list[object] | None = None  # a 'Tổng cộng' row with these cells after 'stt'
    signature: bool = True
    sections: dict[int, list[str]] = field(default_factory=dict)  # a heading row before row i


@dataclass
class ExpectedRow:
    values: dict[str, object]
    findings: list[tuple[str, str]]  # (code, key), in any order


@dataclass
class CustomReturn:
    name: str
    spec: FormSpec
    status: ReadingStatus
    rows: list[ExpectedRow]
    data: bytes = b""
    html: str = ""  # a table pasted in an email: read_html_with_spec, not read_with_spec
    unit_line: str | None = None
    missing: list[str] | None = None


# -- the cells units type ---------------------------------------------------------------

Record = dict[str, C]  # by field key; '+Header' for an extra column; '_dup' a duplicate key


def expected_row(spec: FormSpec, layout: Layout, record: Record) -> ExpectedRow:
    """The row a record must give: its cells' values and findings for the columns the
    layout has, `required` for a required field whose column or cell is empty."""
    present = {key for key, _header in layout.columns}
    values, findings = {}, []
    for spec_field in spec.fields:
        cell = record.get(spec_field.key) if spec_field.key in present else None
        value = cell.expected() if cell is not None and cell.raw != "" else None
        if cell is not None and cell.code:
            findings.append((cell.code, spec_field.key))
        elif value is None and spec_field.required:
            findings.append(("required", spec_field.key))
        if value is not None and not (cell and cell.code):
            values[spec_field.key] = value
    if "_dup" in record:
        findings.append(("duplicate_in_return", str(record["_dup"].raw)))
    return ExpectedRow(values, findings)


def _text(raw: object) -> str:
    """A typed cell as a text format (CSV, Word, HTML) writes it."""
    if isinstance(raw, dt.datetime | dt.date):
        return raw.strftime("%d/%m/%Y")
    return str(raw)


def table_rows(layout: Layout, records: list[Record], text: bool) -> list[list[object]]:
    rows: list[list[object]] = []
    for number, record in enumerate(records, 1):
        if number - 1 in layout.sections:
            heading = layout.sections[number - 1]
            rows.append(heading + [""] * (len(layout.columns) - len(heading)))
        row = []
        for key, header in layout.columns:
            if key == "stt":
                row.append(number)
            else:
                cell = record.get(f"+{header}" if key == "+" else key)
                raw = cell.raw if cell is not None else ""
                row.append(_text(raw) if text else raw)
        rows.append(row)
        if number - 1 in layout.blank_after:
            rows.append([""] * len(layout.columns))
    if layout.total is not None:
        rows.append(["", "Tổng cộng", *layout.total])
    return rows


def header_rows(layout: Layout) -> list[list[str]]:
    """One header row, or two under group titles (the other titles merged down)."""
    headers = [header for _key, header in layout.columns]
    if not layout.groups:
        return [headers]
    top, bottom = list(headers), [""] * len(headers)
    for title, first, count in layout.groups:
        for index in range(first, first + count):
            bottom[index], top[index] = headers[index], ""
        top[first] = title
    return [top, bottom]


def numbers_row(layout: Layout) -> list[str]:
    return [f"({n})" for n in range(1, len(layout.columns) + 1)]


SIGNATURE = [
    ["Người lập biểu", "", "", "TM. BAN THƯỜNG VỤ"],
    ["(Ký, ghi rõ họ tên)", "", "", "BÍ THƯ"],
    ["Trần Thị Lập", "", "", "Lê Văn Ký"],
]


# -- the file formats -------------------------------------------------------------------


def to_xlsx(layout: Layout, records: list[Record], before: list[str] = ()) -> bytes:
    """A workbook: merged title rows, the 'Đơn vị:' line, the table, the signature block.
    `before` names sheets (instructions) put ahead of the return's own sheet."""
    from openpyxl import Workbook

    book = Workbook()
    for index, name in enumerate(before):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = name
        sheet.append(["Hướng dẫn: điền mỗi người một dòng, không sửa tiêu đề."])
    sheet = book.active if not before else book.create_sheet("Báo cáo")
    width = len(layout.columns)
    for line in [*layout.title, layout.unit, ""]:
        sheet.append([line])
        if line and width > 1:
            sheet.merge_cells(
                start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=width
            )
    _xlsx_header(sheet, layout)
    if layout.numbers_row:
        sheet.append(numbers_row(layout))
    for row in table_rows(layout, records, text=False):
        sheet.append(row)
    if layout.signature:
        sheet.append([])
        for row in SIGNATURE:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_header(sheet, layout: Layout) -> None:
    rows = header_rows(layout)
    first = sheet.max_row + 1
    for row in rows:
        sheet.append(row)
    if len(rows) == 2:
        grouped = {i for _t, start, count in layout.groups for i in range(start, start + count)}
        for index in range(len(layout.columns)):
            if index not in grouped:
                sheet.merge_cells(
                    start_row=first, start_column=index + 1, end_row=first + 1, end_column=index + 1
                )
        for _title, start, count in layout.groups:
            sheet.merge_cells(
                start_row=first, start_column=start + 1, end_row=first, end_column=start + count
            )


def to_docx(layout: Layout, records: list[Record]) -> bytes:
    """A Word document: title and unit paragraphs, the table (merged header cells as Word
    merges them), the signature lines after it."""
    from docx import Document

    document = Document()
    for line in [*layout.title, layout.unit]:
        document.add_paragraph(line)
    headers = header_rows(layout)
    body = table_rows(layout, records, text=True)
    if layout.numbers_row:
        body.insert(0, numbers_row(layout))
    table = document.add_table(rows=len(headers) + len(body), cols=len(layout.columns))
    for r, row in enumerate([*headers, *body]):
        for c, value in enumerate(row):
            table.cell(r, c).text = str(value)
    if len(headers) == 2:
        _docx_merges(table, layout)
    for line in ["Người lập biểu", "Trần Thị Lập"] if layout.signature else []:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_merges(table, layout: Layout) -> None:
    grouped = {i for _t, start, count in layout.groups for i in range(start, start + count)}
    for index, (_key, header) in enumerate(layout.columns):
        if index not in grouped:
            merged = table.cell(0, index).merge(table.cell(1, index))
            merged.text = header
    for title, start, count in layout.groups:
        merged = table.cell(0, start).merge(table.cell(0, start + count - 1))
        merged.text = title


def to_csv(layout: Layout, records: list[Record], encoding: str, delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([layout.unit])
    for row in header_rows(layout):
        writer.writerow(row)
    for row in table_rows(layout, records, text=True):
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def to_gmail_html(layout: Layout, records: list[Record]) -> str:
    """A table as Gmail sends one pasted from Excel: styled cells, <br> in headers."""
    cells = "".join(
        f'<td style="border:1px solid #000;padding:2px"><b>{h.replace(" (", "<br>(")}</b></td>'
        for h in header_rows(layout)[0]
    )
    body = "".join(
        "<tr>" + "".join(f'<td style="padding:2px">{v}</td>' for v in row) + "</tr>"
        for row in table_rows(layout, records, text=True)
    )
    return (
        '<div dir="ltr"><div>Kính gửi Ban Thường vụ,</div><div>'
        f"{layout.unit}</div><br>"
        '<table border="1" cellspacing="0" cellpadding="0" dir="ltr" '
        'style="table-layout:fixed;font-size:10pt;font-family:Arial">'
        f"<colgroup><col width=100></colgroup><tbody><tr>{cells}</tr>{body}</tbody></table>"
        "<br><div>Trân trọng,</div><div>-- <br>Bí thư Huyện Đoàn</div></div>"
    )


def to_ods(xlsx: bytes) -> bytes | None:
    """The workbook saved as .ods by LibreOffice, or None without it (or if it fails)."""
    soffice = shutil.which("soffice")
    if not soffice:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "bao_cao.xlsx")
        with open(source, "wb") as out:
            out.write(xlsx)
        command = [soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless"]
        try:
            subprocess.run(
                [*command, "--convert-to", "ods", "--outdir", folder, source],
                capture_output=True,
                timeout=120,
                check=True,
            )
            with open(os.path.join(folder, "bao_cao.ods"), "rb") as result:
                return result.read()
        except (OSError, subprocess.SubprocessError):
            return None


# -- ADMINS: Danh sách cán bộ quản trị trang ---------------------------------------------

ADMIN_HEADERS = {
    "ho_va_ten": "Họ và tên",
    "ngay_sinh": "Ngày sinh",
    "gioi_tinh": "Giới tính",
    "chuc_vu": "Chức vụ",
    "so_dien_thoai": "Số điện thoại",
    "email": "Email",
    "trang_phu_trach_duong_dan": "Trang phụ trách (đường dẫn)",
    "ghi_chu": "Ghi chú",
}


def admin(name, born, sex, role, phone, email, url, note="", **extra) -> Record:
    """A record of ADMINS; each argument a C, or a str for a good TEXT cell."""
    cells = dict(
        ho_va_ten=name,
        ngay_sinh=born,
        gioi_tinh=sex,
        chuc_vu=role,
        so_dien_thoai=phone,
        email=email,
        trang_phu_trach_duong_dan=url,
        ghi_chu=note,
    )
    record = {key: value if isinstance(value, C) else C(value) for key, value in cells.items()}
    record.update({f"+{header}": C(value) for header, value in extra.items()})
    return record


AN = admin(
    "Nguyễn Văn An",
    C("05/3/1998", "1998-03-05"),
    C("Nam", "Nam"),
    "Phó Bí thư",
    C("0912345678", "0912345678"),
    C("an.nv@gmail.com", "an.nv@gmail.com"),
    C("https://www.facebook.com/DoanXaPhuocDan/", "facebook.com/doanxaphuocdan"),
)
BINH = admin(
    "Trần Thị Bình",
    C("21/11/2000", "2000-11-21"),
    C("Nữ", "Nữ"),
    "Ủy viên BCH",
    C("0987.654.321", "0987654321"),
    C("binhtt@ninhthuan.gov.vn", "binhtt@ninhthuan.gov.vn"),
    C("http://doanthanhnien.ninhthuan.gov.vn/", "doanthanhnien.ninhthuan.gov.vn"),
    "Quản trị chính",
)
CUONG = admin(
    "Lê Quốc Cường",
    C("1-9-1995", "1995-09-01"),
    C("nam", "Nam"),
    "Bí thư Chi đoàn",
    C("+84 905 111 222", "0905111222"),
    C("", None),
    C("fb.com/tuoitrephuochai", "facebook.com/tuoitrephuochai"),
)
DUNG = admin(
    "Phạm Thị Dung",
    C("1997-12-30", "1997-12-30"),
    C("NỮ", "Nữ"),
    "",
    C("0369-222-333", "0369222333"),
    C("dung.pt@yahoo.com; dungpham@gmail.com", "dung.pt@yahoo.com; dungpham@gmail.com"),
    C("https://www.tiktok.com/@tuoitreninhhai", "tiktok.com/@tuoitreninhhai"),
    "Kiêm nhiệm",
)


def _admin_layout(headers: dict[str, str] | None = None, **options) -> Layout:
    names = {**ADMIN_HEADERS, **(headers or {})}
    columns = [("stt", "STT")] + [(key, names[key]) for key in ADMIN_HEADERS if names[key]]
    return Layout(columns, title=("DANH SÁCH CÁN BỘ QUẢN TRỊ TRANG",), **options)


ADMIN_RETYPED = {
    "ho_va_ten": "Họ tên",
    "ngay_sinh": "Ngày tháng năm sinh",
    "so_dien_thoai": "SĐT",
    "email": "E-mail",
    "trang_phu_trach_duong_dan": "Link trang",
}


def admins_returns() -> list[CustomReturn]:
    """At least 15 returns of ADMINS, then the hostile files."""
    cases: list[CustomReturn] = []
    add = _adder(ADMINS, cases)
    _admins_layouts(add)
    _admins_values_and_formats(add)
    return [case for case in cases if case.data or case.html] + hostile_returns(ADMINS)


def _admins_layouts(add) -> None:
    add("a01_canonical", _admin_layout(), [AN, BINH, CUONG], unit_line=UNIT, missing=[])
    layout = _admin_layout(ADMIN_RETYPED)
    layout.columns.append(("+", "Facebook cá nhân"))
    real_dates = [
        {**AN, "ngay_sinh": C(dt.datetime(1998, 3, 5), "1998-03-05")},
        {**BINH, "ngay_sinh": C(dt.datetime(2000, 11, 21), "2000-11-21")},
        {**CUONG, "+Facebook cá nhân": C("facebook.com/cuong.le")},
    ]
    add("a02_retyped_real_dates_extra", layout, real_dates, unit_line=UNIT)
    order = ["trang_phu_trach_duong_dan", "ho_va_ten", "so_dien_thoai", "email", "ngay_sinh"]
    layout = Layout(
        [("stt", "TT")] + [(k, ADMIN_HEADERS[k]) for k in order] + [("gioi_tinh", "Giới tính")]
    )
    serial = [
        {**AN, "ngay_sinh": C(35870, "1998-03-16"), "so_dien_thoai": C(912345678, "0912345678")},
        {**DUNG, "ngay_sinh": C("35870", "1998-03-16")},
    ]
    add("a03_reordered_serial_phone_number", layout, serial, missing=["chuc_vu", "ghi_chu"])
    layout = _admin_layout(groups=[("Thông tin liên hệ", 5, 3)])
    add("a04_two_row_header", layout, [AN, BINH, DUNG], unit_line=UNIT)
    layout = _admin_layout(numbers_row=True, blank_after=(0, 1))
    add("a05_numbers_row_blank_rows", layout, [AN, BINH, CUONG, DUNG])
    layout = _admin_layout({"gioi_tinh": "", "chuc_vu": "", "ghi_chu": ""})
    add("a06_missing_optional", layout, [BINH, CUONG], missing=["gioi_tinh", "chuc_vu", "ghi_chu"])
    layout = _admin_layout({"so_dien_thoai": ""})
    add("a07_missing_required", layout, [AN, DUNG], missing=["so_dien_thoai"])


def _admins_values_and_formats(add) -> None:
    bad = [
        admin(
            "Võ Thị Em",
            C("30/02/2020", None, "invalid_date"),
            C("Nữ giới", None, "not_in_list"),
            "Đoàn viên",
            C("09123", None, "invalid_phone"),
            C("em.vt@gmail", None, "invalid_email"),
            C("Fanpage Đoàn xã", None, "invalid_url"),
        ),
        admin(
            C("", None),
            C("05/03/98", None, "invalid_date"),
            C("Nam", "Nam"),
            "Ủy viên",
            C("0912 345 678", "0912345678"),
            C("", None),
            C("", None),
            "Chưa có trang",
        ),
        AN,
    ]
    add("a08_bad_values", _admin_layout(), bad)
    add("a09_docx", _admin_layout(), [AN, BINH], "docx", unit_line=UNIT)
    words_date = {**CUONG, "ngay_sinh": C("ngày 5 tháng 3 năm 1998", "1998-03-05")}
    layout = _admin_layout(groups=[("Liên hệ", 5, 2)])
    add("a10_docx_two_rows_date_in_words", layout, [words_date, DUNG], "docx", unit_line=UNIT)
    add("a11_csv_bom_semicolon", _admin_layout(), [AN, BINH, DUNG], "csv-bom")
    sexes = [{**AN, "gioi_tinh": C("nu", "Nữ")}, {**BINH, "gioi_tinh": C("NỮ", "Nữ")}, CUONG]
    add("a12_csv_utf8_comma", _admin_layout(ADMIN_RETYPED), sexes, "csv")
    add("a13_gmail_html", _admin_layout(ADMIN_RETYPED), [AN, CUONG], "html", unit_line=UNIT)
    numbered = {
        "ho_va_ten": "1. Họ và tên (*)",
        "so_dien_thoai": "Số điện thoại*",
        "trang_phu_trach_duong_dan": "Trang phụ trách\n(đường dẫn) (*)",
    }
    layout = _admin_layout(numbered)
    add("a14_second_sheet_numbered_headers", layout, [BINH, CUONG], before=["Hướng dẫn"])
    broken = {
        "ho_va_ten": "Họ và\ntên",
        "so_dien_thoai": "Điện thoại\ndi động",
        "email": "Địa chỉ email",
        "ghi_chu": "Ghi chú thêm",
    }
    layout = _admin_layout(broken)
    layout.columns.insert(3, ("+", "Đơn vị công tác"))
    records = [{**AN, "+Đơn vị công tác": C("Xã Phước Dân")}, DUNG]
    add("a15_line_breaks_in_headers", layout, records, unit_line=UNIT)
    order = ["ngay_sinh", "ho_va_ten", "so_dien_thoai", "trang_phu_trach_duong_dan"]
    layout = Layout(
        [(key, ADMIN_HEADERS[key]) for key in order],
        sections={0: ["I. CẤP HUYỆN"], 2: ["II", "Cấp xã"]},
    )
    records = [words_date, {**BINH, "ngay_sinh": C("ngày 21 tháng 11 năm 2000", "2000-11-21")}]
    records.append({**DUNG, "ngay_sinh": C("Ngày 30 tháng 12 năm 1997", "1997-12-30")})
    missing = ["gioi_tinh", "chuc_vu", "email", "ghi_chu"]
    add("a17_sections_dates_in_words_first", layout, records, missing=missing)
    add("a16_ods", _admin_layout(), [AN, BINH], "ods", unit_line=UNIT)


# -- RESULTS: Kết quả tuyên truyền quý ---------------------------------------------------

RESULT_HEADERS = {
    "ten_trang": "Tên trang",
    "duong_dan": "Đường dẫn",
    "so_tin_bai_dang_trong_quy": "Số tin bài đăng trong quý",
    "luot_tiep_can": "Lượt tiếp cận",
    "ngay_dang_bai_noi_bat_nhat": "Ngày đăng bài nổi bật nhất",
    "co_kiem_duyet_truoc_khi_dang": "Có kiểm duyệt trước khi đăng",
    "ty_le_tuong_tac": "Tỷ lệ tương tác (%)",
    "ghi_chu": "Ghi chú",
}


def result(name, url, posts, reach, day, checked, rate, note="", **extra) -> Record:
    cells = dict(
        ten_trang=name,
        duong_dan=url,
        so_tin_bai_dang_trong_quy=posts,
        luot_tiep_can=reach,
        ngay_dang_bai_noi_bat_nhat=day,
        co_kiem_duyet_truoc_khi_dang=checked,
        ty_le_tuong_tac=rate,
        ghi_chu=note,
    )
    record = {key: value if isinstance(value, C) else C(value) for key, value in cells.items()}
    record.update({f"+{header}": C(value) for header, value in extra.items()})
    return record


FANPAGE = result(
    "Tuổi trẻ Phước Dân",
    C("https://www.facebook.com/DoanXaPhuocDan/", "facebook.com/doanxaphuocdan"),
    C("45", 45),
    C("1.250", 1250),
    C("15/8/2026", "2026-08-15"),
    C("Có", True),
    C("12,5", 12.5),
)
WEBSITE = result(
    "Cổng thông tin Đoàn huyện",
    C("http://doanthanhnien.ninhthuan.gov.vn/", "doanthanhnien.ninhthuan.gov.vn"),
    C("120", 120),
    C("12,300", 12300),
    C("02/09/2026", "2026-09-02"),
    C("x", True),
    C("3.75", 3.75),
    "Cập nhật hằng tuần",
)
TIKTOK = result(
    "Kênh TikTok Tuổi trẻ Ninh Hải",
    C("https://www.tiktok.com/@tuoitreninhhai", "tiktok.com/@tuoitreninhhai"),
    C("30", 30),
    C("58 000", 58000),
    C("1.7.2026", "2026-07-01"),
    C("Không", False),
    C("8,2%", 8.2),
)
GROUP = result(
    "Nhóm Thanh niên Phước Hải",
    C("https://www.facebook.com/groups/thanhnienphuochai", "facebook.com/groups/thanhnienphuochai"),
    C("12.0", 12),
    C("900", 900),
    C("", None),
    C("ko", False),
    C("", None),
    "Nhóm kín",
)


def _result_layout(headers: dict[str, str] | None = None, **options) -> Layout:
    names = {**RESULT_HEADERS, **(headers or {})}
    columns = [("stt", "STT")] + [(key, names[key]) for key in RESULT_HEADERS if names[key]]
    return Layout(columns, title=("KẾT QUẢ TUYÊN TRUYỀN QUÝ III/2026",), **options)


def _as_numbers(record: Record) -> Record:
    """The same record with numbers and dates typed as an Excel user types them."""
    changed = dict(record)
    for key in ("so_tin_bai_dang_trong_quy", "luot_tiep_can"):
        if record[key].value is not None:
            changed[key] = C(record[key].value, record[key].value)
    rate = record["ty_le_tuong_tac"].value
    if rate is not None:
        changed["ty_le_tuong_tac"] = C(rate, rate)
    day = record["ngay_dang_bai_noi_bat_nhat"].value
    if day is not None:
        changed["ngay_dang_bai_noi_bat_nhat"] = C(dt.datetime.fromisoformat(day), day)
    return changed


RESULT_RETYPED = {
    "so_tin_bai_dang_trong_quy": "Số bài",
    "luot_tiep_can": "Lượt tiếp cận (lượt)",
    "co_kiem_duyet_truoc_khi_dang": "Kiểm duyệt?",
    "duong_dan": "Link",
    "ty_le_tuong_tac": "Tỉ lệ tương tác",
    "ngay_dang_bai_noi_bat_nhat": "Ngày đăng bài nổi bật",
}


def results_returns() -> list[CustomReturn]:
    """At least 15 returns of RESULTS, then the hostile files."""
    cases: list[CustomReturn] = []
    add = _adder(RESULTS, cases)
    _results_layouts(add)
    _results_values_and_formats(add)
    return [case for case in cases if case.data or case.html] + hostile_returns(RESULTS)


def _results_layouts(add) -> None:
    typed = [_as_numbers(r) for r in (FANPAGE, WEBSITE, TIKTOK)]
    add("r01_canonical_real_numbers", _result_layout(), typed, unit_line=UNIT, missing=[])
    records = [FANPAGE, WEBSITE, TIKTOK, GROUP]
    add("r02_retyped_text_numbers", _result_layout(RESULT_RETYPED), records)
    layout = _result_layout(
        {"so_tin_bai_dang_trong_quy": "Số tin bài", "ty_le_tuong_tac": "Tỷ lệ tương tác"},
        groups=[("Kết quả trong quý", 3, 2)],
    )
    add("r03_two_row_header", layout, [FANPAGE, GROUP], unit_line=UNIT)
    layout = _result_layout(total=["", 177, 14450])
    add("r04_total_row", layout, [FANPAGE, WEBSITE, GROUP])
    again = dict(TIKTOK)
    again["duong_dan"] = C("tiktok.com/@TuoiTreNinhHai/", "tiktok.com/@tuoitreninhhai")
    again["_dup"] = C("duong_dan")
    fb_again = dict(FANPAGE)
    fb_again["duong_dan"] = C("m.facebook.com/doanxaphuocdan", "facebook.com/doanxaphuocdan")
    fb_again["_dup"] = C("duong_dan")
    add("r05_duplicate_urls", _result_layout(), [FANPAGE, TIKTOK, again, fb_again])


def _results_values_and_formats(add) -> None:
    bad = [
        result(
            "Trang Đoàn xã Phước Hà",
            C("Fanpage Đoàn xã", None, "invalid_url"),
            C("khoảng 100", None, "invalid_number"),
            C("100+", None, "invalid_number"),
            C("30/02/2026", None, "invalid_date"),
            C("chắc có", None, "invalid_yesno"),
            C("12.5 %", 12.5),
        ),
        result(
            C("", None),
            C("facebook.com/chidoanthon1", "facebook.com/chidoanthon1"),
            C("7", 7),
            C("1,5 nghìn", None, "invalid_number"),
            C("7/13/2026", None, "invalid_date"),
            C("Đã", True),
            C("cao", None, "invalid_number"),
        ),
    ]
    add("r06_bad_values", _result_layout(), bad)
    add("r07_missing_required", _result_layout({"duong_dan": ""}), [FANPAGE, WEBSITE])
    order = ["duong_dan", "ten_trang", "luot_tiep_can", "so_tin_bai_dang_trong_quy"]
    layout = Layout([(k, RESULT_HEADERS[k]) for k in order] + [("+", "Người phụ trách")])
    records = [{**WEBSITE, "+Người phụ trách": C("Trần Thị Bình")}, GROUP]
    expect = {"missing": ["ngay_dang_bai_noi_bat_nhat", "co_kiem_duyet_truoc_khi_dang"]}
    expect["missing"] += ["ty_le_tuong_tac", "ghi_chu"]
    add("r08_reordered_missing_optional", layout, records, **expect)
    add("r09_docx", _result_layout(), [FANPAGE, WEBSITE], "docx", unit_line=UNIT)
    layout = _result_layout(numbers_row=True, blank_after=(0,))
    add("r10_docx_numbers_row_blank_row", layout, [TIKTOK, GROUP, WEBSITE], "docx")
    add("r11_csv_bom", _result_layout(), [FANPAGE, TIKTOK], "csv-bom")
    spaced = {**WEBSITE, "luot_tiep_can": C("1 250", 1250), "ty_le_tuong_tac": C("12.5 %", 12.5)}
    add("r12_csv_utf8", _result_layout(RESULT_RETYPED), [spaced, GROUP], "csv")
    layout = _result_layout(RESULT_RETYPED)
    add("r13_gmail_html", layout, [FANPAGE, WEBSITE], "html", unit_line=UNIT)
    serial = {**_as_numbers(FANPAGE), "ngay_dang_bai_noi_bat_nhat": C(46249, "2026-08-15")}
    yes_no = {**_as_numbers(GROUP), "co_kiem_duyet_truoc_khi_dang": C("Chưa", False)}
    add("r14_serial_date_and_words", _result_layout(), [serial, yes_no])
    layout = _result_layout()
    layout.columns += [("+", "Ghi chú thêm"), ("+", "Facebook cá nhân")]
    layout.columns.insert(3, ("+", "Loại hình"))
    extra = {**TIKTOK, "+Ghi chú thêm": C("Mới lập"), "+Loại hình": C("TikTok")}
    add("r15_extra_columns", layout, [extra, FANPAGE], unit_line=UNIT)
    add("r16_ods", _result_layout(), [FANPAGE, TIKTOK], "ods", unit_line=UNIT)


# -- building and the hostile files -------------------------------------------------------


def _adder(spec: FormSpec, cases: list[CustomReturn]):
    """add(name, layout, records, fmt, **expected): a return built and its rows expected."""

    def add(name, layout, records, fmt="xlsx", **expect):
        rows = [expected_row(spec, layout, record) for record in records]
        cases.append(_build(name, spec, layout, records, fmt, rows, **expect))

    return add


def _build(name, spec, layout, records, fmt, rows, before=(), **expect) -> CustomReturn:
    case = CustomReturn(name, spec, ReadingStatus.READ, rows, **expect)
    if fmt == "xlsx":
        case.data = to_xlsx(layout, records, list(before))
    elif fmt == "ods":
        case.data = to_ods(to_xlsx(layout, records)) or b""  # b'' without LibreOffice: left out
    elif fmt == "docx":
        case.data = to_docx(layout, records)
    elif fmt in ("csv", "csv-bom"):
        bom = fmt == "csv-bom"
        case.data = to_csv(layout, records, "utf-8-sig" if bom else "utf-8", ";" if bom else ",")
    else:
        case.html = to_gmail_html(layout, records)
    return case


def hostile_returns(spec: FormSpec) -> list[CustomReturn]:
    """Files that are not the form: another table, random bytes, a truncated workbook, a
    zip bomb named like a workbook."""
    prefix = "admins" if spec is ADMINS else "results"
    agenda = Layout(
        [("stt", "STT"), ("+", "Thời gian"), ("+", "Nội dung"), ("+", "Địa điểm")],
        title=("LỊCH CÔNG TÁC TUẦN",),
    )
    meeting = [{"+Thời gian": C("8h00"), "+Nội dung": C("Họp BCH"), "+Địa điểm": C("Hội trường")}]
    noise = random.Random(19).randbytes(3000)  # noqa: S311 - test data, not a secret
    truncated = to_xlsx(_admin_layout(), [AN])[:700]
    return [
        CustomReturn(
            f"{prefix}_h1_not_the_form", spec, ReadingStatus.NO_TABLE, [], to_docx(agenda, meeting)
        ),
        CustomReturn(f"{prefix}_h2_random_bytes", spec, ReadingStatus.UNREADABLE, [], noise),
        CustomReturn(f"{prefix}_h3_truncated", spec, ReadingStatus.UNREADABLE, [], truncated),
        CustomReturn(f"{prefix}_h4_zip_bomb", spec, ReadingStatus.REFUSED, [], _zip_bomb()),
    ]


@lru_cache(maxsize=1)
def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 20_000_000)
    return out.getvalue()


@lru_cache(maxsize=1)
def all_returns() -> tuple[tuple[CustomReturn, ...], tuple[CustomReturn, ...]]:
    """(ADMINS' returns, RESULTS' returns), built once per test run."""
    return tuple(admins_returns()), tuple(results_returns())
