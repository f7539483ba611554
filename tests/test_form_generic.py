"""Returns of a dispatch's own form (its FormSpec) read into typed, checked rows: the corpus
of tests/support/custom_returns.py, and each type's parsing and the header's tolerance."""

from __future__ import annotations

import random

import pytest

from mailin.forms import ReadingStatus
from mailin.forms.generic import (
    SpecReading,
    combine_rows,
    find_spec_header,
    map_columns,
    read_grids_with_spec,
    read_html_with_spec,
    read_with_spec,
)
from mailin.forms.grid import Grid
from mailin.forms.spec import FieldType, FormField, FormSpec
from mailin.forms.typed_values import (
    match_choice,
    parse_date,
    parse_decimal,
    parse_emails,
    parse_integer,
    parse_phone,
    parse_yesno,
    typed_value,
)
from tests.support.custom_returns import CustomReturn, all_returns
from tests.support.form_specs import ADMINS, RESULTS

# -- the corpus ----------------------------------------------------------------------------


def read(case: CustomReturn) -> SpecReading:
    if case.html:
        return read_html_with_spec(case.html, case.spec)
    return read_with_spec(case.data, case.spec)


def differences(case: CustomReturn) -> list[str]:
    """What the reader got wrong in a return ([] when all of it is as expected)."""
    reading = read(case)
    wrong = []
    if reading.status != case.status:
        wrong.append(f"status {reading.status} ({reading.detail}), expected {case.status}")
    if case.unit_line is not None and reading.unit_line != case.unit_line:
        wrong.append(f"unit line {reading.unit_line!r}")
    if case.missing is not None and reading.missing != case.missing:
        wrong.append(f"missing {reading.missing}, expected {case.missing}")
    if len(reading.rows) != len(case.rows):
        wrong.append(f"{len(reading.rows)} rows, expected {len(case.rows)}")
    for number, (got, expected) in enumerate(zip(reading.rows, case.rows, strict=False), 1):
        values = {key: value for key, value in got.values.items() if value is not None}
        if values != expected.values:
            wrong.append(f"row {number} values {values}, expected {expected.values}")
        findings = sorted((code, key) for _severity, code, key in got.findings)
        if findings != sorted(expected.findings):
            wrong.append(f"row {number} findings {findings}, expected {expected.findings}")
    return wrong


def _ids(cases) -> list[str]:
    return [case.name for case in cases]


ADMIN_RETURNS, RESULT_RETURNS = all_returns()


@pytest.mark.parametrize("cases", [ADMIN_RETURNS, RESULT_RETURNS], ids=["admins", "results"])
def test_at_least_95_percent_of_each_forms_returns_are_read_exactly(cases):
    # All of them are, today; the assertion leaves room for one odd return per form.
    assert len([c for c in cases if c.status == ReadingStatus.READ]) >= 15
    wrong = {case.name: differences(case) for case in cases}
    wrong = {name: found for name, found in wrong.items() if found}
    exact = len(cases) - len(wrong)
    assert exact / len(cases) >= 0.95, wrong


@pytest.mark.parametrize(
    "case", [*ADMIN_RETURNS, *RESULT_RETURNS], ids=_ids([*ADMIN_RETURNS, *RESULT_RETURNS])
)
def test_each_return_as_expected(case):
    assert differences(case) == []


def test_a_return_s_rows_keep_their_sheet_row_raw_cells_and_extra_headers():
    case = next(c for c in ADMIN_RETURNS if c.name == "a02_retyped_real_dates_extra")
    reading = read(case)
    assert reading.extra_headers == ["Facebook cá nhân"]
    assert reading.sheet == "Sheet"
    first = reading.rows[0]
    assert first.sheet == "Sheet" and first.row == 5  # title, unit line, blank line, header
    assert first.raw["trang_phu_trach_duong_dan"] == "https://www.facebook.com/DoanXaPhuocDan/"
    assert first.raw["ngay_sinh"] == "05/03/1998"
    assert first.raw["chuc_vu"] == "Phó Bí thư"
    assert set(first.values) == {f.key for f in ADMINS.fields}


