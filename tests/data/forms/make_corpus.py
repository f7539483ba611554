"""Regenerate the form-reader test corpus: every file here and its `.expected.json`.

Run by hand, never by the tests (it needs LibreOffice; ~15 s):

    .venv/bin/python tests/data/forms/make_corpus.py            # (re)make everything
    .venv/bin/python tests/data/forms/make_corpus.py 14 22      # only cases 14 and 22
    .venv/bin/python tests/data/forms/make_corpus.py --check    # open every file with its tool

Output is deterministic (fixed dates, fixed zip timestamps, seeded randomness) except the two
files that LibreOffice encrypts with its own random salt (47, 48): those are only remade when
missing or with --refresh-random.

Expected values are written by hand below. `row()` copies a text field from the source row only
when that field is already clean (NFC, trimmed, single spaces, no nbsp, a string); anything that
the reader has to transform is written out as an override. Nothing here calls the project's code.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import io
import json
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from unittest import mock

import docx
import msoffcrypto
import msoffcrypto.method.container.ecma376_encrypted as msoffcrypto_container
import msoffcrypto.method.ecma376_agile as msoffcrypto_agile
import openpyxl
import xlsxwriter
from docx.enum.section import WD_ORIENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.styles import Alignment, Font
from xlsxwriter.utility import xl_cell_to_rowcol

HERE = Path(__file__).resolve().parent
FIXED_DT = (2018, 6, 25, 8, 0, 0)
FIXED_ISO = b"2018-06-25T08:00:00Z"
NBSP = "\u00a0"
WORK: Path = HERE  # replaced by a temporary directory in main()

CANON = [
    "STT",
    "Tên trang",
    "Loại hình",
    "Địa chỉ trang (URL/tên miền)",
    "Cơ quan chủ quản",
    "Địa chỉ liên hệ",
    "Người quản trị",
    "Số điện thoại",
    "Email",
    "Ghi chú",
]
CANON_KEYS = (
    "seq", "name", "platform_text", "url", "agency", "contact", "admin_name", "phone", "email",
    "note",
)  # fmt: skip
OPTIONAL_KEYS = ("agency", "contact", "admin_name", "phone", "email", "note")
ERRORS = ("missing_name", "missing_url", "bad_url", "bad_email")
WARNINGS = (
    "non_vn_domain", "facebook_profile", "not_youth_union_name", "duplicate_in_return",
    "official_page",
)  # fmt: skip
PLATFORMS = (
    "website", "facebook_page", "facebook_group", "facebook_profile", "zalo", "tiktok", "youtube",
    "other",
)  # fmt: skip
STATUSES = ("read", "no_table", "unreadable", "encrypted", "manual_entry", "refused")

CASES: dict[int, object] = {}


def case(number: int):
    """Register a case function under its file number."""

    def register(fn):
        CASES[number] = fn
        return fn

    return register


# --------------------------------------------------------------------------- expectations


def clean_as_typed(value) -> str:
    """The value itself, after checking the reader has nothing to change in it."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text: write the expected value as an override")
    squeezed = " ".join(value.split())
    if value != unicodedata.normalize("NFC", value) or value != squeezed or NBSP in value:
        raise ValueError(f"{value!r} is not clean: write the expected value as an override")
    return value


def row(n, src, platform, url_normalized, e=(), w=(), keys=CANON_KEYS, **override) -> dict:
    """One expected row; text fields come from `src` (clean, as typed) unless overridden."""
    values = dict(zip(keys, src, strict=True))
    unknown = set(override) - {"name", "url", *OPTIONAL_KEYS}
    assert not unknown, unknown
    assert platform in PLATFORMS, platform
    assert all(c in ERRORS for c in e) and list(e) == sorted(e, key=ERRORS.index), e
    assert all(c in WARNINGS for c in w) and list(w) == sorted(w, key=WARNINGS.index), w

    def text(key):
        return override[key] if key in override else clean_as_typed(values.get(key))

    out = {"row": n, "name": text("name"), "platform": platform, "url": text("url")}
    out["url_normalized"] = url_normalized
    for key in OPTIONAL_KEYS:
        if key in values or key in override:
            out[key] = text(key)
    out["errors"] = list(e)
    out["warnings"] = list(w)
    return out


def expect(stem, status, detected_type, unit_line=None, sheet=None, rows=(), **extra) -> None:
    """Write `stem.expected.json`."""
    assert status in STATUSES
    data = {
        "status": status,
        "detected_type": detected_type,
        "unit_line": unit_line,
        "sheet": sheet,
        "rows": list(rows),
        **extra,
    }
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (HERE / f"{stem}.expected.json").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- writers


@dataclass
class Sheet:
    title: str
    rows: list
    merges: list = field(default_factory=list)
    widths: dict = field(default_factory=dict)
    validation: tuple | None = None  # (range, [choices]) for the platform column


def save_openpyxl(path: Path, sheets: list[Sheet], font: Font | None = None) -> Path:
    """An xlsx as openpyxl writes it; text starting with '=' stays text, not a formula."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        for r, values in enumerate(sheet.rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
                if isinstance(value, str) and "\n" in value:
                    cell.alignment = Alignment(wrap_text=True)
                if font is not None:
                    cell.font = font
        for rng in sheet.merges:
            ws.merge_cells(rng)
        for col, width in sheet.widths.items():
            ws.column_dimensions[col].width = width
    wb.save(path)
    fix_zip(path)
    return path


def save_xlsxwriter(path: Path, sheets: list[Sheet]) -> Path:
    """An xlsx as xlsxwriter writes it (shared strings, merged ranges, bold headers)."""
    options = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(str(path), options)
    wb.set_properties({"author": "Huyện Đoàn", "created": datetime(*FIXED_DT)})
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.title)
        starts = {xl_cell_to_rowcol(rng.split(":")[0]): rng for rng in sheet.merges}
        for r, values in enumerate(sheet.rows):
            for c, value in enumerate(values):
                if (r, c) in starts:
                    ws.merge_range(starts[(r, c)], value, wrap)
                elif value is not None:
                    ws.write(r, c, value, wrap)
        for col, width in sheet.widths.items():
            ws.set_column(f"{col}:{col}", width)
        if sheet.validation:
            rng, choices = sheet.validation
            ws.data_validation(rng, {"validate": "list", "source": choices})
    wb.close()
    fix_zip(path)
    return path


DATE_RE = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?")


def fix_zip(path: Path) -> None:
    """Rewrite a zip package with fixed entry dates and fixed document dates."""
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in items:
            if info.filename in ("docProps/core.xml", "meta.xml"):
                data = DATE_RE.sub(FIXED_ISO, data)
            fixed = zipfile.ZipInfo(info.filename, FIXED_DT)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)


def replace_in_zip(path: Path, member: str, old: str, new: str) -> None:
    """Edit one member of a zip package in place (fixed dates kept)."""
    with zipfile.ZipFile(path) as src:
        items = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in items:
            if info.filename == member:
                assert old.encode() in data, (member, old)
                data = data.replace(old.encode(), new.encode())
            dst.writestr(info, data)


def soffice(src: Path, convert_to: str, outdir: Path) -> Path:
    """Convert with LibreOffice headless; returns the converted file."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = (WORK / "lo-profile").as_uri()
    cmd = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to"]
    cmd += [convert_to, "--outdir", str(outdir), str(src)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    out = outdir / f"{src.stem}.{convert_to.split(':')[0]}"
    if not out.exists():
        raise RuntimeError(f"LibreOffice did not produce {out}")
    return out


# LibreOffice's own Python (python3-uno) stores a copy with a password; it cannot be seeded.
UNO_SAVE_WITH_PASSWORD = r"""
import subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue
def pv(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p
src, dst, filter_name, password, profile, pipe = sys.argv[1:7]
proc = subprocess.Popen(["soffice", "-env:UserInstallation=" + profile, "--headless",
    "--invisible", "--norestore", "--accept=pipe,name=%s;urp;" % pipe],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext(
    "com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(200):
    try:
        ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        break
    except Exception:
        time.sleep(0.2)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0,
    (pv("Hidden", True),))
doc.storeToURL(uno.systemPathToFileUrl(dst),
    (pv("FilterName", filter_name), pv("Password", password)))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass
proc.wait(timeout=60)
"""


def soffice_with_password(src: Path, dst: Path, filter_name: str, password: str) -> Path:
    """Store `src` as `dst` with a password, through LibreOffice's UNO bridge."""
    profile = (WORK / "lo-profile-uno").as_uri()
    args = [str(src), str(dst), filter_name, password, profile, "corpus_uno_pipe"]
    cmd = ["/usr/bin/python3", "-c", UNO_SAVE_WITH_PASSWORD, *args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    if not dst.exists():
        raise RuntimeError(f"LibreOffice did not produce {dst}")
    return dst


def write_csv(path: Path, rows: list, delimiter: str, encoding: str, newline: str) -> Path:
    """A csv as a spreadsheet exports it."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    for values in rows:
        writer.writerow(["" if v is None else v for v in values])
    text = buf.getvalue()
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    path.write_bytes(data)
    return path


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Windows writes it: precomposed base vowels, separate combining tones."""
    out: list[str] = []
    base = -1
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and ch not in TONE_MARKS and base >= 0:
            out[base] = unicodedata.normalize("NFC", out[base] + ch)
        else:
            if not unicodedata.combining(ch):
                base = len(out)
            out.append(ch)
    return "".join(out).encode("cp1258")


# TCVN3 (ABC, .VnTime): lower-case letters and the seven bare capitals have one byte each.
TCVN3 = {
    "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
    "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE,
    "à": 0xB5, "ả": 0xB6, "ã": 0xB7, "á": 0xB8, "ạ": 0xB9,
    "ằ": 0xBB, "ẳ": 0xBC, "ẵ": 0xBD, "ắ": 0xBE, "ặ": 0xC6,
    "ầ": 0xC7, "ẩ": 0xC8, "ẫ": 0xC9, "ấ": 0xCA, "ậ": 0xCB,
    "è": 0xCC, "ẻ": 0xCE, "ẽ": 0xCF, "é": 0xD0, "ẹ": 0xD1,
    "ề": 0xD2, "ể": 0xD3, "ễ": 0xD4, "ế": 0xD5, "ệ": 0xD6,
    "ì": 0xD7, "ỉ": 0xD8, "ĩ": 0xDC, "í": 0xDD, "ị": 0xDE,
    "ò": 0xDF, "ỏ": 0xE1, "õ": 0xE2, "ó": 0xE3, "ọ": 0xE4,
    "ồ": 0xE5, "ổ": 0xE6, "ỗ": 0xE7, "ố": 0xE8, "ộ": 0xE9,
    "ờ": 0xEA, "ở": 0xEB, "ỡ": 0xEC, "ớ": 0xED, "ợ": 0xEE,
    "ù": 0xEF, "ủ": 0xF1, "ũ": 0xF2, "ú": 0xF3, "ụ": 0xF4,
    "ừ": 0xF5, "ử": 0xF6, "ữ": 0xF7, "ứ": 0xF8, "ự": 0xF9,
    "ỳ": 0xFA, "ỷ": 0xFB, "ỹ": 0xFC, "ý": 0xFD, "ỵ": 0xFE,
}  # fmt: skip


def tcvn3_mojibake(text):
    """What a .VnTime cell shows when read as Unicode: the TCVN3 bytes as Latin-1 characters."""
    if not isinstance(text, str):
        return text
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) < 0x80:
            out.append(ch)
        elif ch in TCVN3:
            out.append(chr(TCVN3[ch]))
        else:
            raise ValueError(f"{ch!r} has no TCVN3 byte")
    return "".join(out)


def nfd(value):
    return unicodedata.normalize("NFD", value) if isinstance(value, str) else value


# --------------------------------------------------------------------------- docx helpers

W_NS = nsdecls("w")


def new_document() -> docx.document.Document:
    """A Word document as units make them: A4 landscape, Times New Roman 13."""
    doc = docx.Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    return doc


def fill_table(doc, rows: list, style: str | None = "Table Grid"):
    """A table holding `rows` (None is an empty cell)."""
    table = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    if style:
        table.style = style
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                table.cell(r, c).text = str(value)
    return table


def run_xml(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text, quote=False)}</w:t></w:r>'


def put_block_sdt(cell, text: str, tag: str) -> None:
    """Cell text inside a block-level content control (missing from python-docx `cell.text`)."""
    tc = cell._tc
    for p in tc.findall(qn("w:p")):
        tc.remove(p)
    sdt = (
        f'<w:sdt {W_NS}><w:sdtPr><w:alias w:val="{tag}"/><w:tag w:val="{tag}"/></w:sdtPr>'
        f"<w:sdtContent><w:p>{run_xml(text)}</w:p></w:sdtContent></w:sdt>"
    )
    tc.append(parse_xml(sdt))


def put_run_sdt(paragraph, text: str, tag: str) -> None:
    """Text inside an inline content control appended to `paragraph`."""
    sdt = (
        f'<w:sdt {W_NS}><w:sdtPr><w:alias w:val="{tag}"/><w:tag w:val="{tag}"/></w:sdtPr>'
        f"<w:sdtContent>{run_xml(text)}</w:sdtContent></w:sdt>"
    )
    paragraph._p.append(parse_xml(sdt))


def put_hyperlink(cell, url: str) -> None:
    """The cell's text as a clickable link (w:hyperlink), as Word makes when a URL is typed."""
    r_id = cell.part.relate_to(url, RT.HYPERLINK, is_external=True)
    cell.text = ""
    link = (
        f'<w:hyperlink {W_NS} {nsdecls("r")} r:id="{r_id}"><w:r><w:rPr>'
        f'<w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr>'
        f'<w:t xml:space="preserve">{escape(url, quote=False)}</w:t></w:r></w:hyperlink>'
    )
    cell.paragraphs[0]._p.append(parse_xml(link))


def save_docx(doc, path: Path) -> Path:
    doc.core_properties.author = "Huyện Đoàn"
    doc.core_properties.created = datetime(*FIXED_DT)
    doc.core_properties.modified = datetime(*FIXED_DT)
    doc.save(path)
    fix_zip(path)
    return path


# --------------------------------------------------------------------------- html helpers


