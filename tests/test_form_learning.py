"""Learning a dispatch's form from the blank template staff attach (mailin/forms/learn.py),
measured against the two forms of tests/support/form_specs.py. The templates are built
here the way staff write them: letterhead and title lines, merged cells, a column-number
row, empty bordered rows, drop-down lists; as xlsx, docx and (through LibreOffice) xls/ods."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from docx import Document
from openpyxl import Workbook

from mailin.forms.learn import LearnedForm, TemplateNotReadable, learn_form
from mailin.forms.spec import FieldType, FormSpec
from tests.support.form_specs import ADMINS, RESULTS
from tests.support.form_templates import (
    ADMINS_HEADER,
    ADMINS_TITLE,
    ADMINS_TITLES,
    CORPUS,
    RESULTS_TITLE,
    admins_book,
    admins_docx,
    admins_xlsx,
    converted,
    document_with,
    docx_bytes,
    ods_of,
    results_book,
    results_docx,
    results_xlsx,
    saved,
)

# --- Measuring ---------------------------------------------------------------------------


def _essentials(spec_fields) -> list[tuple]:
    return [(one.key, one.header, one.type, one.required) for one in spec_fields]


def right_ratio(learned: LearnedForm, truth: FormSpec) -> float:
    """The share of the ground truth's fields learned fully right (key, header, type,
    required), in order."""
    got, expected = _essentials(learned.spec.fields), _essentials(truth.fields)
    right = sum(1 for one, other in zip(got, expected, strict=False) if one == other)
    return right / max(len(expected), len(got))


def assert_learned(learned: LearnedForm, truth: FormSpec) -> None:
    assert right_ratio(learned, truth) >= 0.9, _essentials(learned.spec.fields)
    # All of them are right: the exact list, so any regression shows.
    assert _essentials(learned.spec.fields) == _essentials(truth.fields)
    for field in truth.fields:
        if field.type is FieldType.CHOICE:
            assert learned.spec.field(field.key).choices == field.choices
    assert all(one.reason for one in learned.fields)


# --- The two forms -----------------------------------------------------------------------


def test_admins_xlsx_is_learned_with_its_drop_down_list():
    learned = learn_form(admins_xlsx())
    assert_learned(learned, ADMINS)
    assert (learned.sheet, learned.header_row) == ("Danh sách", 7)
    assert learned.spec.title == ADMINS_TITLE
    gender = next(one for one in learned.fields if one.field.key == "gioi_tinh")
    assert gender.reason == "danh sách chọn trong tệp mẫu"
    # The page may be managed by several administrators: not unique, as the ground truth.
    assert [one.unique for one in learned.spec.fields] == [one.unique for one in ADMINS.fields]


def test_results_xlsx_two_row_header_is_learned_sub_headers_alone():
    learned = learn_form(results_xlsx())
    assert_learned(learned, RESULTS)
    assert (learned.sheet, learned.header_row) == ("Kết quả", 7)
    assert learned.spec.title == RESULTS_TITLE
    review = learned.spec.field("co_kiem_duyet_truoc_khi_dang")
    assert review.type is FieldType.YESNO and review.choices == ()
    assert [one.unique for one in learned.spec.fields] == [one.unique for one in RESULTS.fields]


def test_a_drop_down_list_kept_in_another_sheets_cells_is_read():
    learned = learn_form(results_xlsx(list_in_cells=True))
    assert_learned(learned, RESULTS)
    review = next(one for one in learned.fields if one.field.key.startswith("co_kiem"))
    assert review.reason == "danh sách chọn Có/Không trong tệp mẫu"


def test_without_a_drop_down_list_gender_is_a_choice_from_its_words():
    learned = learn_form(admins_xlsx(drop_down=False))
    assert_learned(learned, ADMINS)


def test_admins_docx_is_learned():
    learned = learn_form(admins_docx())
    assert_learned(learned, ADMINS)
    assert (learned.sheet, learned.header_row) == ("Bảng 1", 1)
    assert learned.spec.title == ADMINS_TITLE


def test_results_docx_two_row_header_with_merged_cells_is_learned():
    learned = learn_form(results_docx())
    assert_learned(learned, RESULTS)
    assert learned.header_row == 2
    assert learned.spec.title == RESULTS_TITLE


def test_the_title_given_by_staff_wins():
    assert learn_form(admins_docx(), title="Cán bộ quản trị").spec.title == "Cán bộ quản trị"


def test_ods_templates_are_learned():
    admins = learn_form(ods_of(admins_book(drop_down=False)))
    assert_learned(admins, ADMINS)
    assert admins.header_row == 7
    results = learn_form(ods_of(results_book()))
    assert_learned(results, RESULTS)  # the yes/no column from its words: no lists in ODS here
    assert results.header_row == 7


@pytest.mark.parametrize("to", ["xls", "ods"])
def test_libreoffice_xls_and_ods_are_learned(to, tmp_path):
    admins = learn_form(converted(admins_xlsx(drop_down=False), "xlsx", to, tmp_path))
    assert_learned(admins, ADMINS)
    results = learn_form(converted(results_xlsx(), "xlsx", to, tmp_path / "r"))
    assert_learned(results, RESULTS)


# --- Words --------------------------------------------------------------------------------


WORDINGS = [
    "TT",
    "Họ tên",
    "SĐT",
    "Địa chỉ email",
    "Link trang",
    "Ngày tháng năm sinh",
    "Số lượng thành viên",
    "Đã xác minh (Có/Không)",
    "Số ngày trực",
    "Năm sinh",
    "Điểm trung bình",
    "Địa điểm",
    "Cơ quan chủ quản",
    "E-mail:",
    "Tên miền *",
    "Đã xác minh",
    "Có fanpage riêng",
    "Đơn vị chủ quản (2)",
    "3. Liên kết",
    "(4) Ghi chú",
]
# (key, type, required) learned from each of WORDINGS but "TT".
WORDINGS_LEARNED = [
    ("ho_ten", FieldType.TEXT, False),
    ("sdt", FieldType.PHONE, False),
    ("dia_chi_email", FieldType.EMAIL, False),
    ("link_trang", FieldType.URL, False),
    ("ngay_thang_nam_sinh", FieldType.DATE, False),
    ("so_luong_thanh_vien", FieldType.INTEGER, False),
    ("da_xac_minh_co_khong", FieldType.YESNO, False),
    ("so_ngay_truc", FieldType.INTEGER, False),
    ("nam_sinh", FieldType.INTEGER, False),
    ("diem_trung_binh", FieldType.DECIMAL, False),
    ("dia_diem", FieldType.TEXT, False),
    ("co_quan_chu_quan", FieldType.TEXT, False),
    ("e_mail", FieldType.EMAIL, False),
    ("ten_mien", FieldType.URL, True),
    ("da_xac_minh", FieldType.YESNO, False),
    ("co_fanpage_rieng", FieldType.YESNO, False),
    ("don_vi_chu_quan", FieldType.TEXT, False),
    ("lien_ket", FieldType.URL, False),
    ("ghi_chu", FieldType.TEXT, False),
]


def test_other_wordings_are_typed_by_their_words():
    learned = learn_form(admins_xlsx(WORDINGS, drop_down=False))
    assert [(one.key, one.type, one.required) for one in learned.spec.fields] == WORDINGS_LEARNED
    headers = [one.header for one in learned.spec.fields]
    assert headers[-7:-2] == [
        "E-mail",
        "Tên miền",
        "Đã xác minh",
        "Có fanpage riêng",
        "Đơn vị chủ quản",
    ]


def test_the_same_header_twice_gets_two_keys():
    learned = learn_form(admins_xlsx(["STT", "Ghi chú", "Ghi chú"], drop_down=False))
    assert [one.key for one in learned.spec.fields] == ["ghi_chu", "ghi_chu_2"]


def test_a_letterhead_in_two_halves_is_not_the_header():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["TỈNH ĐOÀN NINH THUẬN", None, None, "ĐOÀN TNCS HỒ CHÍ MINH"])
    sheet.append(["BAN TUYÊN GIÁO", None, None, "Ninh Thuận, ngày 02 tháng 12 năm 2026"])
    sheet.append(["Số: 431-CV/TĐTN-TG", None, None, None])
    sheet.append([])
    sheet.append(["Họ và tên", "Email"])
    learned = learn_form(saved(workbook))
    assert learned.header_row == 5
    assert [one.key for one in learned.spec.fields] == ["ho_va_ten", "email"]


def test_a_word_letterhead_table_above_the_form_is_not_the_form():
    document = Document()
    letterhead = document.add_table(rows=1, cols=2)
    left, right = letterhead.rows[0].cells
    left.text = "BAN CHẤP HÀNH ĐOÀN TỈNH NINH THUẬN"
    left.add_paragraph("Số: 431-CV/TĐTN-TG")
    right.text = "ĐOÀN TNCS HỒ CHÍ MINH"
    right.add_paragraph("Ninh Thuận, ngày 02 tháng 12 năm 2026")
    document.add_paragraph(ADMINS_TITLE)
    table = document.add_table(rows=3, cols=len(ADMINS_HEADER))
    for column, text in enumerate(ADMINS_HEADER):
        table.cell(0, column).text = text
    learned = learn_form(docx_bytes(document))
    assert learned.sheet == "Bảng 2"
    assert_learned(learned, ADMINS)
    assert learned.spec.title == ADMINS_TITLE


def test_the_sheet_with_the_widest_header_is_chosen():
    workbook = Workbook()
    guide = workbook.active
    guide.title = "Hướng dẫn"
    guide.append(["HƯỚNG DẪN ĐIỀN BIỂU MẪU"])
    guide.append(["Cột", "Cách ghi"])
    form = workbook.create_sheet("Biểu mẫu")
    form.append(["STT", "Tên trang", "Đường dẫn (*)", "Lượt tiếp cận"])
    learned = learn_form(saved(workbook))
    assert learned.sheet == "Biểu mẫu"
    assert learned.spec.field("duong_dan").unique  # a list of pages: each listed once


# --- What is not a template -----------------------------------------------------------------


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)
    return out.getvalue()


def _titles_only() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in ADMINS_TITLES:
        sheet.append([line])
    return saved(workbook)


HOSTILE = {
    "empty": b"",
    "random": random.Random(19).randbytes(4096),  # noqa: S311 (seeded noise, not a secret)
    "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
    "pdf": b"%PDF-1.7\n",
    "text": "Họ và tên,Email\n".encode(),
    "truncated zip": admins_xlsx()[:2000],
    "cfb garbage": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 2000,
}


@pytest.mark.parametrize("name", [*HOSTILE, "bomb", "encrypted", "titles only", "docx no table"])
def test_what_is_not_a_template_is_refused_with_a_vietnamese_message(name):
    data = HOSTILE.get(name)
    if name == "bomb":
        data = _bomb()
    elif name == "encrypted":
        data = (CORPUS / "35-encrypted.xlsx").read_bytes()
    elif name == "titles only":
        data = _titles_only()
    elif name == "docx no table":
        data = docx_bytes(document_with(ADMINS_TITLES))
    with pytest.raises(TemplateNotReadable) as refused:
        learn_form(data)
    message = str(refused.value)
    assert "tệp" in message.lower(), message
    if name == "encrypted":
        assert "mật khẩu" in message
    if name == "bomb":
        assert "không an toàn" in message


def test_every_corpus_file_is_learned_or_refused_cleanly():
    """The readers' corpus (filled returns, odd files): never anything but a form or
    TemplateNotReadable."""
    for path in sorted(CORPUS.iterdir()):
        if path.suffix == ".json":
            continue
        try:
            learned = learn_form(path.read_bytes())
        except TemplateNotReadable:
            continue
        assert learned.spec.fields, path.name
        types = {one.type for one in learned.spec.fields}
        # Each return of the pages form has its phone column found (43 is another form).
        assert FieldType.PHONE in types or path.name.startswith("43"), path.name


def test_xls_and_ods_saved_by_libreoffice_are_learned():
    """(No Calc here to convert ADMINS and RESULTS to xls: the corpus's real LibreOffice
    files show the xls and ods paths.)"""
    for name, row in (("15-libreoffice.xls", 4), ("16-libreoffice.ods", 3)):
        learned = learn_form((CORPUS / name).read_bytes())
        assert (learned.sheet, learned.header_row) == ("Danh sách", row)
        types = [one.type for one in learned.spec.fields]
        assert types[:3] == [FieldType.TEXT, FieldType.TEXT, FieldType.URL]
        assert learned.spec.field("so_dien_thoai").type is FieldType.PHONE


def test_legacy_tcvn3_headers_are_read_as_vietnamese():
    learned = learn_form((CORPUS / "46-tcvn3.xlsx").read_bytes())
    assert learned.spec.fields[0].header == "Tên trang"
    assert learned.spec.field("so_dien_thoai").type is FieldType.PHONE