def test_a_missing_required_column_is_reported_and_required_on_every_row():
    case = next(c for c in ADMIN_RETURNS if c.name == "a07_missing_required")
    reading = read(case)
    assert reading.status == ReadingStatus.READ
    assert reading.missing == ["so_dien_thoai"]
    assert all(("error", "required", "so_dien_thoai") in row.findings for row in reading.rows)


def test_a_duplicate_url_is_an_error_on_the_second_row_only():
    case = next(c for c in RESULT_RETURNS if c.name == "r05_duplicate_urls")
    rows = read(case).rows
    flagged = [r.row for r in rows if ("error", "duplicate_in_return", "duong_dan") in r.findings]
    assert flagged == [rows[2].row, rows[3].row]


# -- each type's parsing -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("05/3/1998", "1998-03-05"),
        ("5/3/1998", "1998-03-05"),
        ("05-03-1998", "1998-03-05"),
        ("5.3.1998", "1998-03-05"),
        ("1998-03-05", "1998-03-05"),
        ("ngày 5 tháng 3 năm 1998", "1998-03-05"),
        ("Ngày 05 tháng 03 năm 1998", "1998-03-05"),
        ("35870", "1998-03-16"),
        ("12/01/2026", "2026-01-12"),  # day first, never month first
        ("05/03/2026 08:30", "2026-03-05"),  # a datetime cell with a time of day
        ("30/02/2020", None),
        ("7/13/2026", None),
        ("05/03/98", None),  # a 2-digit year is a guess
        ("0", None),
        ("80001", None),
        ("tháng 3", None),
        ("1998", None),  # a year alone, not serial 1998 (a day in 1905)
        ("1899", None),  # a serial before 1920 is not taken for a date
        ("12", None),  # "the 12th", not 11/01/1900
        ("7305", None),
        ("7306", "1920-01-01"),
        ("10000", "1927-05-18"),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", 12),
        ("12.0", 12),
        ("1.250", 1250),
        ("1,250", 1250),
        ("1 250", 1250),
        ("12.300.000", 12300000),
        ("0", 0),
        ("khoảng 100", None),
        ("100+", None),
        ("1.25", None),
        ("-5", None),
        ("1,5 nghìn", None),
    ],
)
def test_integers(text, expected):
    assert parse_integer(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("12,5%", 12.5),
        ("12.5 %", 12.5),
        ("3", 3.0),
        ("1.250,5", 1250.5),
        ("1,250.5", 1250.5),
        ("cao", None),
        ("12,5,5", None),
    ],
)
def test_decimals(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    "text", ["Có", "co", "x", "X", "yes", "Y", "Đã", "1", "TRUE", "rồi", "có."]
)
def test_yes(text):
    assert parse_yesno(text) is True


@pytest.mark.parametrize("text", ["Không", "khong", "ko", "K", "no", "n", "0", "FALSE", "Chưa"])
def test_no(text):
    assert parse_yesno(text) is False


@pytest.mark.parametrize("text", ["chắc có", "có lẽ", "?", "2"])
def test_neither_yes_nor_no(text):
    assert parse_yesno(text) is None


def test_choices_match_after_folding_only():
    choices = ("Nam", "Nữ")
    assert match_choice("nu", choices) == "Nữ"
    assert match_choice("NỮ", choices) == "Nữ"
    assert match_choice(" nam ", choices) == "Nam"
    assert match_choice("Nữ giới", choices) is None
    assert match_choice("Khác", choices) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(0259) 3822 123", "02593822123"),
        ("912345678", "0912345678"),  # a number cell lost the leading 0
        ("02593822123", "02593822123"),  # a landline: 11 digits
        ("09123", None),
        ("091234567890", None),
        ("không có", None),
    ],
)
def test_phones(text, expected):
    assert parse_phone(text) == expected


def test_emails():
    assert parse_emails("a@gmail.com") == "a@gmail.com"
    assert parse_emails("a@gmail.com, b@yahoo.com") == "a@gmail.com; b@yahoo.com"
    assert parse_emails("a@gmail") is None
    assert parse_emails("a@gmail.com; không có") is None