def html_table(rows: list, attrs: str = 'border="1" cellspacing="0" cellpadding="4"') -> str:
    """Rows of cells; a cell is plain text (escaped) or a tuple (raw html, extra td attributes)."""
    lines = [f"<table {attrs}>", "<tbody>"]
    for values in rows:
        cells = []
        for value in values:
            if isinstance(value, tuple):
                cells.append(f"<td{value[1]}>{value[0]}</td>")
            else:
                cells.append(f"<td>{escape('' if value is None else str(value))}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def link(url: str) -> tuple:
    return (f'<a href="{escape(url)}" target="_blank">{escape(url)}</a>', "")


# --------------------------------------------------------------------------- shared content

NH = "Huyện Đoàn Ninh Hải"
NP = "Huyện Đoàn Ninh Phước"
NS = "Huyện Đoàn Ninh Sơn"
BA = "Huyện Đoàn Bác Ái"
TB = "Huyện Đoàn Thuận Bắc"
TN = "Huyện Đoàn Thuận Nam"
PRTC = "Thành Đoàn Phan Rang – Tháp Chàm"
DK = "Đoàn Khối các cơ quan và doanh nghiệp tỉnh"
PLATFORM_CHOICES = ["Website", "Fanpage", "Nhóm", "Trang cá nhân", "Zalo", "TikTok", "YouTube"]
WIDE = {"B": 34, "C": 14, "D": 44, "E": 26, "F": 36, "G": 22, "H": 16, "I": 28, "J": 20}


def dispatch_title_rows(unit_upper: str, unit: str, place: str) -> tuple[list, list]:
    """The usual top of a return: organisation, unit, date, title, dispatch, unit line."""
    rows = [
        ["TỈNH ĐOÀN NINH THUẬN", None, None, None, None, "ĐOÀN TNCS HỒ CHÍ MINH"],
        [f"BCH {unit_upper}", None, None, None, None, f"{place}, ngày 25 tháng 6 năm 2018"],
        ["***"],
        [],
        ["DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ, TRANG MẠNG XÃ HỘI DO ĐƠN VỊ QUẢN LÝ"],
        ["(Kèm theo Công văn số 422-CV/TĐTN-TG ngày 20/6/2018 của Ban Thường vụ Tỉnh Đoàn)"],
        [f"Đơn vị: {unit}"],
    ]
    merges = ["A1:D1", "F1:J1", "A2:D2", "F2:J2", "A3:D3", "A5:J5", "A6:J6", "A7:J7"]
    return rows, merges


# =========================================================================== cases: layout


@case(1)
def template_untouched():
    ct = "Số 2 đường 16 tháng 4, thị trấn Khánh Hải, huyện Ninh Hải"
    data = [
        [1, "Đoàn Thanh niên huyện Ninh Hải", "Fanpage",
         "https://www.facebook.com/doanthanhnienninhhai", NH, ct, "Nguyễn Văn Hùng",
         "0912345678", "doanninhhai@gmail.com", None],
        [2, "Trang thông tin điện tử Huyện Đoàn Ninh Hải", "Website",
         "http://doanthanhnien.ninhhai.ninhthuan.gov.vn", NH, ct, "Nguyễn Văn Hùng",
         "0912345678", "doanninhhai@gmail.com", "Đang hoạt động"],
        [3, "Tuổi trẻ Ninh Hải", "TikTok", "https://www.tiktok.com/@tuoitreninhhai", NH, ct,
         "Trần Thị Thu Hà", "0987654321", "tuoitreninhhai@gmail.com", None],
        [4, "Đoàn Thanh niên xã Vĩnh Hải", "Zalo", "https://zalo.me/3318765432109876543",
         "Đoàn xã Vĩnh Hải", "Thôn Vĩnh Hy, xã Vĩnh Hải, huyện Ninh Hải", "Lê Minh Tuấn",
         "0935111222", None, None],
    ]  # fmt: skip
    save_openpyxl(
        HERE / "01-template-untouched.xlsx", [Sheet("Danh sách", [CANON, *data], widths=WIDE)]
    )
    expect("01-template-untouched", "read", "xlsx", None, "Danh sách", [
        row(2, data[0], "facebook_page", "facebook.com/doanthanhnienninhhai"),
        row(3, data[1], "website", "doanthanhnien.ninhhai.ninhthuan.gov.vn"),
        row(4, data[2], "tiktok", "tiktok.com/@tuoitreninhhai"),
        row(5, data[3], "zalo", "zalo.me/3318765432109876543"),
    ])  # fmt: skip


@case(2)
def template_empty():
    rows = [
        ["ĐOÀN TNCS HỒ CHÍ MINH"],
        ["DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ, TRANG MẠNG XÃ HỘI"],
        ["(Kèm theo Công văn số 422-CV/TĐTN-TG ngày 20/6/2018 của Ban Thường vụ Tỉnh Đoàn)"],
        [],
        CANON,
        *[[n] for n in range(1, 6)],
    ]
    guide = [["HƯỚNG DẪN"], ["Mỗi trang ghi một dòng; cột Loại hình chọn trong danh sách."]]
    sheets = [
        Sheet("Danh sách", rows, ["A1:J1", "A2:J2", "A3:J3"], WIDE,
              ("C6:C105", PLATFORM_CHOICES)),
        Sheet("Hướng dẫn", guide, widths={"A": 90}),
    ]  # fmt: skip
    save_xlsxwriter(HERE / "02-template-empty.xlsx", sheets)
    expect("02-template-empty", "read", "xlsx", None, "Danh sách", [])


@case(3)
def title_rows():
    top, merges = dispatch_title_rows("HUYỆN ĐOÀN NINH HẢI", NH, "Ninh Hải")
    data = [
        [1, NH, "Fanpage", "facebook.com/huyendoanninhhai", NH,
         "Thị trấn Khánh Hải, huyện Ninh Hải", "Nguyễn Văn Hùng", "0912345678",
         "doanninhhai@gmail.com", None],
        [2, "Đoàn xã Xuân Hải", "Fanpage", "https://www.facebook.com/doanxaxuanhai/",
         "Đoàn xã Xuân Hải", "Thôn An Nhơn, xã Xuân Hải", "Phạm Thị Lan", "0905123456",
         "doanxaxuanhai@gmail.com", None],
        [3, "Chi đoàn thôn Mỹ Tường", "Nhóm", "https://www.facebook.com/groups/chidoanmytuong",
         "Đoàn xã Nhơn Hải", "Thôn Mỹ Tường 1, xã Nhơn Hải", "Võ Văn Nam", "0978222333",
         None, None],
        [4, "Tuổi trẻ Tri Hải", "YouTube", "https://www.youtube.com/@TuoiTreTriHai",
         "Đoàn xã Tri Hải", "Thôn Tri Thủy, xã Tri Hải", "Đặng Quốc Bảo", "0967444555",
         "tuoitretrihai@gmail.com", None],
        [5, "Đoàn Thanh niên xã Thanh Hải", "Fanpage",
         "https://m.facebook.com/DoanThanhNienThanhHai", "Đoàn xã Thanh Hải",
         "Thôn Mỹ Phong, xã Thanh Hải", "Nguyễn Thị Kim Oanh", "0944555666",
         "thanhhai.doan@gmail.com", None],
    ]  # fmt: skip
    sheet = Sheet("DS trang", [*top, CANON, *data], merges, WIDE)
    save_openpyxl(HERE / "03-title-rows.xlsx", [sheet])
    expect("03-title-rows", "read", "xlsx", NH, "DS trang", [
        row(9, data[0], "facebook_page", "facebook.com/huyendoanninhhai"),
        row(10, data[1], "facebook_page", "facebook.com/doanxaxuanhai"),
        row(11, data[2], "facebook_group", "facebook.com/groups/chidoanmytuong"),
        row(12, data[3], "youtube", "youtube.com/@tuoitretrihai"),
        row(13, data[4], "facebook_page", "facebook.com/doanthanhnienthanhhai"),
    ])  # fmt: skip


@case(4)
def two_row_header():
    ct = "Khu phố 1, thị trấn Phước Dân, huyện Ninh Phước"
    top = [
        ["HUYỆN ĐOÀN NINH PHƯỚC"],
        ["DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ VÀ TRANG MẠNG XÃ HỘI"],
        [f"Đơn vị: {NP}"],
        [],
        ["STT", "Thông tin trang", None, None, "Thông tin cơ quan", None, "Người quản trị",
         None, None, "Ghi chú"],
        [None, "Tên trang", "Loại hình", "Địa chỉ trang (URL/tên miền)", "Cơ quan chủ quản",
         "Địa chỉ liên hệ", "Họ và tên", "Số điện thoại", "Email", None],
        list(range(1, 11)),
    ]  # fmt: skip
    merges = ["A1:C1", "A2:J2", "A3:J3", "A5:A6", "B5:D5", "E5:F5", "G5:I5", "J5:J6"]
    data = [
        [1, NP, "Trang thông tin điện tử", "http://doanthanhnien.ninhphuoc.ninhthuan.gov.vn/",
         NP, ct, "Trương Văn Lực", 918765432, "doanninhphuoc@gmail.com", None],
        [2, "Đoàn Thanh niên huyện Ninh Phước", "Fanpage",
         "https://www.facebook.com/tuoitreninhphuoc?mibextid=LQQJ4d", NP, ct, "Trương Văn Lực",
         918765432, "doanninhphuoc@gmail.com", None],
        [3, "Đoàn xã Phước Thuận", "Fanpage", "fb.com/doanxaphuocthuan", "Đoàn xã Phước Thuận",
         "Thôn Phước Khánh, xã Phước Thuận", "Lâm Thị Ngọc", "0916 234 567",
         "doanphuocthuan@gmail.com", None],
        [4, "Chi đoàn Trường THPT Ninh Phước", "Fanpage",
         "https://web.facebook.com/chidoanthptninhphuoc", "Đoàn Trường THPT Ninh Phước",
         "Thị trấn Phước Dân, huyện Ninh Phước", "Huỳnh Minh Khoa", "0399.123.456", None, None],
        [5, "Tuổi trẻ Phước Hậu", "Zalo", "oa.zalo.me/tuoitrephuochau", "Đoàn xã Phước Hậu",
         "Thôn Nhuận Đức, xã Phước Hậu", "Nguyễn Thị Hiền", "0941 567 890", None, None],
    ]  # fmt: skip
    save_xlsxwriter(HERE / "04-two-row-header.xlsx", [Sheet("Mẫu 01", [*top, *data], merges, WIDE)])
    expect("04-two-row-header", "read", "xlsx", NP, "Mẫu 01", [
        row(8, data[0], "website", "doanthanhnien.ninhphuoc.ninhthuan.gov.vn", phone="0918765432"),
        row(9, data[1], "facebook_page", "facebook.com/tuoitreninhphuoc", phone="0918765432"),
        row(10, data[2], "facebook_page", "facebook.com/doanxaphuocthuan"),
        row(11, data[3], "facebook_page", "facebook.com/chidoanthptninhphuoc"),
        row(12, data[4], "zalo", "oa.zalo.me/tuoitrephuochau"),
    ])  # fmt: skip


@case(5)
def blank_rows_signature():
    data = [
        [1, NS, "Fanpage", "https://www.facebook.com/huyendoanninhson", NS,
         "Khu phố 3, thị trấn Tân Sơn, huyện Ninh Sơn", "Bùi Văn Toàn", "0915678901",
         "doanninhson@gmail.com", None],
        [2, "Đoàn xã Quảng Sơn", "Fanpage", "https://www.facebook.com/doanxaquangson",
         "Đoàn xã Quảng Sơn", "Thôn Triệu Phong, xã Quảng Sơn", "Hoàng Thị Mỹ", "0963111000",
         None, None],
        [3, "Đoàn xã Lâm Sơn", "Nhóm", "https://www.facebook.com/groups/doanxalamson/",
         "Đoàn xã Lâm Sơn", "Thôn Lâm Bình, xã Lâm Sơn", "Cao Văn Sáu", "0977666888", None,
         None],
        [4, "Đoàn xã Ma Nới", "Fanpage", "https://www.facebook.com/doanxamanoi",
         "Đoàn xã Ma Nới", "Thôn Gia Rót, xã Ma Nới", "Pi Năng Thị Hoa", "0889123123", None,
         None],
    ]  # fmt: skip
    sign = [None] * 6
    rows = [
        ["HUYỆN ĐOÀN NINH SƠN"],
        ["DANH SÁCH TRANG MẠNG XÃ HỘI CỦA CÁC CƠ SỞ ĐOÀN"],
        ["Đơn vị:", NS],
        CANON,
        data[0], data[1], [], data[2], [], [], data[3],
        [5], [6], [],
        ["Ghi chú: Danh sách gồm 04 trang do cơ sở Đoàn trực tiếp quản lý."],
        [],
        [*sign, "Ninh Sơn, ngày 28 tháng 6 năm 2018"],
        [None, "Người lập biểu", *sign[2:], "TM. BAN THƯỜNG VỤ"],
        [*sign, "BÍ THƯ"],
        [], [],
        [None, "Bùi Văn Toàn", *sign[2:], "Lê Thị Hồng Nhung"],
    ]  # fmt: skip
    merges = ["A1:D1", "A2:J2", "A15:J15", "G17:J17", "G18:J18", "G19:J19", "G22:J22"]
    save_openpyxl(HERE / "05-blank-rows-signature.xlsx", [Sheet("Sheet1", rows, merges, WIDE)])
    expect("05-blank-rows-signature", "read", "xlsx", NS, "Sheet1", [
        row(5, data[0], "facebook_page", "facebook.com/huyendoanninhson"),
        row(6, data[1], "facebook_page", "facebook.com/doanxaquangson"),
        row(8, data[2], "facebook_group", "facebook.com/groups/doanxalamson"),
        row(11, data[3], "facebook_page", "facebook.com/doanxamanoi"),
    ])  # fmt: skip


@case(6)
def columns_reordered():
    header = ["Địa chỉ trang (URL/tên miền)", "Tên trang", "Lượt theo dõi", "Loại hình",
              "Người quản trị", "Số điện thoại"]  # fmt: skip
    keys = ("url", "name", "followers", "platform_text", "admin_name", "phone")
    data = [
        ["https://www.facebook.com/huyendoanbacai", BA, 1520, "Fanpage", "Pinăng Văn Tình",
         914222333],
        ["https://www.facebook.com/doanxaphuocbinh", "Đoàn xã Phước Bình", 830, "Fanpage",
         "Chamaléa Văn Thành", "0396 555 777"],
        ["https://www.youtube.com/@tuoitrebacai", "Tuổi trẻ Bác Ái", 215, "YouTube",
         "Katơr Thị Ngân", "0868123987"],
        ["https://www.tiktok.com/@doanxaphuoctan", "Đoàn xã Phước Tân", "1.200", "TikTok",
         "Mấu Văn Hải", None],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {BA}"], header, *data]
    widths = {"A": 44, "B": 30, "C": 14, "D": 12, "E": 24, "F": 16}
    save_openpyxl(HERE / "06-columns-reordered.xlsx", [Sheet("Bác Ái", rows, ["A1:F1"], widths)])
    expect("06-columns-reordered", "read", "xlsx", BA, "Bác Ái", [
        row(3, data[0], "facebook_page", "facebook.com/huyendoanbacai", keys=keys,
            phone="0914222333"),
        row(4, data[1], "facebook_page", "facebook.com/doanxaphuocbinh", keys=keys),
        row(5, data[2], "youtube", "youtube.com/@tuoitrebacai", keys=keys),
        row(6, data[3], "tiktok", "tiktok.com/@doanxaphuoctan", keys=keys),
    ])  # fmt: skip


@case(7)
def instructions_first():
    guide = [
        ["HƯỚNG DẪN ĐIỀN BIỂU MẪU"],
        ["1. Mỗi trang thông tin điện tử hoặc trang mạng xã hội ghi trên một dòng."],
        ["2. Cột Loại hình ghi một trong các giá trị: Website, Fanpage, Nhóm, Trang cá nhân, "
         "Zalo, TikTok, YouTube."],
        ["3. Cột Địa chỉ trang ghi đầy đủ đường dẫn, ví dụ: https://www.facebook.com/doanxa"],
        ["4. Gửi lại biểu mẫu qua thư điện tử trước ngày 10/7/2018."],
    ]  # fmt: skip
    data = [
        [1, TB, "Fanpage", "https://www.facebook.com/huyendoanthuanbac", TB,
         "Thôn Ba Tháp, xã Bắc Phong, huyện Thuận Bắc", "Nguyễn Thành Long", "0911000222",
         "doanthuanbac@gmail.com", None],
        [2, "Đoàn xã Công Hải", "Fanpage", "https://www.facebook.com/doanxaconghai",
         "Đoàn xã Công Hải", "Thôn Suối Vang, xã Công Hải", "Trần Văn Khánh", "0905333444",
         None, None],
        [3, "Đoàn xã Lợi Hải", "Zalo", "https://zalo.me/1234567890987654321", "Đoàn xã Lợi Hải",
         "Thôn Ấn Đạt, xã Lợi Hải", "Lê Thị Diệu", "0931222111", None, None],
        [4, "Đoàn xã Phước Chiến", "Fanpage", "https://www.facebook.com/doanxaphuocchien",
         "Đoàn xã Phước Chiến", "Thôn Đầu Suối A, xã Phước Chiến", "Mang Văn Lực",
         "0358777111", None, None],
    ]  # fmt: skip
    table = [["DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ, TRANG MẠNG XÃ HỘI"], [f"Đơn vị: {TB}"],
             CANON, *data]  # fmt: skip
    sheets = [
        Sheet("Hướng dẫn", guide, widths={"A": 100}),
        Sheet("Danh sách", table, ["A1:J1", "A2:J2"], WIDE),
        Sheet("Sheet3", []),
    ]
    save_xlsxwriter(HERE / "07-instructions-first.xlsx", sheets)
    expect("07-instructions-first", "read", "xlsx", TB, "Danh sách", [
        row(4, data[0], "facebook_page", "facebook.com/huyendoanthuanbac"),
        row(5, data[1], "facebook_page", "facebook.com/doanxaconghai"),
        row(6, data[2], "zalo", "zalo.me/1234567890987654321"),
        row(7, data[3], "facebook_page", "facebook.com/doanxaphuocchien"),
    ])  # fmt: skip


# =========================================================================== cases: headers


@case(8)
def headers_no_diacritics():
    header = ["STT", "Ten trang", "Loai hinh", "Dia chi trang (URL/ten mien)", "Co quan chu quan",
              "Dia chi lien he", "Nguoi quan tri", "So dien thoai", "Email", "Ghi chu"]  # fmt: skip
    data = [
        [1, "Huyen Doan Thuan Nam", "Fanpage", "https://www.facebook.com/huyendoanthuannam",
         "Huyen Doan Thuan Nam", "Thon Van Lam 3, xa Phuoc Nam, huyen Thuan Nam",
         "Nguyen Van Duc", "0917888999", "doanthuannam@gmail.com", None],
        [2, "Doan xa Phuoc Dinh", "Fanpage", "https://www.facebook.com/doanxaphuocdinh",
         "Doan xa Phuoc Dinh", "Thon Son Hai, xa Phuoc Dinh", "Tran Thi Mai", "0902111333",
         None, None],
        [3, "Tuoi tre Ca Na", "Tiktok", "https://www.tiktok.com/@tuoitrecana", "Doan xa Ca Na",
         "Thon Lac Tan, xa Ca Na", "Vo Minh Tri", "0345999000", None, None],
        [4, "Doan xa Nhi Ha", "Fanpage", "facebook.com/doanxanhiha", "Doan xa Nhi Ha",
         "Thon Nhi Ha 2, xa Nhi Ha", "Le Thi Thu", "0388123456", None, "Moi lap thang 6/2018"],
    ]  # fmt: skip
    rows = [["Don vi: Huyen Doan Thuan Nam"], [], header, *data]
    save_openpyxl(HERE / "08-headers-no-diacritics.xlsx", [Sheet("Sheet1", rows, widths=WIDE)])
    expect("08-headers-no-diacritics", "read", "xlsx", "Huyen Doan Thuan Nam", "Sheet1", [
        row(4, data[0], "facebook_page", "facebook.com/huyendoanthuannam"),
        row(5, data[1], "facebook_page", "facebook.com/doanxaphuocdinh"),
        row(6, data[2], "tiktok", "tiktok.com/@tuoitrecana"),
        row(7, data[3], "facebook_page", "facebook.com/doanxanhiha"),
    ])  # fmt: skip


@case(9)
def headers_nfd_upper():
    header = ["STT", "TÊN\nTRANG", "LOẠI\nHÌNH", "ĐỊA CHỈ TRANG\n(URL/TÊN MIỀN)",
              "CƠ QUAN\nCHỦ QUẢN", "ĐỊA CHỈ\nLIÊN HỆ", "NGƯỜI\nQUẢN TRỊ", "SỐ ĐIỆN\nTHOẠI",
              "EMAIL", "  GHI   CHÚ "]  # fmt: skip
    city = "thành phố Phan Rang – Tháp Chàm"
    data = [
        [1, PRTC, "Fanpage", "https://www.facebook.com/thanhdoanprtc", PRTC,
         f"Số 1 đường 16 tháng 4, phường Mỹ Hương, {city}", "Nguyễn Hoàng Phúc", "0913456789",
         "thanhdoanprtc@gmail.com", None],
        [2, "Đoàn phường Kinh Dinh", "Fanpage", "https://www.facebook.com/doanphuongkinhdinh",
         "Đoàn phường Kinh Dinh", f"Phường Kinh Dinh, {city}", "Trần Bảo Ngọc", "0905777888",
         None, None],
        [3, "Đoàn phường Đông Hải", "Nhóm", "https://www.facebook.com/groups/doanphuongdonghai",
         "Đoàn phường Đông Hải", f"Phường Đông Hải, {city}", "Lưu Thị Thanh Thủy",
         "0939222444", None, None],
        [4, "Đoàn phường Văn Hải", "Trang cá nhân",
         "https://www.facebook.com/profile.php?id=100012345678901", "Đoàn phường Văn Hải",
         f"Phường Văn Hải, {city}", "Phan Thị Quỳnh", "0978333555", None,
         "Chưa chuyển sang Fanpage"],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {PRTC}"], [], header, *data]
    rows = [[nfd(v) for v in r] for r in rows]
    save_openpyxl(HERE / "09-headers-nfd-upper.xlsx", [Sheet("DS", rows, widths=WIDE)])
    expect("09-headers-nfd-upper", "read", "xlsx", PRTC, "DS", [
        row(4, data[0], "facebook_page", "facebook.com/thanhdoanprtc"),
        row(5, data[1], "facebook_page", "facebook.com/doanphuongkinhdinh"),
        row(6, data[2], "facebook_group", "facebook.com/groups/doanphuongdonghai"),
        row(7, data[3], "facebook_profile", "facebook.com/profile.php?id=100012345678901",
            w=["facebook_profile"]),
    ])  # fmt: skip


@case(10)
def headers_numbered_footnote():
    header = ["STT", "(1) Tên trang*", "(2) Loại hình", "(3) Địa chỉ trang (URL/tên miền)*",
              "(4) Cơ quan chủ quản", "(5) Địa chỉ liên hệ", "(6) Người quản trị",
              "(7) Số điện thoại", "(8) Email", "(9) Ghi chú"]  # fmt: skip
    city = "thành phố Phan Rang – Tháp Chàm"
    data = [
        [1, "Đoàn Khối các cơ quan và doanh nghiệp tỉnh Ninh Thuận", "Fanpage",
         "https://www.facebook.com/doankhoicqdnninhthuan", DK,
         f"Số 450 đường Thống Nhất, {city}", "Nguyễn Thị Anh Duy", "0259 3822 456",
         "doankhoi.ninhthuan@gmail.com", None],
        [2, "Đoàn Thanh niên Sở Tài chính", "Fanpage",
         "https://www.facebook.com/doanthanhniensotaichinhnt", "Sở Tài chính tỉnh Ninh Thuận",
         f"Số 450 đường 21 tháng 8, {city}", "Lê Văn Phú", "0918 111 222", None, None],
        [3, "Chi đoàn Sở Y tế", "Fanpage", "https://www.facebook.com/chidoansoytent",
         "Sở Y tế tỉnh Ninh Thuận", f"Số 2 đường Hải Thượng Lãn Ông, {city}", "Trịnh Thị Lệ",
         "0966 333 444", None, None],
        [4, "Đoàn cơ sở Công ty Điện lực Ninh Thuận", "Website",
         "https://doanthanhnien.pcninhthuan.evn.vn/", "Công ty Điện lực Ninh Thuận",
         f"Số 1 đường 21 tháng 8, {city}", "Đinh Quang Vinh", "0905 999 000", None, None],
        [5, "Sở Văn hóa, Thể thao và Du lịch Ninh Thuận", "Fanpage",
         "https://www.facebook.com/sovhttdlninhthuan",
         "Sở Văn hóa, Thể thao và Du lịch tỉnh Ninh Thuận", f"Đường 16 tháng 4, {city}",
         "Phạm Thị Hạnh", "0939 000 111", None, "Trang của cơ quan"],
    ]  # fmt: skip
    rows = [
        [f"Đơn vị: {DK}"], header, *data, [],
        ["(*) Cột bắt buộc phải điền."],
        ["Ghi chú: Các đơn vị gửi về trước ngày 10/7/2018."],
    ]  # fmt: skip
    save_openpyxl(HERE / "10-headers-numbered-footnote.xlsx", [Sheet("Sheet1", rows, widths=WIDE)])
    expect("10-headers-numbered-footnote", "read", "xlsx", DK, "Sheet1", [
        row(3, data[0], "facebook_page", "facebook.com/doankhoicqdnninhthuan"),
        row(4, data[1], "facebook_page", "facebook.com/doanthanhniensotaichinhnt"),
        row(5, data[2], "facebook_page", "facebook.com/chidoansoytent"),
        row(6, data[3], "website", "doanthanhnien.pcninhthuan.evn.vn"),
        row(7, data[4], "facebook_page", "facebook.com/sovhttdlninhthuan",
            w=["not_youth_union_name"]),
    ])  # fmt: skip


@case(11)
def headers_alternatives():
    header = ["TT", "Tên fanpage", "Nền tảng", "Đường dẫn", "Đơn vị chủ quản", "Địa chỉ trụ sở",
              "Quản trị viên", "SĐT", "Thư điện tử", "Ghi chú"]  # fmt: skip
    data = [
        [1, "Đoàn xã Phước Nam", "Fanpage", "https://www.facebook.com/doanxaphuocnam",
         "Đoàn xã Phước Nam", "Thôn Văn Lâm 1, xã Phước Nam", "Thạch Văn Hiếu", "0911555666",
         "doanphuocnam@gmail.com", None],
        [2, "Đoàn xã Phước Minh", "Fanpage", "https://www.facebook.com/doanxaphuocminh",
         "Đoàn xã Phước Minh", "Thôn Lạc Sơn 1, xã Phước Minh", "Đổng Thị Sương", "0909222333",
         None, None],
        [3, "Đoàn xã Phước Ninh", "Nhóm", "https://www.facebook.com/groups/doanphuocninh",
         "Đoàn xã Phước Ninh", "Thôn Nho Lâm, xã Phước Ninh", "Châu Văn Tài", "0375888999",
         None, None],
        [4, "Đoàn xã Phước Hà", "Fanpage", "https://www.facebook.com/doanxaphuocha",
         "Đoàn xã Phước Hà", "Thôn Giá, xã Phước Hà", "Katơr Văn Sinh", "0383444555", None,
         None],
    ]  # fmt: skip
    numbers = [f"({n})" for n in range(1, 11)]
    rows = [[f"Đơn vị: {TN}"], [], header, numbers, *data]
    save_openpyxl(HERE / "11-headers-alternatives.xlsx", [Sheet("Thuận Nam", rows, widths=WIDE)])
    expect("11-headers-alternatives", "read", "xlsx", TN, "Thuận Nam", [
        row(5, data[0], "facebook_page", "facebook.com/doanxaphuocnam"),
        row(6, data[1], "facebook_page", "facebook.com/doanxaphuocminh"),
        row(7, data[2], "facebook_group", "facebook.com/groups/doanphuocninh"),
        row(8, data[3], "facebook_page", "facebook.com/doanxaphuocha"),
    ])  # fmt: skip


@case(12)
def headers_alternatives_2():
    header = ["Số thứ tự", "1. Tên kênh", "2. Hình thức", "3. Liên kết", "4. Cơ quan quản lý",
              "5. Địa chỉ liên hệ", "6. Người phụ trách", "7. Điện thoại", "8. E-mail",
              "9. Ghi chú"]  # fmt: skip
    ct = "Khu phố 1, thị trấn Phước Dân, huyện Ninh Phước"
    data = [
        [1, "Kênh Tuổi trẻ Ninh Phước", "YouTube",
         "https://www.youtube.com/channel/UCq8NinhPhuocTV2018", NP, ct, "Trương Văn Lực",
         "0912 000 111", "tuoitreninhphuoc@gmail.com", None],
        [2, "Tuổi trẻ Ninh Phước", "TikTok", "tiktok.com/@tuoitreninhphuoc", NP, ct,
         "Trương Văn Lực", "0912 000 111", None, None],
        [3, "Đoàn xã An Hải", "Fanpage", "https://www.facebook.com/doanxaanhai", "Đoàn xã An Hải",
         "Thôn Long Bình 1, xã An Hải", "Nguyễn Văn Thắng", "0905 246 810", None, None],
        [4, "Đoàn xã Phước Hữu", "Zalo", "https://zalo.me/4455667788990011223",
         "Đoàn xã Phước Hữu", "Thôn Hữu Đức, xã Phước Hữu", "Lê Thị Kim Chi", "0933 135 791",
         None, None],
    ]  # fmt: skip
    rows = [["ĐƠN VỊ: HUYỆN ĐOÀN NINH PHƯỚC"], header, *data]
    save_xlsxwriter(HERE / "12-headers-alternatives-2.xlsx", [Sheet("Ninh Phước", rows, [], WIDE)])
    expect("12-headers-alternatives-2", "read", "xlsx", "HUYỆN ĐOÀN NINH PHƯỚC", "Ninh Phước", [
        row(3, data[0], "youtube", "youtube.com/channel/ucq8ninhphuoctv2018"),
        row(4, data[1], "tiktok", "tiktok.com/@tuoitreninhphuoc"),
        row(5, data[2], "facebook_page", "facebook.com/doanxaanhai"),
        row(6, data[3], "zalo", "zalo.me/4455667788990011223"),
    ])  # fmt: skip


@case(13)
def diachi_is_url():
    header = ["STT", "Tên trang", "Loại hình", "Địa chỉ", "Cơ quan chủ quản", "Người quản trị",
              "Số điện thoại", "Email"]  # fmt: skip
    keys = ("seq", "name", "platform_text", "url", "agency", "admin_name", "phone", "email")
    data = [
        [1, "Đoàn xã Bắc Sơn", "Fanpage", "facebook.com/doanxabacson", "Đoàn xã Bắc Sơn",
         "Nguyễn Văn Thái", "0916 777 888", "doanbacson@gmail.com"],
        [2, "Đoàn xã Bắc Phong", "Fanpage", "www.facebook.com/doanxabacphong",
         "Đoàn xã Bắc Phong", "Phan Thị Mỹ Linh", "0932 111 999", None],
        [3, "Đoàn xã Phước Kháng", "Zalo", "zalo.me/5566778899001122334", "Đoàn xã Phước Kháng",
         "Chamaléa Thị Nhung", "0986 333 222", None],
        [4, "Trang thông tin Huyện Đoàn Thuận Bắc", "Website",
         "doanthanhnien.thuanbac.ninhthuan.gov.vn", TB, "Nguyễn Thành Long", "0911 000 222",
         "doanthuanbac@gmail.com"],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {TB}"], header, *data]
    save_openpyxl(HERE / "13-diachi-is-url.xlsx", [Sheet("Sheet1", rows, widths=WIDE)])
    expect("13-diachi-is-url", "read", "xlsx", TB, "Sheet1", [
        row(3, data[0], "facebook_page", "facebook.com/doanxabacson", keys=keys),
        row(4, data[1], "facebook_page", "facebook.com/doanxabacphong", keys=keys),
        row(5, data[2], "zalo", "zalo.me/5566778899001122334", keys=keys),
        row(6, data[3], "website", "doanthanhnien.thuanbac.ninhthuan.gov.vn", keys=keys),
    ])  # fmt: skip


@case(14)
def diachi_is_contact():
    header = ["STT", "Tên trang", "Đường dẫn", "Địa chỉ", "Người quản trị", "Số điện thoại",
              "Ghi chú"]  # fmt: skip
    keys = ("seq", "name", "url", "contact", "admin_name", "phone", "note")
    data = [
        [1, "Đoàn xã Phước Đại", "https://www.facebook.com/doanxaphuocdai",
         "Thôn Tà Lú 1, xã Phước Đại, huyện Bác Ái", "Pinăng Thị Dung", "0868 222 111", None],
        [2, "Đoàn xã Phước Thành", "https://www.facebook.com/groups/doanxaphuocthanh",
         "Thôn Đá Ba Cái, xã Phước Thành, huyện Bác Ái", "Katơr Văn Hòa", "0869 333 444", None],
        [3, "Đoàn xã Phước Trung", "https://zalo.me/6677889900112233445",
         "Thôn Ma Ty, xã Phước Trung, huyện Bác Ái", "Chamaléa Văn Út", "0397 555 666", None],
        [4, "Đoàn xã Phước Hòa", "http://doanphuochoa.blogspot.com",
         "Thôn Châu Đắc, xã Phước Hòa, huyện Bác Ái", "Mấu Thị Liên", "0398 777 888",
         "Trang cũ, ít cập nhật"],
        [5, "Đoàn xã Phước Chính",
         "https://www.facebook.com/profile.php?id=100023456789012&sk=about",
         "Thôn Suối Khế, xã Phước Chính, huyện Bác Ái", "Pinăng Văn Cường", "0399 111 000",
         None],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {BA}"], header, *data]
    widths = {"B": 24, "C": 60, "D": 44, "E": 22, "F": 16, "G": 24}
    save_openpyxl(HERE / "14-diachi-is-contact.xlsx", [Sheet("Sheet1", rows, widths=widths)])
    expect("14-diachi-is-contact", "read", "xlsx", BA, "Sheet1", [
        row(3, data[0], "facebook_page", "facebook.com/doanxaphuocdai", keys=keys),
        row(4, data[1], "facebook_group", "facebook.com/groups/doanxaphuocthanh", keys=keys),
        row(5, data[2], "zalo", "zalo.me/6677889900112233445", keys=keys),
        row(6, data[3], "website", "doanphuochoa.blogspot.com", w=["non_vn_domain"], keys=keys),
        row(7, data[4], "facebook_profile", "facebook.com/profile.php?id=100023456789012",
            w=["facebook_profile"], keys=keys),
    ])  # fmt: skip


# =========================================================================== cases: formats


@case(15)
def libreoffice_xls():
    data = [
        [1, "Đoàn xã Phương Hải", "Fanpage", "https://www.facebook.com/doanxaphuonghai",
         "Đoàn xã Phương Hải", "Thôn Phương Cựu 1, xã Phương Hải", "Trần Văn Sang", 912888777,
         "doanphuonghai@gmail.com", None],
        [2, "Đoàn xã Hộ Hải", "Fanpage", "https://www.facebook.com/doanxahohai", "Đoàn xã Hộ Hải",
         "Thôn Gò Đền, xã Hộ Hải", "Lý Thị Nga", 978111222, None, None],
        [3, "Đoàn xã Tân Hải", "Nhóm", "https://www.facebook.com/groups/doanxatanhai",
         "Đoàn xã Tân Hải", "Thôn Gò Thao, xã Tân Hải", "Ngô Văn Lâm", 2593873456, None, None],
        [4, "Đoàn thị trấn Khánh Hải", "Fanpage", "https://www.facebook.com/doanthitrankhanhhai",
         "Đoàn thị trấn Khánh Hải", "Khu phố 5, thị trấn Khánh Hải", "Đỗ Thị Hằng", 933444555,
         None, 442],
    ]  # fmt: skip
    rows = [["ĐOÀN TNCS HỒ CHÍ MINH"], ["DANH SÁCH TRANG MẠNG XÃ HỘI"], [f"Đơn vị: {NH}"],
            CANON, *data]  # fmt: skip
    src = save_openpyxl(
        WORK / "15-libreoffice.xlsx", [Sheet("Danh sách", rows, ["A1:J1", "A2:J2", "A3:J3"], WIDE)]
    )
    shutil.copy(soffice(src, "xls", WORK / "xls"), HERE / "15-libreoffice.xls")
    expect("15-libreoffice", "read", "xls", NH, "Danh sách", [
        row(5, data[0], "facebook_page", "facebook.com/doanxaphuonghai", phone="0912888777"),
        row(6, data[1], "facebook_page", "facebook.com/doanxahohai", phone="0978111222"),
        row(7, data[2], "facebook_group", "facebook.com/groups/doanxatanhai",
            phone="02593873456"),
        row(8, data[3], "facebook_page", "facebook.com/doanthitrankhanhhai", phone="0933444555",
            note="442"),
    ])  # fmt: skip


@case(16)
def libreoffice_ods():
    data = [
        [1, "Đoàn xã Phước Dinh", "Fanpage", "https://www.facebook.com/doanphuocdinh.thuannam",
         "Đoàn xã Phước Dinh", "Thôn Vĩnh Trường, xã Phước Dinh", "Quảng Văn Đạt", 915666777,
         None, None],
        [2, "Đoàn xã Phước Diêm", "Fanpage", "https://www.facebook.com/doanxaphuocdiem",
         "Đoàn xã Phước Diêm", "Thôn Lạc Nghiệp, xã Phước Diêm", "Lê Thị Ánh", "0988 777 666",
         "doanphuocdiem@gmail.com; bithu.phuocdiem@gmail.com", None],
        [3, "Đoàn xã Cà Ná", "TikTok", "https://www.tiktok.com/@doanxacana", "Đoàn xã Cà Ná",
         "Thôn Lạc Tân, xã Cà Ná", "Huỳnh Văn Phát", "0966 888 999", None, None],
        [4, "Đoàn xã Nhị Hà", "Fanpage", "https://www.facebook.com/doanxanhiha", "Đoàn xã Nhị Hà",
         "Thôn Nhị Hà 1, xã Nhị Hà", "Trần Thị Ngọc Bích", "0977 999 000", None, None],
    ]  # fmt: skip
    # One sheet: with two, LibreOffice writes the page styles in a random order.
    sheets = [Sheet("Danh sách", [[f"Đơn vị: {TN}"], [], CANON, *data], widths=WIDE)]
    src = save_openpyxl(WORK / "16-libreoffice.xlsx", sheets)
    out = soffice(src, "ods", WORK / "ods")
    fix_zip(out)
    shutil.copy(out, HERE / "16-libreoffice.ods")
    expect("16-libreoffice", "read", "ods", TN, "Danh sách", [
        row(4, data[0], "facebook_page", "facebook.com/doanphuocdinh.thuannam",
            phone="0915666777"),
        row(5, data[1], "facebook_page", "facebook.com/doanxaphuocdiem"),
        row(6, data[2], "tiktok", "tiktok.com/@doanxacana"),
        row(7, data[3], "facebook_page", "facebook.com/doanxanhiha"),
    ])  # fmt: skip


@case(17)
def libreoffice_saved_xlsx():
    city = "thành phố Phan Rang – Tháp Chàm"
    data = [
        [1, "Đoàn phường Phủ Hà", "Fanpage", "https://www.facebook.com/doanphuongphuha",
         "Đoàn phường Phủ Hà", f"Phường Phủ Hà, {city}", "Nguyễn Minh Trí", 917222333, None,
         None],
        [2, "Đoàn phường Đạo Long", "Fanpage", "https://www.facebook.com/doanphuongdaolong",
         "Đoàn phường Đạo Long", f"Phường Đạo Long, {city}", "Trần Quốc Việt", "0918 444 555",
         None, None],
        [3, "Đoàn phường Mỹ Bình", "Nhóm", "https://www.facebook.com/groups/doanphuongmybinh",
         "Đoàn phường Mỹ Bình", f"Phường Mỹ Bình, {city}", "Lê Thị Thu", "0903 666 777", None,
         None],
        [4, "Đoàn phường Thanh Sơn", "Website", "http://doanthanhson.phanrangthapcham.gov.vn",
         "Đoàn phường Thanh Sơn", f"Phường Thanh Sơn, {city}", "Phạm Văn Dũng", "0914 888 999",
         "doanthanhson@gmail.com", None],
    ]  # fmt: skip
    src = save_openpyxl(
        WORK / "17-source.xlsx", [Sheet("Sheet1", [[f"Đơn vị: {PRTC}"], CANON, *data])]
    )
    out = soffice(src, "xlsx:Calc MS Excel 2007 XML", WORK / "lo-xlsx")
    fix_zip(out)
    shutil.copy(out, HERE / "17-libreoffice-saved.xlsx")
    expect("17-libreoffice-saved", "read", "xlsx", PRTC, "Sheet1", [
        row(3, data[0], "facebook_page", "facebook.com/doanphuongphuha", phone="0917222333"),
        row(4, data[1], "facebook_page", "facebook.com/doanphuongdaolong"),
        row(5, data[2], "facebook_group", "facebook.com/groups/doanphuongmybinh"),
        row(6, data[3], "website", "doanthanhson.phanrangthapcham.gov.vn"),
    ])  # fmt: skip


@case(18)
def csv_utf8_bom_comma():
    data = [
        [1, NS, "Fanpage", "https://www.facebook.com/huyendoanninhson", NS,
         "Khu phố 3, thị trấn Tân Sơn, huyện Ninh Sơn", "Bùi Văn Toàn", "0915678901",
         "doanninhson@gmail.com", ""],
        [2, "Đoàn xã Mỹ Sơn", "Fanpage", "https://www.facebook.com/doanxamyson", "Đoàn xã Mỹ Sơn",
         "Thôn Phú Thạnh, xã Mỹ Sơn", "Nguyễn Thị Diễm", "0907 123 789",
         "doanmyson@gmail.com, doanmyson.ns@gmail.com", ""],
        [3, "Đoàn xã Nhơn Sơn", "Fanpage", "https://www.facebook.com/doanxanhonson",
         "Đoàn xã Nhơn Sơn", "Thôn Lương Cang, xã Nhơn Sơn", "Võ Thành Công", "912345000", "",
         ""],
        [4, "Đoàn xã Hòa Sơn", "Zalo", "https://zalo.me/9900112233445566778", "Đoàn xã Hòa Sơn",
         "Thôn Tân Hòa, xã Hòa Sơn", "Lê Văn Mạnh", "0962 111 222", "", ""],
    ]  # fmt: skip
    write_csv(HERE / "18-utf8-bom-comma.csv", [CANON, *data], ",", "utf-8-sig", "\r\n")
    expect("18-utf8-bom-comma", "read", "csv", None, None, [
        row(2, data[0], "facebook_page", "facebook.com/huyendoanninhson"),
        row(3, data[1], "facebook_page", "facebook.com/doanxamyson",
            email="doanmyson@gmail.com; doanmyson.ns@gmail.com"),
        row(4, data[2], "facebook_page", "facebook.com/doanxanhonson", phone="0912345000"),
        row(5, data[3], "zalo", "zalo.me/9900112233445566778"),
    ])  # fmt: skip


@case(19)
def csv_utf8_semicolon():
    data = [
        [1, "Đoàn xã Phước Hải", "Fanpage", "https://www.facebook.com/doanxaphuochai",
         "Đoàn xã Phước Hải", "Thôn Từ Thiện, xã Phước Hải", "Lưu Văn Hậu", "0914 321 654",
         "doanphuochai@gmail.com", ""],
        [2, "Đoàn xã Phước Sơn", "Fanpage", "https://www.facebook.com/doanxaphuocson",
         "Đoàn xã Phước Sơn", "Thôn Phước Lập, xã Phước Sơn", "Nguyễn Thị Thanh Tâm",
         "0909 876 543", "", ""],
        [3, "Đoàn xã Phước Vinh", "Nhóm", "https://www.facebook.com/groups/doanphuocvinh",
         "Đoàn xã Phước Vinh", "Thôn Liên Sơn 2, xã Phước Vinh", "Trần Hữu Phước",
         "0356 789 012", "", ""],
        [4, "Đoàn xã Phước Thái", "Website", "http://doanphuocthai.ninhphuoc.ninhthuan.gov.vn",
         "Đoàn xã Phước Thái", "Thôn Hoài Trung, xã Phước Thái", "Đặng Thị Yến", "0372 345 678",
         "doanphuocthai@gmail.com", ""],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {NP}", *[""] * 9], [""] * 10, CANON, *data]
    write_csv(HERE / "19-utf8-semicolon.csv", rows, ";", "utf-8", "\n")
    expect("19-utf8-semicolon", "read", "csv", NP, None, [
        row(4, data[0], "facebook_page", "facebook.com/doanxaphuochai"),
        row(5, data[1], "facebook_page", "facebook.com/doanxaphuocson"),
        row(6, data[2], "facebook_group", "facebook.com/groups/doanphuocvinh"),
        row(7, data[3], "website", "doanphuocthai.ninhphuoc.ninhthuan.gov.vn"),
    ])  # fmt: skip


@case(20)
def csv_tab_separated():
    city = "thành phố Phan Rang – Tháp Chàm"
    data = [
        [1, "Đoàn Thanh niên Sở Giáo dục và Đào tạo", "Fanpage",
         "https://www.facebook.com/doanthanhniensogddtninhthuan",
         "Sở Giáo dục và Đào tạo tỉnh Ninh Thuận", f"Số 4 đường 16 tháng 4, {city}",
         "Hồ Thị Phương", "0913 246 135", "doansogddt@gmail.com", ""],
        [2, "Đoàn Thanh niên Công an tỉnh", "Fanpage",
         "https://www.facebook.com/tuoitrecongantinhninhthuan", "Công an tỉnh Ninh Thuận",
         f"Số 2 đường Lê Hồng Phong, {city}", "Nguyễn Văn Bình", "0919 357 246", "", ""],
        [3, "Ninh Thuận ngày mới", "Fanpage", "https://www.facebook.com/ninhthuanngaymoi/",
         "Công an tỉnh Ninh Thuận", f"Số 2 đường Lê Hồng Phong, {city}", "Nguyễn Văn Bình",
         "0919 357 246", "", "Trang do Công an tỉnh quản lý"],
        [4, "Chi đoàn Báo Ninh Thuận", "Website", "http://baoninhthuan.com.vn", "Báo Ninh Thuận",
         f"Số 6 đường 16 tháng 4, {city}", "Lê Quang Huy", "0905 468 024", "", ""],
    ]  # fmt: skip
    write_csv(HERE / "20-tab-separated.csv", [CANON, *data], "\t", "utf-8", "\n")
    expect("20-tab-separated", "read", "csv", None, None, [
        row(2, data[0], "facebook_page", "facebook.com/doanthanhniensogddtninhthuan"),
        row(3, data[1], "facebook_page", "facebook.com/tuoitrecongantinhninhthuan"),
        row(4, data[2], "facebook_page", "facebook.com/ninhthuanngaymoi",
            w=["not_youth_union_name", "official_page"]),
        row(5, data[3], "website", "baoninhthuan.com.vn"),
    ])  # fmt: skip


@case(21)
def csv_windows_1258():
    data = [
        [1, TN, "Fanpage", "https://www.facebook.com/huyendoanthuannam", TN,
         "Thôn Văn Lâm 3, xã Phước Nam, huyện Thuận Nam", "Nguyễn Văn Đức", "0917 888 999",
         "doanthuannam@gmail.com", ""],
        [2, "Đoàn xã Phước Diêm", "Fanpage", "https://www.facebook.com/doanxaphuocdiem",
         "Đoàn xã Phước Diêm", "Thôn Lạc Nghiệp, xã Phước Diêm", "Lê Thị Ánh", "0988 777 666",
         "", ""],
        [3, "Tuổi trẻ Cà Ná", "TikTok", "https://www.tiktok.com/@tuoitrecana", "Đoàn xã Cà Ná",
         "Thôn Lạc Tân, xã Cà Ná", "Võ Minh Trí", "0345 999 000", "", ""],
        [4, "Đoàn xã Phước Minh", "Nhóm", "https://www.facebook.com/groups/doanxaphuocminh",
         "Đoàn xã Phước Minh", "Thôn Lạc Sơn 1, xã Phước Minh", "Đổng Thị Sương",
         "0909 222 333", "", "Nhóm kín, cần duyệt thành viên"],
    ]  # fmt: skip
    write_csv(HERE / "21-windows-1258.csv", [CANON, *data], ",", "cp1258", "\r\n")
    expect("21-windows-1258", "read", "csv", None, None, [
        row(2, data[0], "facebook_page", "facebook.com/huyendoanthuannam"),
        row(3, data[1], "facebook_page", "facebook.com/doanxaphuocdiem"),
        row(4, data[2], "tiktok", "tiktok.com/@tuoitrecana"),
        row(5, data[3], "facebook_group", "facebook.com/groups/doanxaphuocminh"),
    ])  # fmt: skip


@case(22)
def word_merged():
    ag, ct = NS, "Khu phố 3, thị trấn Tân Sơn, huyện Ninh Sơn"
    data = [
        [1, "Đoàn xã Lương Sơn", "Fanpage", "https://www.facebook.com/doanxaluongson", ag, ct,
         "Nguyễn Văn Lợi", "0911 234 567", "doanluongson@gmail.com", ""],
        [2, "Đoàn thị trấn Tân Sơn", "Fanpage", "https://www.facebook.com/doanthitrantanson", ag,
         ct, "Trần Thị Hoa", "0905 678 123", "", ""],
        [3, "Tuổi trẻ Ninh Sơn", "TikTok", "https://www.tiktok.com/@tuoitreninhson", ag, ct,
         "Bùi Văn Toàn", "0915 678 901", "", ""],
        [4, "Đoàn xã Hòa Sơn", "Zalo", "https://zalo.me/7788990011223344556", ag, ct,
         "Lê Văn Mạnh", "0962 111 222", "", ""],
    ]  # fmt: skip
    doc = new_document()
    doc.add_paragraph("HUYỆN ĐOÀN NINH SƠN").runs[0].bold = True
    doc.add_paragraph("DANH SÁCH TRANG MẠNG XÃ HỘI CỦA CÁC CƠ SỞ ĐOÀN")
    doc.add_paragraph(f"Đơn vị: {NS}")
    blank = [None] * 10
    table = fill_table(
        doc, [blank, blank, blank, *[[None, *d[1:4], None, None, *d[6:]] for d in data]]
    )
    table.cell(0, 0).merge(table.cell(0, 9)).text = "Danh sách trang Facebook của cơ sở Đoàn"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "STT"
    table.cell(1, 1).merge(table.cell(1, 3)).text = "Thông tin trang"
    for c in range(4, 10):
        table.cell(1, c).merge(table.cell(2, c)).text = CANON[c]
    for c in range(1, 4):
        table.cell(2, c).text = CANON[c]
    for r, d in enumerate(data, start=3):
        table.cell(r, 0).text = str(d[0])
    table.cell(3, 4).merge(table.cell(6, 4)).text = ag
    table.cell(3, 5).merge(table.cell(6, 5)).text = ct
    doc.add_paragraph("Ninh Sơn, ngày 28 tháng 6 năm 2018")
    doc.add_paragraph("TM. BAN THƯỜNG VỤ")
    save_docx(doc, HERE / "22-word-merged.docx")
    expect("22-word-merged", "read", "docx", NS, "Bảng 1", [
        row(4, data[0], "facebook_page", "facebook.com/doanxaluongson"),
        row(5, data[1], "facebook_page", "facebook.com/doanthitrantanson"),
        row(6, data[2], "tiktok", "tiktok.com/@tuoitreninhson"),
        row(7, data[3], "zalo", "zalo.me/7788990011223344556"),
    ])  # fmt: skip


@case(23)
def word_content_control():
    data = [
        [1, TB, "Fanpage", "https://www.facebook.com/huyendoanthuanbac", TB,
         "Thôn Ba Tháp, xã Bắc Phong, huyện Thuận Bắc", "Nguyễn Thành Long", "0911 000 222",
         "doanthuanbac@gmail.com", ""],
        [2, "Đoàn xã Công Hải", "Fanpage", "https://www.facebook.com/doanxaconghai",
         "Đoàn xã Công Hải", "Thôn Suối Vang, xã Công Hải", "Trần Văn Khánh", "0905 333 444", "",
         ""],
        [3, "Đoàn xã Lợi Hải", "Zalo", "https://zalo.me/1234567890987654321", "Đoàn xã Lợi Hải",
         "Thôn Ấn Đạt, xã Lợi Hải", "Lê Thị Diệu", "0931 222 111", "", ""],
        [4, "Đoàn xã Phước Chiến", "Fanpage", "https://www.facebook.com/doanxaphuocchien",
         "Đoàn xã Phước Chiến", "Thôn Đầu Suối A, xã Phước Chiến", "Mang Văn Lực",
         "0358 777 111", "", ""],
    ]  # fmt: skip
    # (table row, column) -> how the text is put in: block control, inline control, hyperlink
    special = {(1, 1): "block", (1, 3): "inline", (2, 3): "link", (3, 1): "block",
               (3, 2): "inline", (4, 7): "inline"}  # fmt: skip
    doc = new_document()
    doc.add_paragraph("BIỂU MẪU DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ, TRANG MẠNG XÃ HỘI")
    put_run_sdt(doc.add_paragraph("Đơn vị: "), TB, "don_vi")
    rows = [CANON, *[[None if (r, c) in special else v for c, v in enumerate(d)]
                     for r, d in enumerate(data, start=1)]]  # fmt: skip
    table = fill_table(doc, rows)
    for (r, c), how in special.items():
        text, cell = data[r - 1][c], table.cell(r, c)
        if how == "block":
            put_block_sdt(cell, text, CANON[c])
        elif how == "inline":
            put_run_sdt(cell.paragraphs[0], text, CANON[c])
        else:
            put_hyperlink(cell, text)
    save_docx(doc, HERE / "23-word-content-control.docx")
    expect("23-word-content-control", "read", "docx", TB, "Bảng 1", [
        row(2, data[0], "facebook_page", "facebook.com/huyendoanthuanbac"),
        row(3, data[1], "facebook_page", "facebook.com/doanxaconghai"),
        row(4, data[2], "zalo", "zalo.me/1234567890987654321"),
        row(5, data[3], "facebook_page", "facebook.com/doanxaphuocchien"),
    ])  # fmt: skip


def two_tables_document():
    """A report in Word: letterhead table, title, unit line, the form as the second table."""
    ct = "Thôn Văn Lâm 3, xã Phước Nam, huyện Thuận Nam"
    data = [
        [1, TN, "Fanpage", "https://www.facebook.com/huyendoanthuannam", TN, ct,
         "Nguyễn Văn Đức", "0917 888 999", "doanthuannam@gmail.com", ""],
        [2, "Đoàn xã Phước Nam", "Fanpage", "https://m.facebook.com/doanxaphuocnam/",
         "Đoàn xã Phước Nam", "Thôn Văn Lâm 1, xã Phước Nam", "Thạch Văn Hiếu", "0911 555 666",
         "", ""],
        [3, "Đoàn xã Phước Ninh", "Nhóm",
         "https://www.facebook.com/groups/doanphuocninh/?ref=share", "Đoàn xã Phước Ninh",
         "Thôn Nho Lâm, xã Phước Ninh", "Châu Văn Tài", "0375 888 999", "", ""],
        [4, "Tuổi trẻ Thuận Nam", "YouTube", "https://m.youtube.com/@tuoitrethuannam", TN, ct,
         "Nguyễn Văn Đức", "0917 888 999", "", ""],
    ]  # fmt: skip
    doc = new_document()
    fill_table(doc, [
        ["TỈNH ĐOÀN NINH THUẬN\nBCH HUYỆN ĐOÀN THUẬN NAM\n***",
         "ĐOÀN TNCS HỒ CHÍ MINH\nThuận Nam, ngày 26 tháng 6 năm 2018"],
        ["Số: 45-BC/HĐTN", ""],
    ], style=None)  # fmt: skip
    doc.add_paragraph("BÁO CÁO").runs[0].bold = True
    doc.add_paragraph("Danh sách trang thông tin điện tử, trang mạng xã hội")
    doc.add_paragraph(f"Đơn vị: {TN}")
    fill_table(doc, [CANON, *data])
    doc.add_paragraph("Nơi nhận:\n- Ban Thường vụ Tỉnh Đoàn;\n- Lưu VP.")
    doc.add_paragraph("TM. BAN THƯỜNG VỤ\nBÍ THƯ\n\nNguyễn Văn Đức")
    return doc, data


@case(24)
def word_two_tables():
    doc, data = two_tables_document()
    save_docx(doc, HERE / "24-word-two-tables.docx")
    expect("24-word-two-tables", "read", "docx", TN, "Bảng 2", [
        row(2, data[0], "facebook_page", "facebook.com/huyendoanthuannam"),
        row(3, data[1], "facebook_page", "facebook.com/doanxaphuocnam"),
        row(4, data[2], "facebook_group", "facebook.com/groups/doanphuocninh"),
        row(5, data[3], "youtube", "youtube.com/@tuoitrethuannam"),
    ])  # fmt: skip


@case(25)
def word_libreoffice():
    city = "thành phố Phan Rang – Tháp Chàm"
    data = [
        [1, "Đoàn Thanh niên Sở Tư pháp", "Fanpage",
         "https://www.facebook.com/doanthanhniensotuphapninhthuan", "Sở Tư pháp tỉnh Ninh Thuận",
         f"Số 98 đường 16 tháng 4, {city}", "Võ Thị Mỹ Dung", "0916 802 468",
         "doansotuphap@gmail.com", ""],
        [2, "Chi đoàn Ngân hàng Nhà nước chi nhánh Ninh Thuận", "Fanpage",
         "https://www.facebook.com/chidoannhnnninhthuan",
         "Ngân hàng Nhà nước chi nhánh tỉnh Ninh Thuận", f"Số 2 đường 16 tháng 4, {city}",
         "Trần Minh Quân", "0938 642 086", "", ""],
        [3, "Đoàn cơ sở Bệnh viện Đa khoa tỉnh", "Website",
         "https://bvdkninhthuan.vn/Doan-Thanh-Nien", "Bệnh viện Đa khoa tỉnh Ninh Thuận",
         f"Đường Nguyễn Văn Cừ, {city}", "Nguyễn Thị Hồng Vân", "0987 531 975", "", ""],
    ]  # fmt: skip
    doc = new_document()
    doc.add_paragraph("ĐOÀN KHỐI CÁC CƠ QUAN VÀ DOANH NGHIỆP TỈNH NINH THUẬN")
    doc.add_paragraph(f"Đơn vị: {DK}")
    fill_table(doc, [CANON, *data])
    src = save_docx(doc, WORK / "25-source.docx")
    out = soffice(src, "docx:MS Word 2007 XML", WORK / "lo-docx")
    fix_zip(out)
    shutil.copy(out, HERE / "25-word-libreoffice.docx")
    expect("25-word-libreoffice", "read", "docx", DK, "Bảng 1", [
        row(2, data[0], "facebook_page", "facebook.com/doanthanhniensotuphapninhthuan"),
        row(3, data[1], "facebook_page", "facebook.com/chidoannhnnninhthuan"),
        row(4, data[2], "website", "bvdkninhthuan.vn/Doan-Thanh-Nien"),
    ])  # fmt: skip


@case(26)
def email_body_html():
    data = [
        [1, BA, "Fanpage", "https://www.facebook.com/huyendoanbacai", BA,
         "Thôn Ma Lâm, xã Phước Đại, huyện Bác Ái", "Pinăng Văn Tình", "0914 222 333",
         "doanbacai@gmail.com", ""],
        [2, "Đoàn xã Phước Tiến", "Fanpage", "facebook.com/doanxaphuoctien?fbclid=IwAR2xYz_AbC",
         "Đoàn xã Phước Tiến", "Thôn Tà Lọt, xã Phước Tiến", "Katơr Thị Lan", "0869 111 222",
         "", ""],
        [3, "Đoàn xã Phước Thắng", "Nhóm", "https://www.facebook.com/groups/doanphuocthang",
         "Đoàn xã Phước Thắng", "Thôn Ha Lá Hạ, xã Phước Thắng", "Chamaléa Văn Hòa",
         "0397 222 333", "", ""],
        [4, "Đoàn xã Phước Tân", "TikTok", "https://www.tiktok.com/@doanxaphuoctan?lang=vi",
         "Đoàn xã Phước Tân", "Thôn Ma Rên, xã Phước Tân", "Mấu Văn Hải", "0398 333 444", "",
         ""],
    ]  # fmt: skip
    header = [(f"<b>{escape(h)}</b>", ' style="background-color:#d9e2f3"') for h in CANON]
    header[3] = ("<b>Địa chỉ trang<br>(URL/tên miền)</b>", ' style="background-color:#d9e2f3"')
    cells = [[*d[:3], link(d[3]), *d[4:]] for d in data]
    cells[1][6] = ("&nbsp;Katơr Thị Lan&nbsp;", "")
    cells[2][1] = ('<span style="font-family:arial">Đoàn xã Phước Thắng</span>', "")
    body = f"""<div dir="ltr"><div>Kính gửi: Ban Tuyên giáo Tỉnh Đoàn Ninh Thuận,</div>
<div><br></div>
<div>Huyện Đoàn Bác Ái gửi danh sách trang mạng xã hội theo Công văn số 422-CV/TĐTN-TG
như sau:</div>
<div><br></div>
<div><b>Đơn vị:&nbsp;Huyện Đoàn Bác Ái</b></div>
<div><br></div>
{html_table([header, *cells], 'cellspacing="0" cellpadding="0" dir="ltr" border="1"')}
<div><br></div>
<div>Trân trọng!</div>
<div>--&nbsp;<br>Pinăng Văn Tình<br>Phó Bí thư Huyện Đoàn Bác Ái<br>ĐT: 0914 222 333</div>
</div>
"""
    (HERE / "26-email-body.html").write_text(body, encoding="utf-8")
    expect("26-email-body", "read", "html", BA, "Bảng 1", [
        row(2, data[0], "facebook_page", "facebook.com/huyendoanbacai"),
        row(3, data[1], "facebook_page", "facebook.com/doanxaphuoctien"),
        row(4, data[2], "facebook_group", "facebook.com/groups/doanphuocthang"),
        row(5, data[3], "tiktok", "tiktok.com/@doanxaphuoctan"),
    ])  # fmt: skip


# =========================================================================== cases: cell values


@case(27)
def values_urls():
    data = [
        [1, "Đoàn phường Mỹ Hải", None, "facebook.com/doanphuongmyhai", "Đoàn phường Mỹ Hải",
         None, "Lê Văn Hải", "0911 222 333", None, None],
        [2, "Đoàn phường Mỹ Đông", None,
         "https://www.facebook.com/DoanPhuongMyDong/?fbclid=IwAR3kLmNoPq_rStUv&utm_source=zalo",
         "Đoàn phường Mỹ Đông", None, "Trần Thị Mai", "0912 333 444", None, None],
        [3, "Đoàn phường Bảo An", None, "https://m.facebook.com/doanphuongbaoan?ref=bookmarks",
         "Đoàn phường Bảo An", None, "Nguyễn Văn Tín", "0913 444 555", None, None],
        [4, "Đoàn phường Phước Mỹ", None, "fb.com/doanphuongphuocmy", "Đoàn phường Phước Mỹ",
         None, "Phạm Thị Lụa", "0914 555 666", None, None],
        [5, "Chi đoàn khu phố 2 phường Đô Vinh", None,
         "https://www.facebook.com/profile.php?id=100045678901234&mibextid=ZbWKwL",
         "Đoàn phường Đô Vinh", None, "Hồ Văn Tâm", "0915 666 777", None, None],
        [6, "Đoàn phường Tấn Tài", None,
         "https://www.facebook.com/groups/1234567890123456/?ref=share_group_link",
         "Đoàn phường Tấn Tài", None, "Đỗ Thị Hạnh", "0916 777 888", None, None],
        [7, "Tuổi trẻ Phan Rang – Tháp Chàm", None,
         "https://www.tiktok.com/@tuoitrephanrang?_t=8kLmN0pQr&_r=1", PRTC, None,
         "Nguyễn Hoàng Phúc", "0913 456 789", None, None],
        [8, PRTC, None, "https://youtube.com/@ThanhDoanPRTC?si=AbCdEf123", PRTC, None,
         "Nguyễn Hoàng Phúc", "0913 456 789", None, None],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {PRTC}"], CANON, *data]
    save_openpyxl(HERE / "27-values-urls.xlsx", [Sheet("Sheet1", rows, widths=WIDE)])
    expect("27-values-urls", "read", "xlsx", PRTC, "Sheet1", [
        row(3, data[0], "facebook_page", "facebook.com/doanphuongmyhai"),
        row(4, data[1], "facebook_page", "facebook.com/doanphuongmydong"),
        row(5, data[2], "facebook_page", "facebook.com/doanphuongbaoan"),
        row(6, data[3], "facebook_page", "facebook.com/doanphuongphuocmy"),
        row(7, data[4], "facebook_profile", "facebook.com/profile.php?id=100045678901234",
            w=["facebook_profile"]),
        row(8, data[5], "facebook_group", "facebook.com/groups/1234567890123456"),
        row(9, data[6], "tiktok", "tiktok.com/@tuoitrephanrang"),
        row(10, data[7], "youtube", "youtube.com/@thanhdoanprtc"),
    ])  # fmt: skip


@case(28)
def values_urls_2():
    idn_host = "đoànthanhniênninhhải.vn"
    punycode = idn_host.encode("idna").decode("ascii")
    youtube = "https://m.youtube.com/channel/UCa1B2c3D4e5F6g7H8i9J0kL"
    data = [
        [1, "Đoàn Thanh niên xã Nhơn Hải", None, "zalo.me/8899001122334455667",
         "Đoàn xã Nhơn Hải", None, "Lê Văn Tú", "0912 456 789", None, None],
        [2, "Trang thông tin Đoàn Thanh niên Ninh Hải", None, f"http://{idn_host}", NH, None,
         "Nguyễn Văn Hùng", "0912 345 678", None, None],
        [3, "Đoàn xã Vĩnh Hải", None, "WWW.DoanXaVinhHai.NinhThuan.gov.vn/Tin-Tuc/",
         "Đoàn xã Vĩnh Hải", None, "Lê Minh Tuấn", "0935 111 222", None, None],
        [4, "Đoàn xã Tri Hải", None, "https://doantrihai.vn/gioi-thieu#lien-he",
         "Đoàn xã Tri Hải", None, "Đặng Quốc Bảo", "0967 444 555", None, None],
        [5, "Đoàn xã Xuân Hải", None, "mbasic.facebook.com/doanxaxuanhai", "Đoàn xã Xuân Hải",
         None, "Phạm Thị Lan", "0905 123 456", None, None],
        [6, "Tuổi trẻ Ninh Hải", None, f"{NBSP}{youtube}{NBSP} ", NH, None, "Trần Thị Thu Hà",
         "0987 654 321", None, None],
        [7, "Đoàn xã Thanh Hải", None, "https://web.facebook.com/doanxathanhhai?_rdc=1&_rdr",
         "Đoàn xã Thanh Hải", None, "Nguyễn Thị Kim Oanh", "0944 555 666", None, None],
        [8, "Đoàn Thanh niên huyện Ninh Hải", None, "fb.me/doanthanhnienninhhai", NH, None,
         "Nguyễn Văn Hùng", "0912 345 678", None, None],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {NH}"], CANON, *data]
    save_openpyxl(HERE / "28-values-urls-2.xlsx", [Sheet("Sheet1", rows, widths=WIDE)])
    expect("28-values-urls-2", "read", "xlsx", NH, "Sheet1", [
        row(3, data[0], "zalo", "zalo.me/8899001122334455667"),
        row(4, data[1], "website", punycode),
        row(5, data[2], "website", "doanxavinhhai.ninhthuan.gov.vn/Tin-Tuc"),
        row(6, data[3], "website", "doantrihai.vn/gioi-thieu"),
        row(7, data[4], "facebook_page", "facebook.com/doanxaxuanhai"),
        row(8, data[5], "youtube", "youtube.com/channel/uca1b2c3d4e5f6g7h8i9j0kl", url=youtube),
        row(9, data[6], "facebook_page", "facebook.com/doanxathanhhai"),
        row(10, data[7], "facebook_page", "facebook.com/doanthanhnienninhhai"),
    ])  # fmt: skip


@case(29)
def values_phones_emails():
    data = [
        [1, "Đoàn xã Lương Sơn", "Fanpage", "https://www.facebook.com/doanxaluongson",
         "Đoàn xã Lương Sơn", "Thôn Lương Giang, xã Lương Sơn", "Nguyễn Văn Lợi", 911234567,
         "doanluongson@gmail.com; bithuluongson@gmail.com", None],
        [2, "Đoàn xã Mỹ Sơn", "Fanpage", "https://www.facebook.com/doanxamyson", "Đoàn xã Mỹ Sơn",
         "Thôn Phú Thạnh, xã Mỹ Sơn", "Nguyễn Thị Diễm", "0907.123.789",
         "doanmyson@gmail.com\ndoanmyson.ns@gmail.com", None],
        [3, "Đoàn xã Quảng Sơn", "Fanpage", "https://www.facebook.com/doanxaquangson",
         "Đoàn xã Quảng Sơn", "Thôn Triệu Phong, xã Quảng Sơn", "Hoàng Thị Mỹ",
         "0963 111 000 - 0259 3854 321", "doanquangson@gmail.com, hoangmy.qs@gmail.com", None],
        [4, "Đoàn xã Lâm Sơn", "Fanpage", "https://www.facebook.com/doanxalamson2018",
         "Đoàn xã Lâm Sơn", "Thôn Lâm Bình, xã Lâm Sơn", "Cao Văn Sáu", f"{NBSP}0977 666 888 ",
         "doanlamson@gmail.com caovansau@yahoo.com.vn", None],
        [5, "Đoàn xã Ma Nới", "Fanpage", "https://www.facebook.com/doanxamanoi", "Đoàn xã Ma Nới",
         "Thôn Gia Rót, xã Ma Nới", "Pi Năng Thị Hoa", "+84 889 123 123", "doanmanoi@gmail",
         None],
        [6, "Đoàn xã Hòa Sơn", "Trang thông tin điện tử",
         "http://doanthanhnienhoason.vn/?utm_source=zalo&utm_medium=share", "Đoàn xã Hòa Sơn",
         "Thôn Tân Hòa, xã Hòa Sơn", "Lê Văn Mạnh", 2593854321, "doanhoason@gmail.com", 442.0],
        [7, f"  Đoàn{NBSP}thị trấn   Tân Sơn ", "Fanpage",
         f"{NBSP}https://www.facebook.com/doanthitrantanson{NBSP}", "Đoàn thị trấn\nTân Sơn",
         "Khu phố 1, thị trấn Tân Sơn", "Trần  Thị Hoa", f"0905{NBSP}678{NBSP}123",
         " doantanson@gmail.com ", "- Đang chờ xác minh"],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {NS}"], CANON, *data]
    save_openpyxl(HERE / "29-values-phones-emails.xlsx", [Sheet("Sheet1", rows, widths=WIDE)])
    expect("29-values-phones-emails", "read", "xlsx", NS, "Sheet1", [
        row(3, data[0], "facebook_page", "facebook.com/doanxaluongson", phone="0911234567"),
        row(4, data[1], "facebook_page", "facebook.com/doanxamyson",
            email="doanmyson@gmail.com; doanmyson.ns@gmail.com"),
        row(5, data[2], "facebook_page", "facebook.com/doanxaquangson",
            email="doanquangson@gmail.com; hoangmy.qs@gmail.com"),
        row(6, data[3], "facebook_page", "facebook.com/doanxalamson2018", phone="0977 666 888",
            email="doanlamson@gmail.com; caovansau@yahoo.com.vn"),
        row(7, data[4], "facebook_page", "facebook.com/doanxamanoi", e=["bad_email"]),
        row(8, data[5], "website", "doanthanhnienhoason.vn", phone="02593854321", note="442"),
        row(9, data[6], "facebook_page", "facebook.com/doanthitrantanson",
            name="Đoàn thị trấn Tân Sơn", url="https://www.facebook.com/doanthitrantanson",
            agency="Đoàn thị trấn Tân Sơn", admin_name="Trần Thị Hoa", phone="0905 678 123",
            email="doantanson@gmail.com"),
    ])  # fmt: skip


@case(30)
def values_checks():
    data = [
        [1, NP, "Fanpage", "https://www.facebook.com/tuoitreninhphuoc/", NP,
         "Khu phố 1, thị trấn Phước Dân, huyện Ninh Phước", "Trương Văn Lực", "0918 765 432",
         "doanninhphuoc@gmail.com", None],
        [2, "Đoàn xã Phước Hậu", None, None, None, None, None, None, None, None],
        [3, None, None, "https://www.facebook.com/doanxaphuocvinh", None, None, None, None, None,
         None],
        [4, "Đoàn xã An Hải", "Fanpage", "chưa có", "Đoàn xã An Hải",
         "Thôn Long Bình 1, xã An Hải", "Nguyễn Văn Thắng", "0905 246 810", None,
         "Đang lập trang"],
        [5, "Trang tin Ninh Phước online", "Website", "https://ninhphuoconline.com",
         "Công ty TNHH Truyền thông Phước An", "Thị trấn Phước Dân, huyện Ninh Phước",
         "Phan Văn Bảo", "0977 123 456", None, None],
        [6, "Ninh Thuận ngày mới", "Fanpage", "https://www.facebook.com/ninhthuanngaymoi/",
         "Công an tỉnh Ninh Thuận", None, None, None, None,
         "Trang của Công an tỉnh, đơn vị có chia sẻ bài"],
        [7, "Đoàn Thanh niên huyện Ninh Phước (trang dự phòng)", "Fanpage",
         "facebook.com/TuoiTreNinhPhuoc?fbclid=IwAR0xYzAbC123", NP, None, "Trương Văn Lực",
         "0918 765 432", None, None],
        [8, '=HYPERLINK("http://x")', "Fanpage", "https://www.facebook.com/doanxaphuocson",
         "Đoàn xã Phước Sơn", None, "Nguyễn Thị Thanh Tâm", "0909 876 543", None, None],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {NP}"], CANON, *data]
    save_openpyxl(HERE / "30-values-checks.xlsx", [Sheet("Sheet1", rows, widths=WIDE)])
    expect("30-values-checks", "read", "xlsx", NP, "Sheet1", [
        row(3, data[0], "facebook_page", "facebook.com/tuoitreninhphuoc"),
        row(4, data[1], "other", "", e=["missing_url"]),
        row(5, data[2], "facebook_page", "facebook.com/doanxaphuocvinh", e=["missing_name"]),
        row(6, data[3], "facebook_page", "", e=["bad_url"]),
        row(7, data[4], "website", "ninhphuoconline.com",
            w=["non_vn_domain", "not_youth_union_name"]),
        row(8, data[5], "facebook_page", "facebook.com/ninhthuanngaymoi",
            w=["not_youth_union_name", "official_page"]),
        row(9, data[6], "facebook_page", "facebook.com/tuoitreninhphuoc",
            w=["duplicate_in_return"]),
        row(10, data[7], "facebook_page", "facebook.com/doanxaphuocson",
            w=["not_youth_union_name"]),
    ])  # fmt: skip


@case(31)
def values_checks_2():
    nv = "Sở Nội vụ tỉnh Ninh Thuận"
    data = [
        [1, "Đoàn Thanh niên Sở Nội vụ", "Fanpage", "facebook", nv, None, "Lê Thị Hoài",
         "0918 222 444", None, None],
        [2, "Chi đoàn Văn phòng Tỉnh ủy", None, "http://", "Văn phòng Tỉnh ủy Ninh Thuận", None,
         "Trần Văn Định", "0917 333 555", None, None],
        [3, "Trang thông tin điện tử Tỉnh Đoàn Ninh Thuận", "Website",
         "http://www.doanthanhnienninhthuan.org.vn", "Tỉnh Đoàn Ninh Thuận", None, None, None,
         None, "Trang của Tỉnh Đoàn"],
        [4, "Búp sen xanh", "Fanpage", "https://www.facebook.com/bupsenxanh304/",
         "Trung ương Đoàn", None, None, None, None, None],
        [5, "Đoàn Thanh niên cộng sản Hồ Chí Minh (nhóm)", "Nhóm",
         "https://www.facebook.com/groups/dtncshcm/", "Trung ương Đoàn", None, None, None, None,
         None],
        [6, "Hội đồng Đội tỉnh Ninh Thuận", "Fanpage",
         "https://www.facebook.com/hoidongdoininhthuan", "Tỉnh Đoàn Ninh Thuận", None,
         "Nguyễn Thị Thúy", "0905 111 333", None, "@Ban Tuyên giáo: trang mới lập tháng 6/2018"],
        [7, "Đoàn Thanh niên Sở Nội vụ", "Fanpage",
         "https://www.facebook.com/doanthanhniensonoivu", nv, None, "Lê Thị Hoài",
         "0918 222 444", "doansonoivu.gmail.com", None],
        [8, "Đoàn Thanh niên Sở Nội vụ (trùng)", "Fanpage",
         "https://m.facebook.com/DoanThanhNienSoNoiVu/", nv, None, "Lê Thị Hoài",
         "0918 222 444", None, None],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {DK}"], CANON, *data]
    save_xlsxwriter(HERE / "31-values-checks-2.xlsx", [Sheet("Đoàn Khối", rows, [], WIDE)])
    expect("31-values-checks-2", "read", "xlsx", DK, "Đoàn Khối", [
        row(3, data[0], "facebook_page", "", e=["bad_url"]),
        row(4, data[1], "other", "", e=["bad_url"]),
        row(5, data[2], "website", "doanthanhnienninhthuan.org.vn", w=["official_page"]),
        row(6, data[3], "facebook_page", "facebook.com/bupsenxanh304",
            w=["not_youth_union_name", "official_page"]),
        row(7, data[4], "facebook_group", "facebook.com/groups/dtncshcm", w=["official_page"]),
        row(8, data[5], "facebook_page", "facebook.com/hoidongdoininhthuan"),
        row(9, data[6], "facebook_page", "facebook.com/doanthanhniensonoivu", e=["bad_email"]),
        row(10, data[7], "facebook_page", "facebook.com/doanthanhniensonoivu",
            w=["duplicate_in_return"]),
    ])  # fmt: skip


# =========================================================================== cases: untrusted


def small_form_xlsx() -> bytes:
    """A valid little return (Ninh Phước) used inside the zip-level cases."""
    data = [
        [1, NP, "Fanpage", "https://www.facebook.com/tuoitreninhphuoc", NP, None,
         "Trương Văn Lực", "0918 765 432", "doanninhphuoc@gmail.com", None],
        [2, "Đoàn xã Phước Hải", "Fanpage", "https://www.facebook.com/doanxaphuochai",
         "Đoàn xã Phước Hải", None, "Lưu Văn Hậu", "0914 321 654", None, None],
    ]  # fmt: skip
    path = save_openpyxl(WORK / "small-form.xlsx", [Sheet("Sheet1", [CANON, *data])])
    return path.read_bytes()


def dos_datetime() -> tuple[int, int]:
    y, mo, d, h, mi, s = FIXED_DT
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def raw_deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush()


@dataclass
class RawEntry:
    name: str
    method: int  # 0 stored, 8 deflate, 12 bzip2
    crc: int
    usize: int
    payload: bytes  # already compressed
    same_data_as: str | None = None  # point the directory at another entry's data


def raw_zip(entries: list[RawEntry]) -> bytes:
    """A zip written by hand, so that declared sizes and shared data are under control."""
    tm, dt = dos_datetime()
    body, central, offsets = bytearray(), bytearray(), {}
    for e in entries:
        name = e.name.encode()
        version = 46 if e.method == 12 else 20
        head = (version, 0, e.method, tm, dt, e.crc, len(e.payload), e.usize, len(name), 0)
        if e.same_data_as is None:
            offsets[e.name] = len(body)
            body += struct.pack("<IHHHHHIIIHH", 0x04034B50, *head) + name + e.payload
        offset = offsets[e.same_data_as or e.name]
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, *head[:9], 0, 0, 0, 0,
                               0, offset) + name  # fmt: skip
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central),
                      len(body), 0)  # fmt: skip
    return bytes(body + central + end)


def entries_of(package: bytes, skip: tuple = ()) -> list[RawEntry]:
    """The entries of a real package, deflated again by hand."""
    out = []
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        for info in z.infolist():
            if info.filename not in skip:
                data = z.read(info.filename)
                out.append(RawEntry(info.filename, 8, zlib.crc32(data), len(data),
                                    raw_deflate(data)))  # fmt: skip
    return out


def zeros_stream(total: int, compressor) -> tuple[bytes, int]:
    """Compress `total` zero bytes in chunks; returns (compressed, crc32)."""
    chunk, crc, parts = bytes(1 << 24), 0, []
    for _ in range(total // len(chunk)):
        parts.append(compressor.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(compressor.flush())
    return b"".join(parts), crc


@case(32)
def zip_bomb():
    gib = 1 << 30
    payload, crc = zeros_stream(gib, bz2.BZ2Compressor(9))
    sheet = "xl/worksheets/sheet1.xml"
    entries = entries_of(small_form_xlsx(), skip=(sheet,))
    for name in (sheet, "xl/media/image1.emf", "xl/media/image2.emf"):
        entries.append(RawEntry(name, 12, crc, gib, payload))
    (HERE / "32-zip-bomb.xlsx").write_bytes(raw_zip(entries))
    expect("32-zip-bomb", "refused", "xlsx")  # the zip claims to be a workbook (xl/...)


@case(33)
def zip_bomb_overlap():
    size = 64 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload, crc = zeros_stream(size, comp)
    sheet = "xl/worksheets/sheet1.xml"
    entries = entries_of(small_form_xlsx(), skip=(sheet,))
    entries.append(RawEntry(sheet, 8, crc, size, payload))
    for n in range(1, 40):
        entries.append(RawEntry(f"xl/media/image{n}.bin", 8, crc, size, payload, sheet))
    (HERE / "33-zip-bomb-overlap.xlsx").write_bytes(raw_zip(entries))
    expect("33-zip-bomb-overlap", "refused", "xlsx")


@case(34)
def too_many_entries():
    path = HERE / "34-too-many-entries.xlsx"
    path.write_bytes(small_form_xlsx())
    with zipfile.ZipFile(path, "a") as z:
        for n in range(10_001):
            z.writestr(zipfile.ZipInfo(f"z/{n:05d}", FIXED_DT), b"")
    expect("34-too-many-entries", "refused", "xlsx")


FILETIME = 131743584000000000  # 2018-06-25 08:00 UTC as a Windows FILETIME


@case(35)
def encrypted_xlsx():
    data = [
        [1, BA, "Fanpage", "https://www.facebook.com/huyendoanbacai", BA, None, "Pinăng Văn Tình",
         "0914 222 333", "doanbacai@gmail.com", None],
    ]  # fmt: skip
    src = save_openpyxl(WORK / "35-plain.xlsx", [Sheet("Sheet1", [[f"Đơn vị: {BA}"], CANON,
                                                                    *data])])  # fmt: skip
    rng = random.Random(422)  # noqa: S311 -- test data must be reproducible, not secret
    out = io.BytesIO()
    with (
        mock.patch.object(msoffcrypto_agile, "_random_buffer", rng.randbytes),
        mock.patch.object(msoffcrypto_container, "datetime2filetime", lambda _dt: FILETIME),
        src.open("rb") as f,
    ):
        OOXMLFile(f).encrypt("123456", out)
    (HERE / "35-encrypted.xlsx").write_bytes(out.getvalue())
    expect("35-encrypted", "encrypted", "ooxml")


@case(36)
def html_named_xlsx():
    header = ["STT", "Tên trang", "Loại hình", "Địa chỉ trang (URL/tên miền)", "Cơ quan chủ quản",
              "Người quản trị", "Số điện thoại", "Email"]  # fmt: skip
    keys = ("seq", "name", "platform_text", "url", "agency", "admin_name", "phone", "email")
    data = [
        [1, "Đoàn xã Bắc Phong", "Fanpage", "https://www.facebook.com/doanxabacphong",
         "Đoàn xã Bắc Phong", "Phan Thị Mỹ Linh", "0932 111 999", "doanbacphong@gmail.com"],
        [2, "Đoàn xã Phước Kháng", "Zalo", "https://zalo.me/5566778899001122334",
         "Đoàn xã Phước Kháng", "Chamaléa Thị Nhung", "0986 333 222", ""],
        [3, "Đoàn xã Phước Chiến", "TikTok", "https://www.tiktok.com/@doanxaphuocchien",
         "Đoàn xã Phước Chiến", "Mang Văn Lực", "0358 777 111", ""],
    ]  # fmt: skip
    head = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"
    table = html_table(data).replace("<tbody>", f"<thead>{head}</thead>\n<tbody>", 1)
    page = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Danh sách trang</title></head>
<body>
<p>Đơn vị: {TB}</p>
{table}
</body></html>
"""
    (HERE / "36-html-named.xlsx").write_text(page, encoding="utf-8")
    expect("36-html-named", "read", "html", TB, "Bảng 1", [
        row(2, data[0], "facebook_page", "facebook.com/doanxabacphong", keys=keys),
        row(3, data[1], "zalo", "zalo.me/5566778899001122334", keys=keys),
        row(4, data[2], "tiktok", "tiktok.com/@doanxaphuocchien", keys=keys),
    ])  # fmt: skip


@case(37)
def html_table_xls():
    header = ["STT", "Tên trang", "Loại hình", "Địa chỉ trang (URL/tên miền)", "Cơ quan chủ quản",
              "Người quản trị", "Số điện thoại", "Email", "Ghi chú"]  # fmt: skip
    keys = ("seq", "name", "platform_text", "url", "agency", "admin_name", "phone", "email",
            "note")  # fmt: skip
    data = [
        [1, "Đoàn xã Nhơn Hải", "Fanpage", "https://www.facebook.com/doanxanhonhai",
         "Đoàn xã Nhơn Hải", "Lê Văn Tú", "0912 456 789", "doannhonhai@gmail.com", ""],
        [2, "Đoàn xã Tri Hải", "Fanpage", "https://www.facebook.com/doanxatrihai",
         "Đoàn xã Tri Hải", "Đặng Quốc Bảo", "0967 444 555", "", ""],
        [3, "Đoàn xã Phương Hải", "Nhóm", "https://www.facebook.com/groups/doanxaphuonghai",
         "Đoàn xã Phương Hải", "Trần Văn Sang", "0912 888 777", "", ""],
    ]  # fmt: skip
    text_fmt = " style=\"mso-number-format:'\\@'\""
    rows = [
        [("<b>DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ, MẠNG XÃ HỘI</b>", ' colspan="9"')],
        [(f"Đơn vị: {NH}", ' colspan="9"')],
        [(f"<b>{escape(h)}</b>", "") for h in header],
        *[[*d[:6], (d[6], text_fmt), *d[7:]] for d in data],
    ]
    page = f"""<html xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet>
<x:Name>DanhSach</x:Name><x:WorksheetOptions><x:DisplayGridlines/></x:WorksheetOptions>
</x:ExcelWorksheet></x:ExcelWorksheets></x:ExcelWorkbook></xml><![endif]--></head>
<body>
{html_table(rows, 'border="1"')}
</body></html>
"""
    (HERE / "37-html-table.xls").write_text(page, encoding="utf-8")
    expect("37-html-table", "read", "html", NH, "Bảng 1", [
        row(4, data[0], "facebook_page", "facebook.com/doanxanhonhai", keys=keys),
        row(5, data[1], "facebook_page", "facebook.com/doanxatrihai", keys=keys),
        row(6, data[2], "facebook_group", "facebook.com/groups/doanxaphuonghai", keys=keys),
    ])  # fmt: skip


@case(38)
def truncated_xlsx():
    whole = small_form_xlsx()
    (HERE / "38-truncated.xlsx").write_bytes(whole[: len(whole) * 6 // 10])
    expect("38-truncated", "unreadable", "zip")


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF with `text` in Helvetica, offsets computed."""
    stream = f"BT /F1 24 Tf 40 50 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 120] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@case(39)
def scan_pdf():
    (HERE / "39-scan.pdf").write_bytes(tiny_pdf("scan"))
    expect("39-scan", "manual_entry", "pdf")


def tiny_jpeg(width: int = 16, height: int = 16) -> bytes:
    """A baseline grey JPEG: every 8x8 block has DC difference 0 and no AC coefficients."""

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body

    one_code = bytes([1] + [0] * 15)  # one Huffman code of length 1
    blocks = (width // 8) * (height // 8)
    bits = "00" * blocks  # DC category 0, then end-of-block
    bits += "1" * (-len(bits) % 8)
    scan = int(bits, 2).to_bytes(len(bits) // 8, "big")
    return b"".join([
        b"\xff\xd8",
        segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xDB, b"\x00" + bytes([1] * 64)),
        segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
        segment(0xC4, b"\x00" + one_code + b"\x00"),
        segment(0xC4, b"\x10" + one_code + b"\x00"),
        segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        scan,
        b"\xff\xd9",
    ])  # fmt: skip


@case(40)
def photo_jpeg():
    (HERE / "40-photo.jpg").write_bytes(tiny_jpeg())
    expect("40-photo", "manual_entry", "image")


def tiny_png(width: int = 24, height: int = 16) -> bytes:
    """An RGB PNG: a white sheet with grey table lines."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            line = y % 4 == 0 or x % 8 == 0
            raw += bytes((128, 128, 128) if line else (255, 255, 255))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(raw), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@case(41)
def screenshot_png():
    (HERE / "41-screenshot.png").write_bytes(tiny_png())
    expect("41-screenshot", "manual_entry", "image")


@case(42)
def letter_no_table():
    doc = new_document()
    fill_table(doc, [
        ["HUYỆN ĐOÀN BÁC ÁI\n***", "ĐOÀN TNCS HỒ CHÍ MINH"],
        ["Số: 12-CV/HĐTN\nV/v gửi danh sách trang mạng xã hội", "Bác Ái, ngày 27 tháng 6 năm 2018"],
    ], style=None)  # fmt: skip
    doc.add_paragraph("Kính gửi: Ban Thường vụ Tỉnh Đoàn Ninh Thuận")
    doc.add_paragraph(
        "Thực hiện Công văn số 422-CV/TĐTN-TG ngày 20/6/2018 của Ban Thường vụ Tỉnh Đoàn, "
        "Ban Thường vụ Huyện Đoàn Bác Ái báo cáo như sau: Huyện Đoàn đang quản lý Fanpage "
        "https://www.facebook.com/huyendoanbacai; các cơ sở Đoàn đang hoàn thiện trang và sẽ "
        "gửi danh sách theo mẫu trước ngày 10/7/2018."
    )
    doc.add_paragraph("Trân trọng!")
    doc.add_paragraph("TM. BAN THƯỜNG VỤ\nPHÓ BÍ THƯ\n\nPinăng Văn Tình")
    save_docx(doc, HERE / "42-letter-no-table.docx")
    expect("42-letter-no-table", "no_table", "docx")


@case(43)
def no_form_table():
    rows = [
        ["BÁO CÁO SỐ LƯỢNG ĐOÀN VIÊN QUÝ II/2018"],
        ["STT", "Chi đoàn", "Số đoàn viên", "Nam", "Nữ", "Ghi chú"],
        [1, "Chi đoàn thôn Ma Lâm", 42, 20, 22, None],
        [2, "Chi đoàn thôn Tà Lú", 35, 18, 17, None],
        [3, "Chi đoàn Trường THCS Phước Đại", 28, 12, 16, "Mới thành lập"],
        [],
        [None, "Người lập biểu"],
    ]
    widths = {"B": 34, "C": 14, "F": 20}
    save_openpyxl(HERE / "43-no-form-table.xlsx", [Sheet("Báo cáo", rows, ["A1:F1"], widths)])
    expect("43-no-form-table", "no_table", "xlsx")


LONG_NOTE = (
    "Nhật ký hoạt động năm 2018: " + "Ra quân chiến dịch Thanh niên tình nguyện hè; " * 2200
)[:99_999] + "."


@case(44)
def long_cell():
    assert len(LONG_NOTE) == 100_000 and not LONG_NOTE[1999].isspace()
    data = [
        [1, "Đoàn xã Phước Nam", "Fanpage", "https://www.facebook.com/doanxaphuocnam",
         "Đoàn xã Phước Nam", None, "Thạch Văn Hiếu", "0911 555 666", None, "LONG-NOTE"],
        [2, "Đoàn xã Phước Ninh", "Fanpage", "https://www.facebook.com/doanxaphuocninh",
         "Đoàn xã Phước Ninh", None, "Châu Văn Tài", "0375 888 999", None, None],
        [3, "Đoàn xã Nhị Hà", "Fanpage", "https://www.facebook.com/doanxanhiha", "Đoàn xã Nhị Hà",
         None, "Trần Thị Ngọc Bích", "0977 999 000", None, None],
    ]  # fmt: skip
    rows = [[f"Đơn vị: {TN}"], CANON, *data]
    path = save_openpyxl(HERE / "44-long-cell.xlsx", [Sheet("Sheet1", rows, widths=WIDE)])
    # openpyxl cuts text at Excel's 32,767 characters; put the whole 100,000 in by hand.
    replace_in_zip(path, "xl/worksheets/sheet1.xml", "LONG-NOTE", escape(LONG_NOTE, quote=False))
    expect("44-long-cell", "read", "xlsx", TN, "Sheet1", [
        row(3, data[0], "facebook_page", "facebook.com/doanxaphuocnam", note=LONG_NOTE[:2000]),
        row(4, data[1], "facebook_page", "facebook.com/doanxaphuocninh"),
        row(5, data[2], "facebook_page", "facebook.com/doanxanhiha"),
    ])  # fmt: skip


def zero_hex(match: re.Match) -> bytes:
    return re.sub(rb"[0-9A-Fa-f](?=[0-9A-Fa-f]*>)", b"0", match.group(0))


@case(45)
def exported_form_pdf():
    doc, _ = two_tables_document()
    src = save_docx(doc, WORK / "45-exported-form.docx")
    pdf = soffice(src, "pdf", WORK / "pdf").read_bytes()
    # Same-length replacements keep the cross-reference offsets valid.
    pdf = re.sub(rb"\(D:\d{14}", b"(D:20180625080000", pdf)
    pdf = re.sub(rb"/ID\s*\[[^\]]*\]", zero_hex, pdf)
    pdf = re.sub(rb"/DocChecksum /[0-9A-F]+", lambda m: re.sub(rb"[0-9A-F](?![^/]*/)", b"0",
                 m.group(0)), pdf)  # fmt: skip
    (HERE / "45-exported-form.pdf").write_bytes(pdf)
    expect("45-exported-form", "manual_entry", "pdf")


@case(46)
def tcvn3_sheet():
    data = [
        [1, NH, "Fanpage", "https://www.facebook.com/huyendoanninhhai", NH,
         "Thị trấn Khánh Hải, huyện Ninh Hải", "Nguyễn Văn Hùng", "0912 345 678",
         "doanninhhai@gmail.com", None],
        [2, "Đoàn xã Hộ Hải", "Fanpage", "https://www.facebook.com/doanxahohai", "Đoàn xã Hộ Hải",
         "Thôn Gò Đền, xã Hộ Hải", "Lý Thị Nga", "0978 111 222", None, None],
        [3, "Đoàn xã Phương Hải", "Nhóm", "https://www.facebook.com/groups/doanxaphuonghai",
         "Đoàn xã Phương Hải", "Thôn Phương Cựu 1, xã Phương Hải", "Trần Văn Sang",
         "0912 888 777", None, None],
        [4, "Tuổi trẻ Ninh Hải", "TikTok", "https://www.tiktok.com/@tuoitreninhhai", NH,
         "Thị trấn Khánh Hải, huyện Ninh Hải", "Trần Thị Thu Hà", "0987 654 321", None,
         "Trang mới lập"],
    ]  # fmt: skip
    # Titles were typed in .VnTimeH, which shows these lower-case bytes as capitals.
    titles = [["tỉnh đoàn ninh thuận"], ["danh sách trang mạng xã hội"]]
    rows = [*titles, [f"Đơn vị: {NH}"], CANON, *data]
    rows = [[tcvn3_mojibake(v) for v in r] for r in rows]
    sheet = Sheet("Sheet1", rows, ["A1:J1", "A2:J2"], WIDE)
    save_openpyxl(HERE / "46-tcvn3.xlsx", [sheet], font=Font(name=".VnTime", size=13))
    expect("46-tcvn3", "read", "xlsx", NH, "Sheet1", [
        row(5, data[0], "facebook_page", "facebook.com/huyendoanninhhai"),
        row(6, data[1], "facebook_page", "facebook.com/doanxahohai"),
        row(7, data[2], "facebook_group", "facebook.com/groups/doanxaphuonghai"),
        row(8, data[3], "tiktok", "tiktok.com/@tuoitreninhhai"),
    ], stretch=True)  # fmt: skip


def password_source() -> Path:
    data = [
        [1, NS, "Fanpage", "https://www.facebook.com/huyendoanninhson", NS, None, "Bùi Văn Toàn",
         "0915 678 901", "doanninhson@gmail.com", None],
    ]  # fmt: skip
    return save_openpyxl(WORK / "pw-source.xlsx", [Sheet("Sheet1", [[f"Đơn vị: {NS}"], CANON,
                                                                       *data])])  # fmt: skip


@case(47)
def encrypted_ods():
    target = HERE / "47-encrypted.ods"
    if not target.exists() or ARGS.refresh_random:
        soffice_with_password(password_source(), WORK / "enc.ods", "calc8", "123456")
        shutil.copy(WORK / "enc.ods", target)
    expect("47-encrypted", "encrypted", "ods")


@case(48)
def encrypted_xls():
    target = HERE / "48-encrypted.xls"
    if not target.exists() or ARGS.refresh_random:
        soffice_with_password(password_source(), WORK / "enc.xls", "MS Excel 97", "123456")
        shutil.copy(WORK / "enc.xls", target)
    expect("48-encrypted", "encrypted", "xls")


# =========================================================================== check


def check_expected(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) - {"stretch"} == {"status", "detected_type", "unit_line", "sheet", "rows"}
    assert data["status"] in STATUSES, path
    previous = 0
    for r in data["rows"]:
        assert r["row"] > previous, (path, r["row"])
        previous = r["row"]
        assert r["platform"] in PLATFORMS
        assert r["errors"] == sorted(r["errors"], key=ERRORS.index)
        assert r["warnings"] == sorted(r["warnings"], key=WARNINGS.index)
        for key, value in r.items():
            if isinstance(value, str):
                assert value == unicodedata.normalize("NFC", value), (path, key)


def open_with_tool(path: Path) -> str:
    """Open `path` with the library that should read it; returns a short description."""
    from python_calamine import CalamineWorkbook

    suffix = path.suffix
    if suffix in (".xlsx", ".xls", ".ods"):
        wb = CalamineWorkbook.from_path(str(path))
        sizes = [len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names]
        if suffix == ".xlsx":
            openpyxl.load_workbook(path, read_only=True).close()
        return f"calamine sheets={wb.sheet_names} rows={sizes}"
    if suffix == ".docx":
        document = docx.Document(str(path))
        return f"python-docx tables={len(document.tables)}"
    if suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8", "cp1258"):
            try:
                return f"{encoding} lines={len(raw.decode(encoding).splitlines())}"
            except UnicodeDecodeError:
                continue
    if suffix == ".pdf":
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        return f"pdftotext {out.stdout.decode()[:40]!r}"
    if suffix == ".jpg":
        out = subprocess.run(["djpeg", str(path)], capture_output=True, check=True)
        return f"djpeg {len(out.stdout)} bytes"
    if suffix == ".png":
        return "png" if path.read_bytes().startswith(b"\x89PNG") else "not png"
    return f"{suffix} {path.stat().st_size} bytes"


BROKEN = {"32", "33", "34", "35", "36", "37", "38", "47", "48"}


def check_zip_directory(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        return f"entries={len(infos)} declared={sum(i.file_size for i in infos) / 2**30:.2f} GiB"


def check_broken(path: Path) -> str:
    number = path.name[:2]
    if number in ("32", "33", "34"):
        return check_zip_directory(path)
    if number in ("35", "48"):
        with path.open("rb") as f:
            office = msoffcrypto.OfficeFile(f)
            return f"msoffcrypto format={office.format} encrypted={office.is_encrypted()}"
    if number == "47":
        with zipfile.ZipFile(path) as z:
            return f"ods encrypted={b'encryption-data' in z.read('META-INF/manifest.xml')}"
    if number in ("36", "37"):
        text = path.read_text(encoding="utf-8")
        return f"html tables={text.count('<table')}"
    try:
        zipfile.ZipFile(path).close()
    except zipfile.BadZipFile as exc:
        return f"zip fails as intended: {exc}"
    raise AssertionError(f"{path} opened")


def check_corpus() -> None:
    for expected in sorted(HERE.glob("*.expected.json")):
        check_expected(expected)
    for path in sorted(HERE.iterdir()):
        if path.name[:2].isdigit() and not path.name.endswith(".expected.json"):
            stem = path.name.split(".")[0]
            assert (HERE / f"{stem}.expected.json").exists(), path
            probe = check_broken if path.name[:2] in BROKEN else open_with_tool
            size = path.stat().st_size
            print(f"{path.name:36} {size:>8} B  {probe(path)}")


# =========================================================================== main

ARGS = argparse.Namespace(refresh_random=False)


def main() -> None:
    global WORK, ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", type=int, help="case numbers (default: all)")
    parser.add_argument("--check", action="store_true", help="only open every file and report")
    parser.add_argument(
        "--refresh-random",
        action="store_true",
        help="also remake the LibreOffice-encrypted files (random salt)",
    )
    ARGS = parser.parse_args()
    if ARGS.check:
        check_corpus()
        return
    with tempfile.TemporaryDirectory(prefix="forms-corpus-") as tmp:
        WORK = Path(tmp)
        for number in ARGS.cases or sorted(CASES):
            print(f"case {number:02d}: {CASES[number].__name__}", file=sys.stderr)
            CASES[number]()


if __name__ == "__main__":
    main()
