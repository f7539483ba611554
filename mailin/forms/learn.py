"""A dispatch's form learned from the blank template staff attach: the header row found the
way a person finds it (below the letterhead and the title), one field per column, each
field's type guessed from its header's words or from the drop-down list on its column.

Bytes in, plain data out. Staff confirm (and correct) what is learned, so each field says
why its type was guessed.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, replace

from mailin.forms import ReadingStatus, _grids, _refusal
from mailin.forms.grid import Grid
from mailin.forms.header import header_words
from mailin.forms.legacy import from_tcvn3
from mailin.forms.sniff import sniff
from mailin.forms.spec import FieldType, FormField, FormSpec, field_key
from mailin.text import fold, nfc

SEARCH_ROWS = 40  # a header lower than this is not a template's header
MAX_HEADER_CELL = 120  # longer text is an instruction or a title, not a column's header
READABLE = {"xlsx", "xls", "ods", "docx"}

NOT_READABLE = "Không đọc được tệp mẫu: tệp bị hỏng hoặc không đúng định dạng."
NO_HEADER = (
    "Không tìm thấy bảng tiêu đề trong tệp mẫu: cần một dòng có ít nhất hai cột tiêu đề "
    "(ví dụ “Họ và tên”, “Số điện thoại”) trong 40 dòng đầu."
)
WRONG_KIND = (
    "Chỉ học được biểu mẫu từ tệp Excel (.xlsx, .xls), OpenDocument (.ods) hoặc Word (.docx)."
)
REFUSALS = {
    ReadingStatus.ENCRYPTED: "Tệp mẫu được đặt mật khẩu: xin gửi lại tệp không có mật khẩu.",
    ReadingStatus.REFUSED: "Tệp mẫu không an toàn để mở (tệp nén bất thường) nên không được đọc.",
    ReadingStatus.MANUAL_ENTRY: "Tệp mẫu là ảnh chụp hoặc PDF: " + WRONG_KIND,
}


class TemplateNotReadable(ValueError):
    """The template cannot give a form; the message (Vietnamese) is for staff."""


@dataclass(frozen=True)
class LearnedField:
    field: FormField
    reason: str  # why this type, in Vietnamese, shown to staff next to the guess


@dataclass(frozen=True)
class LearnedForm:
    spec: FormSpec
    sheet: str  # the sheet or table ('Bảng N') the header was found in
    header_row: int  # 1-based row of the (last) header row
    fields: tuple[LearnedField, ...]


# --- The header row -------------------------------------------------------------------

# A column-number row under the header: "(1)", "2", "A", "(3)=(1)+(2)".
_NUMBERING = re.compile(r"^\(?\s*(?:\d{1,3}|[a-z])\s*\)?(?:\s*[=+\-*/x]\s*\(?\s*\d{1,3}\s*\)?)*$")
_NUMBER = re.compile(r"^[\d\s.,%/:()+\-]+$")  # a number, a date, a percentage: data, not a title
# Letterhead and title lines: a row of at most two such cells is never the header.
_LETTERHEAD = re.compile(
    r"^(?:\(?\s*kem theo|cong hoa|doc lap|dang cong san|doan tncs|ban chap hanh|tinh doan|"
    r"thanh doan|huyen doan|so\s*:|v/v|kinh gui|don vi\s*:|danh sach|bao cao|ket qua|"
    r"thong ke|bieu\b|mau\b)"
    r"|ngay\W*\S*\W*thang\W*\S*\W*nam|^[\W_]+$"
)
_SEQUENCE = {"stt", "tt", "so tt", "so thu tu", "thu tu"}


def _is_numbering(cell: str) -> bool:
    return bool(_NUMBERING.match(fold(cell)))


def _header_cells(row: list[str]) -> list[int]:
    """The columns of a row that could be headers: short text, not a number nor a date."""
    return [
        index
        for index, cell in enumerate(row)
        if cell and len(cell) <= MAX_HEADER_CELL and not _NUMBER.match(cell)
    ]


def _title_like(cell: str) -> bool:
    """A letterhead or title line: a letterhead phrase, or three or more upper-case words."""
    folded = fold(cell)
    if _LETTERHEAD.search(folded):
        return True
    return cell.isupper() and len(cell.split()) >= 3


def _is_header_start(row: list[str]) -> bool:
    """At least two header-like cells; with only two, not both letterhead (left and right
    halves of "TỈNH ĐOÀN ... | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")."""
    columns = _header_cells(row)
    if len(columns) < 2:
        return False
    if len(columns) == 2 and all(_title_like(row[index]) for index in columns):
        return False
    return not all(_is_numbering(row[index]) for index in columns)


def _has_sub_headers(top: list[str], below: list[str]) -> bool:
    """Whether the row below the header's first row holds sub-headers: text only where the
    top row is empty (under a merged group title) or under a group's first cell, or the
    same text again (a Word cell merged down repeats it)."""
    columns = _header_cells(below)
    if not columns or all(_is_numbering(below[index]) for index in columns):
        return False
    width = len(top)
    under_group = False
    for index in range(len(below)):
        upper = top[index] if index < width else ""
        if not below[index] or below[index] == upper:
            continue
        group_start = bool(upper) and index + 1 < width and not top[index + 1]
        if upper and not group_start:
            return False  # text under a single-column title: a data row
        under_group = True
    return under_group


def _combined(top: list[str], below: list[str] | None) -> list[str]:
    """Each column's header: its sub-header when it has one (the ground truth's "Tên trang",
    not "Trang Tên trang"), else the title above it (merged down over both rows)."""
    if below is None:
        return list(top)
    width = max(len(top), len(below))
    cells = []
    for index in range(width):
        upper = top[index] if index < len(top) else ""
        lower = below[index] if index < len(below) else ""
        cells.append(lower or upper)
    return cells


def find_template_header(rows: list[list[str]]) -> tuple[int, int, list[str]] | None:
    """(0-based first and last header rows, each column's header text) or None."""
    for index, row in enumerate(rows[:SEARCH_ROWS]):
        if not _is_header_start(row):
            continue
        below = rows[index + 1] if index + 1 < len(rows) else []
        if _has_sub_headers(row, below):
            return index, index + 1, _combined(row, below)
        return index, index, _combined(row, None)
    return None


# --- Each column's field --------------------------------------------------------------

_REQUIRED = re.compile(r"\(\s*\*\s*\)|\*|\(\s*bắt buộc\s*\)", re.IGNORECASE)
# "1. Tên kênh", "(3) Địa chỉ": the column's number, not part of its header.
_NUMBERED = re.compile(r"^\(?\s*(?:\d{1,2}|[IVX]{1,4}|[a-z])\s*[).:-]\s*(?=\S)")
_FOOTNOTE = re.compile(r"\s*\(\d{1,2}\)\s*$")  # "Email (2)": see note 2 below the table


def clean_header(cell: str) -> tuple[str, bool]:
    """(the header as staff will see it, whether it is marked required). "(%)" and
    "(đường dẫn)" stay: they are part of the header."""
    text = _NUMBERED.sub("", nfc(cell))
    required = bool(_REQUIRED.search(text))
    text = _REQUIRED.sub(" ", text)
    text = _FOOTNOTE.sub("", " ".join(text.split())).rstrip(":").strip()
    return text, required


# (folded phrase, where it must appear, type). Where several match, the longest phrase
# wins: "so dien thoai" (PHONE) beats "so " rules, "ngay thang nam sinh" beats "nam sinh".
START, WORDS = "start", "words"  # the header begins with the phrase / has it as whole words
_RULES: tuple[tuple[str, str, FieldType], ...] = (
    *((p, WORDS, FieldType.DATE) for p in ("ngay", "ngay sinh", "ngay thang nam sinh")),
    *((p, WORDS, FieldType.DATE) for p in ("thoi gian", "ngay dang", "ngay thanh lap")),
    *((p, START, FieldType.INTEGER) for p in ("so ngay", "nam sinh", "so luong", "so tin")),
    *((p, START, FieldType.INTEGER) for p in ("so bai", "so nguoi", "so luot", "luot")),
    *((p, START, FieldType.INTEGER) for p in ("tong so", "so thanh vien", "so lan")),
    *((p, START, FieldType.INTEGER) for p in ("so doan vien", "so hoi vien", "so trang")),
    *((p, WORDS, FieldType.PHONE) for p in ("so dien thoai", "dien thoai", "sdt", "so dt")),
    *((p, WORDS, FieldType.PHONE) for p in ("dt di dong", "di dong", "dtdd")),
    *((p, WORDS, FieldType.EMAIL) for p in ("email", "e mail", "thu dien tu", "hop thu")),
    *((p, WORDS, FieldType.URL) for p in ("duong dan", "link", "url", "dia chi trang")),
    *((p, WORDS, FieldType.URL) for p in ("ten mien", "website", "dia chi truy cap")),
    ("lien ket", WORDS, FieldType.URL),
    *((p, WORDS, FieldType.DECIMAL) for p in ("ty le", "ti le", "trung binh", "phan tram")),
    ("diem", START, FieldType.DECIMAL),  # "Điểm", not "Địa điểm"
    ("gioi tinh", WORDS, FieldType.CHOICE),
)
_YES_NO_MARK = re.compile(r"\(\s*co\s*/\s*khong\s*\)|co hay khong|\bx neu co\b")
_QUESTION = ("có ", "đã ")  # "Có kiểm duyệt...", "Đã xác minh": as written, "Cơ quan" is not
_YES_NO_PAIRS = ({"co", "khong"}, {"yes", "no"})
GENDERS = ("Nam", "Nữ")


def _matches(words: str, phrase: str, how: str) -> bool:
    if how == START:
        return words == phrase or words.startswith(phrase + " ")
    return f" {phrase} " in f" {words} "


def guess_type(header: str) -> tuple[FieldType, str]:
    """The type a header's words suggest, and why (for staff)."""
    folded, words = fold(header), header_words(header)
    if _YES_NO_MARK.search(folded):
        return FieldType.YESNO, "tiêu đề có '(Có/Không)'"
    if "%" in header:
        return FieldType.DECIMAL, "tiêu đề có '(%)'"
    found = [(len(p), p, kind) for p, how, kind in _RULES if _matches(words, p, how)]
    if found:
        _length, phrase, kind = max(found, key=lambda one: one[0])
        return kind, f"tiêu đề có '{phrase}'"
    if nfc(header).lower().startswith(_QUESTION):
        return FieldType.YESNO, "tiêu đề là câu hỏi có/không"
    return FieldType.TEXT, "mặc định: văn bản"


def _typed(header: str, choices: tuple[str, ...]) -> tuple[FieldType, tuple[str, ...], str]:
    """(type, choices, reason): a drop-down list on the column beats the header's words."""
    if choices:
        if {fold(one) for one in choices} in _YES_NO_PAIRS:
            return FieldType.YESNO, (), "danh sách chọn Có/Không trong tệp mẫu"
        return FieldType.CHOICE, choices, "danh sách chọn trong tệp mẫu"
    kind, reason = guess_type(header)
    if kind is FieldType.CHOICE:
        return kind, GENDERS, reason + ": Nam, Nữ"
    return kind, (), reason


def _fields(headers: list[str], lists: dict[int, tuple[str, ...]]) -> list[LearnedField]:
    """One field per header column, the row-number column ("STT") left out."""
    learned: list[LearnedField] = []
    taken: set[str] = set()
    for column, cell in enumerate(headers):
        header, required = clean_header(cell)
        if not header or header_words(header) in _SEQUENCE or _is_numbering(header):
            continue
        kind, choices, reason = _typed(header, lists.get(column, ()))
        key = field_key(header, taken)
        taken.add(key)
        field = FormField(key, header, kind, required=required, choices=choices)
        learned.append(LearnedField(field, reason))
    return _with_unique_pages(learned)


def _with_unique_pages(learned: list[LearnedField]) -> list[LearnedField]:
    """A required page address is listed once per return, unless the rows are people (one
    page may have several administrators)."""
    people = any(fold(one.field.header) in ("ho va ten", "ho ten") for one in learned)
    if people:
        return learned
    out = []
    for one in learned:
        field = one.field
        if field.type is FieldType.URL and field.required:
            field = replace(field, unique=True)
        out.append(LearnedField(field, one.reason))
    return out


# --- Drop-down lists (xlsx data validation) -------------------------------------------

_RANGE = re.compile(
    r"^(?:'?(?P<sheet>[^'!]+)'?!)?\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)"
    r"(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?$"
)
MAX_CHOICES = 200
# openpyxl holds every cell in memory: a template is small; a huge "template" keeps its
# words but its drop-down lists are not looked at.
MAX_LIST_CELLS = 200_000


def _list_values(workbook, sheet, formula: str) -> tuple[str, ...]:
    """A list validation's values: inline ("Nam,Nữ") or a simple range of cells."""
    formula = (formula or "").strip()
    if formula.startswith('"') and formula.endswith('"'):
        values = formula[1:-1].split(",")
    else:
        found = _RANGE.match(formula)
        if not found:
            return ()  # a defined name or a formula: not resolved
        if found["sheet"] and found["sheet"] not in workbook.sheetnames:
            return ()
        source = workbook[found["sheet"]] if found["sheet"] else sheet
        first = int(found["r1"])
        last = min(int(found["r2"] or first), first + MAX_CHOICES)  # "A1:A1048576" too
        cells = source[f"{found['c1']}{first}:{found['c2'] or found['c1']}{last}"]
        values = [str(c.value) for row in cells for c in row if c.value is not None]
    clean = (" ".join(nfc(value).split()) for value in values[:MAX_CHOICES])
    return tuple(value for value in clean if value)


def drop_down_lists(data: bytes, sheet_name: str) -> dict[int, tuple[str, ...]]:
    """0-based column -> the values of the list validation on it, in an xlsx's sheet. Any
    problem gives no lists: the header's words still guess the type."""
    try:
        from openpyxl import load_workbook

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "extension is not supported": lists elsewhere
            workbook = load_workbook(io.BytesIO(data))
        sheet = workbook[sheet_name]
        lists: dict[int, tuple[str, ...]] = {}
        for validation in sheet.data_validations.dataValidation:
            if validation.type != "list":
                continue
            values = _list_values(workbook, sheet, validation.formula1)
            for cells in validation.sqref.ranges if values else ():
                for column in range(cells.min_col, min(cells.max_col, 100) + 1):
                    lists.setdefault(column - 1, values)
        return lists
    except Exception:  # a list we cannot read is only a lost hint
        return {}


# --- The whole template ---------------------------------------------------------------

_TITLE_STARTS = ("danh sach", "bao cao", "ket qua", "thong ke", "bieu")

# Characters TCVN3 mojibake shows ("Tªn trang") and Unicode Vietnamese never has. from_tcvn3
# alone would also change Unicode text: "Tên" is Latin-1 too.
_MOJIBAKE = re.compile("[\u00a1-\u00bf" + "ÄÅÆÇËÎÏÐÑÖ×ØÛÜÞß" + "]")


def _legacy(headers: list[str]) -> bool:
    return any(_MOJIBAKE.search(cell) and from_tcvn3(cell) != cell for cell in headers)


def _title(grid: Grid, header_index: int, legacy: bool) -> str:
    """The form's title: the first line above the header that reads like one."""
    lines = [*grid.preamble, *(cell for row in grid.rows[:header_index] for cell in row)]
    for line in lines:
        line = from_tcvn3(line) if legacy else line
        if line and fold(line).startswith(_TITLE_STARTS):
            return " ".join(nfc(line).split())
    return ""


def _grids_of(data: bytes) -> tuple[str, list[Grid]]:
    """(kind, grids) of a readable template, else TemplateNotReadable."""
    if not data:
        raise TemplateNotReadable("Tệp mẫu trống.")
    kind = sniff(data)
    refused = _refusal(data, kind)
    if refused is not None:
        raise TemplateNotReadable(REFUSALS.get(refused.status, NOT_READABLE))
    kind = "xls" if kind == "cfb" else kind
    if kind not in READABLE:
        raise TemplateNotReadable(WRONG_KIND)
    try:
        grids = _grids(kind, data)
    except Exception as exc:  # each library raises its own types for a broken file
        raise TemplateNotReadable(NOT_READABLE) from exc
    return kind, grids or []


def learn_form(data: bytes, title: str = "") -> LearnedForm:
    """The form a blank template asks for: the table whose header names most columns.
    TemplateNotReadable (its message for staff) when there is none."""
    try:
        return _learned(data, title)
    except TemplateNotReadable:
        raise
    except Exception as exc:  # hostile input: whatever breaks, staff get one clear message
        raise TemplateNotReadable(NOT_READABLE) from exc


def _learned(data: bytes, title: str) -> LearnedForm:
    kind, grids = _grids_of(data)
    best = None
    for grid in grids:
        found = find_template_header(grid.rows)
        if found and (best is None or _width(found[2]) > _width(best[1][2])):
            best = (grid, found)
    if best is None:
        raise TemplateNotReadable(NO_HEADER)
    grid, (first, last, headers) = best
    legacy = _legacy(headers)
    headers = [from_tcvn3(cell) for cell in headers] if legacy else headers
    cells = sum(len(row) for one in grids for row in one.rows)
    small = kind == "xlsx" and cells <= MAX_LIST_CELLS
    fields = _fields(headers, drop_down_lists(data, grid.name) if small else {})
    if not fields:
        raise TemplateNotReadable(NO_HEADER)
    spec = FormSpec(title or _title(grid, first, legacy), tuple(one.field for one in fields))
    return LearnedForm(spec, grid.name, last + 1, tuple(fields))


def _width(headers: list[str]) -> int:
    return sum(1 for cell in headers if cell)