def test_each_type_gives_its_code():
    def one(type_, text, **options):
        return typed_value(FormField("k", "K", type_, **options), text)

    assert one(FieldType.TEXT, "  ") == ("  ", "")  # cells arrive cleaned; text stays text
    assert one(FieldType.TEXT, "") == (None, "")
    assert one(FieldType.URL, "https://www.facebook.com/A/") == ("facebook.com/a", "")
    assert one(FieldType.URL, "Fanpage Đoàn xã") == (None, "invalid_url")
    assert one(FieldType.PHONE, "123") == (None, "invalid_phone")
    assert one(FieldType.EMAIL, "x@") == (None, "invalid_email")
    assert one(FieldType.INTEGER, "100+") == (None, "invalid_number")
    assert one(FieldType.DECIMAL, "cao") == (None, "invalid_number")
    assert one(FieldType.DATE, "30/02/2020") == (None, "invalid_date")
    assert one(FieldType.YESNO, "hmm") == (None, "invalid_yesno")
    assert one(FieldType.CHOICE, "Nữ giới", choices=("Nam", "Nữ")) == (None, "not_in_list")


# -- the header's tolerance ----------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, key",
    [
        ("Họ và tên", "ho_va_ten"),
        ("Họ tên", "ho_va_ten"),
        ("HỌ VÀ TÊN CÁN BỘ", "ho_va_ten"),
        ("1. Họ và tên (*)", "ho_va_ten"),
        ("Họ và\ntên", "ho_va_ten"),
        ("Ngày tháng năm sinh", "ngay_sinh"),
        ("SĐT", "so_dien_thoai"),
        ("Số ĐT", "so_dien_thoai"),
        ("Điện thoại di động", "so_dien_thoai"),
        ("E-mail", "email"),
        ("Link trang", "trang_phu_trach_duong_dan"),
        ("URL", "trang_phu_trach_duong_dan"),
        ("Đường dẫn", "trang_phu_trach_duong_dan"),
        ("Trang phụ trách", "trang_phu_trach_duong_dan"),
    ],
)
def test_admins_header_cells(cell, key):
    assert map_columns([cell], ADMINS) == {key: 0}


@pytest.mark.parametrize(
    "cell, key",
    [
        ("Số bài", "so_tin_bai_dang_trong_quy"),
        ("Lượt tiếp cận (lượt)", "luot_tiep_can"),
        ("Kiểm duyệt?", "co_kiem_duyet_truoc_khi_dang"),
        ("Tỉ lệ tương tác", "ty_le_tuong_tac"),
        ("Link", "duong_dan"),
        ("Ngày đăng bài nổi bật", "ngay_dang_bai_noi_bat_nhat"),
    ],
)
def test_results_header_cells(cell, key):
    assert map_columns([cell], RESULTS) == {key: 0}


def test_unrelated_and_sequence_cells_name_no_field():
    assert map_columns(["STT", "TT", "Facebook cá nhân", "Đơn vị công tác"], ADMINS) == {}
    assert map_columns(["Loại hình", "Người phụ trách"], RESULTS) == {}


def test_the_longest_match_wins_and_each_field_once():
    assert map_columns(["Ghi chú thêm", "Ghi chú"], ADMINS) == {"ghi_chu": 1}
    assert map_columns(["Email", "Email"], ADMINS) == {"email": 0}


def test_a_phone_column_is_found_on_any_form():
    spec = FormSpec("x", (FormField("lien_lac", "Liên lạc", FieldType.PHONE), FormField("a", "A")))
    assert map_columns(["SĐT"], spec) == {"lien_lac": 0}


def test_two_header_rows_combined():
    top = ["Tên trang", "Kết quả", "", "Ghi chú"]
    bottom = ["", "Số tin bài", "Lượt tiếp cận", ""]
    assert combine_rows(top, bottom, RESULTS) == (
        "Tên trang",
        "Số tin bài",
        "Lượt tiếp cận",
        "Ghi chú",
    )
    header = find_spec_header([["Đơn vị: X"], top, bottom, ["A", "1", "2", ""]], RESULTS)
    assert (header.row, header.height, len(header.columns)) == (2, 2, 4)


def test_one_field_is_not_a_header():
    rows = [["Ghi chú", "Nội dung"], ["a", "b"]]
    reading = read_grids_with_spec([Grid("S", rows)], "csv", ADMINS)
    assert reading.status == ReadingStatus.NO_TABLE


def test_rows_end_at_the_total_and_signature_and_skip_empty_ones():
    rows = [
        ["STT", "Tên trang", "Đường dẫn", "Số bài"],
        ["1", "2", "3", "4"],
        ["1", "A", "fb.com/a", "3"],
        ["2", "", "", ""],
        ["", "", "", ""],
        ["3", "B", "fb.com/b", "4"],
        ["", "Tổng cộng", "", "7"],
        ["4", "C", "fb.com/c", "1"],
    ]
    reading = read_grids_with_spec([Grid("S", rows)], "csv", RESULTS)
    assert [r.row for r in reading.rows] == [3, 6]
    rows[6] = ["Người lập biểu", "", "", ""]
    assert len(read_grids_with_spec([Grid("S", rows)], "csv", RESULTS).rows) == 2


def test_section_headings_are_skipped_and_a_birth_date_in_words_is_data():
    rows = [
        ["STT", "Họ và tên", "Số điện thoại", "Link"],
        ["I", "Cấp huyện", "", ""],
        ["1", "Nguyễn Văn An", "0912345678", "fb.com/a"],
        ["II. Cấp xã", "", "", ""],
        ["2", "Trần Thị Bình", "0987654321", "fb.com/b"],
        ["Ninh Hải, ngày 5 tháng 10 năm 2026", "", "", "TM. BAN THƯỜNG VỤ"],
        ["3", "Lê Văn Ký", "0912345679", "fb.com/c"],
    ]
    reading = read_grids_with_spec([Grid("S", rows)], "csv", ADMINS)
    assert [r.values["ho_va_ten"] for r in reading.rows] == ["Nguyễn Văn An", "Trần Thị Bình"]
    spec = FormSpec("x", (FormField("ngay", "Ngày sinh", FieldType.DATE), FormField("t", "Tên")))
    rows = [["Ngày sinh", "Tên", "Ghi chú"], ["ngày 5 tháng 3 năm 1998", "An", "Đoàn viên"]]
    reading = read_grids_with_spec([Grid("S", rows)], "csv", spec)
    assert [r.values for r in reading.rows] == [{"ngay": "1998-03-05", "t": "An"}]


def test_a_group_title_over_an_unknown_sub_header_is_not_a_field():
    top = ["Họ và tên", "Trang phụ trách", ""]
    bottom = ["", "Tên trang", "Đường dẫn"]
    assert combine_rows(top, bottom, ADMINS) == (
        "Họ và tên",
        "Trang phụ trách Tên trang",
        "Đường dẫn",
    )
    assert map_columns(combine_rows(top, bottom, ADMINS), ADMINS) == {
        "ho_va_ten": 0,
        "trang_phu_trach_duong_dan": 2,
    }


def test_hostile_input_never_raises():
    for data in (b"", b"PK\x03\x04garbage", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600):
        assert read_with_spec(data, ADMINS).status != ReadingStatus.READ
    assert read_html_with_spec("<table><tr><td colspan=x>", RESULTS).status == "no_table"


def test_damaged_files_give_a_status_never_an_exception():
    # Bytes flipped in the corpus's files: among them zips whose entries fail to inflate
    # (zlib.error) or claim an unknown version (NotImplementedError), which the safety
    # checks themselves raise before any parser runs.
    rng = random.Random(1)  # noqa: S311 - reproducible damage, not a secret
    statuses = set()
    for case in [*ADMIN_RETURNS, *RESULT_RETURNS]:
        for _ in range(6 if case.data else 0):
            damaged = bytearray(case.data)
            for _ in range(rng.randint(1, 20)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            statuses.add(read_with_spec(bytes(damaged), case.spec).status)
    assert ReadingStatus.UNREADABLE in statuses


def test_the_built_in_form_is_read_as_before():
    # generic.py only imports from mailin.forms; the sites-and-pages reader is unchanged.
    from mailin.forms import read_form

    case = next(c for c in RESULT_RETURNS if c.name == "r01_canonical_real_numbers")
    reading = read_form(case.data)
    assert reading.status == ReadingStatus.READ
    assert [r.url_normalized for r in reading.rows][:1] == ["facebook.com/doanxaphuocdan"]
