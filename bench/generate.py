"""Realistic returns: units with registered addresses, 20-row xlsx forms in varied layouts
(as tests/data/forms/make_corpus.py shows units write them), and the emails carrying them,
plus machine mail (out-of-office, lists, no-reply senders, bounces).

Deterministic: message i is the same bytes in every run (seeded, fixed dates and ids).
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass

import xlsxwriter

from mailin.forms.columns import COLUMNS
from mailin.forms.template import INSTRUCTIONS
from mailin.text import fold
from tests.support.mails import XLSX, make_mail

DISPATCH_NUMBER = "422-CV/TĐTN-TG"
DISPATCH_SUBJECT = "V/v tiếp cận thông tin trên trang thông tin điện tử và mạng xã hội"
DISPATCH_MESSAGE_ID = "<cv422@tinhdoan.ninhthuan.example>"
MAILBOX = "tuyengiao@ninhthuan.example"
ROWS_PER_RETURN = 20
MACHINE_EVERY = 21  # one message in 21: machine mail, 5 % on top of the returns
RESEND_EVERY = 10  # one return in 10 is a unit's second version (a correction)

KINDS = ["Huyện Đoàn", "Đoàn xã", "Đoàn phường", "Chi đoàn", "Đoàn trường THPT", "Đoàn cơ sở"]
PLACES = [
    "Ninh Hải", "Ninh Sơn", "Ninh Phước", "Thuận Bắc", "Thuận Nam", "Bác Ái", "Phước Dân",
    "Khánh Hải", "Vĩnh Hải", "Xuân Hải", "Nhơn Hải", "Tri Hải", "Thanh Hải", "Quảng Sơn",
    "Lâm Sơn", "Ma Nới", "Phước Bình", "Phước Tân", "Công Hải", "Lợi Hải", "Phước Chiến",
    "Kinh Dinh", "Đông Hải", "Văn Hải", "Mỹ Hương", "Phước Mỹ", "Đạo Long", "Tấn Tài",
    "Bảo An", "Đô Vinh", "Phước Nam", "Cà Ná", "Nhị Hà", "Phước Hữu", "An Hải", "Phước Hậu",
]  # fmt: skip
PEOPLE = [
    "Nguyễn Văn Hùng", "Trần Thị Thu Hà", "Lê Minh Tuấn", "Phạm Thị Lan", "Võ Văn Nam",
    "Đặng Quốc Bảo", "Nguyễn Thị Kim Oanh", "Trương Văn Lực", "Lâm Thị Ngọc", "Bùi Văn Toàn",
    "Hoàng Thị Mỹ", "Cao Văn Sáu", "Pi Năng Thị Hoa", "Katơr Thị Ngân", "Mấu Văn Hải",
]  # fmt: skip
PLATFORM_WORDS = [
    ("Fanpage", "https://www.facebook.com/{slug}"),
    ("Fanpage Facebook", "facebook.com/{slug}"),
    ("Nhóm", "https://www.facebook.com/groups/{slug}"),
    ("Trang thông tin điện tử", "http://{slug}.ninhthuan.gov.vn"),
    ("Website", "https://{slug}.org.vn/"),
    ("Zalo", "https://zalo.me/{digits}"),
    ("TikTok", "https://www.tiktok.com/@{slug}"),
    ("YouTube", "https://www.youtube.com/@{slug}"),
    ("Trang cá nhân", "https://www.facebook.com/profile.php?id={digits}"),
    ("Website", "https://{slug}.com"),  # a non-.vn domain: a warning
]
CANON = [column.header for column in COLUMNS]


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    email: str


def slug(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def units(count: int) -> list[UnitSpec]:
    """`count` units with distinct names, codes and registered addresses."""
    found = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        place = PLACES[(i // len(KINDS)) % len(PLACES)]
        round_ = i // (len(KINDS) * len(PLACES))
        name = f"{kind} {place}" + (f" {round_ + 1}" if round_ else "")
        found.append(UnitSpec(f"BU{i:05d}", name, f"{slug(kind)}.{slug(place)}{i}@doan.example"))
    return found


def unit_for_return(index: int) -> int:
    """Which unit sends return `index`: its own, or (one in RESEND_EVERY) an earlier unit's
    corrected second version. Stable whatever the size of the run."""
    if index % RESEND_EVERY == RESEND_EVERY - 1:
        return index - RESEND_EVERY // 2
    return index


def site_rows(unit: UnitSpec, index: int, rnd: random.Random) -> list[list[object]]:
    """ROWS_PER_RETURN rows of the unit's pages, with the usual mistakes now and then."""
    rows = []
    for n in range(1, ROWS_PER_RETURN + 1):
        place = PLACES[rnd.randrange(len(PLACES))]
        kind = KINDS[rnd.randrange(len(KINDS))]
        word, pattern = PLATFORM_WORDS[rnd.randrange(len(PLATFORM_WORDS))]
        page_slug = f"{slug(kind)}{slug(place)}{index}x{n}"
        url = pattern.format(slug=page_slug, digits=f"{10**14 + index * 100 + n}")
        name = f"{kind} {place}" if n % 3 else f"Tuổi trẻ {place} {n}"
        email = f"{page_slug[:20]}@gmail.com" if rnd.random() < 0.6 else None
        if rnd.random() < 0.03:
            url = None  # missing URL: an error
        if rnd.random() < 0.02:
            email = "khong co email"  # a bad email: an error
        phone = f"09{rnd.randrange(10**8):08d}" if rnd.random() < 0.8 else None
        address = f"Thôn {rnd.randrange(1, 9)}, xã {place}, tỉnh Ninh Thuận"
        note = "Đang hoạt động" if rnd.random() < 0.2 else None
        rows.append(
            [n, name, word, url, unit.name, address, PEOPLE[n % len(PEOPLE)], phone, email, note]
        )
    return rows


# Layouts: (title rows above, header wording, column order, extra sheets...). Each writes
# the same rows the way a unit would.
NO_DIACRITICS = [
    "STT", "Ten trang", "Loai hinh", "Dia chi trang (URL/ten mien)", "Co quan chu quan",
    "Dia chi lien he", "Nguoi quan tri", "So dien thoai", "Email", "Ghi chu",
]  # fmt: skip
NUMBERED = [
    "STT", "(1) Tên trang*", "(2) Loại hình", "(3) Địa chỉ trang (URL/tên miền)*",
    "(4) Cơ quan chủ quản", "(5) Địa chỉ liên hệ", "(6) Người quản trị", "(7) Số điện thoại",
    "(8) Email", "(9) Ghi chú",
]  # fmt: skip
UPPER = [
    "STT", "TÊN\nTRANG", "LOẠI\nHÌNH", "ĐỊA CHỈ TRANG\n(URL/TÊN MIỀN)", "CƠ QUAN\nCHỦ QUẢN",
    "ĐỊA CHỈ\nLIÊN HỆ", "NGƯỜI\nQUẢN TRỊ", "SỐ ĐIỆN\nTHOẠI", "EMAIL", "GHI CHÚ",
]  # fmt: skip
OTHER_WORDS = [
    "TT", "Tên kênh", "Nền tảng", "Đường dẫn", "Đơn vị chủ quản", "Địa chỉ trụ sở",
    "Quản trị viên", "SĐT", "Thư điện tử", "Ghi chú",
]  # fmt: skip
REORDER = [3, 1, 2, 6, 7, 0, 4, 5, 8, 9]  # URL first, STT in the middle
LAYOUTS = [
    "template",
    "plain",
    "two_row_header",
    "reordered",
    "no_diacritics",
    "upper_numbered",
    "instructions_first",
    "signature",
    "other_words",
]


def _layout(layout: str, unit: UnitSpec, index: int) -> tuple[list, list, list[int]]:
    """(lines above the header, header cells, column order) of a layout."""
    header, order, top = CANON, list(range(10)), []
    if layout == "template":
        top = [
            ["ĐOÀN TNCS HỒ CHÍ MINH"],
            [f"Đơn vị: {unit.name}"],
            [],
            ["DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ VÀ MẠNG XÃ HỘI"],
            [f"(Kèm theo Công văn số {DISPATCH_NUMBER} — {DISPATCH_SUBJECT})"],
            [],
        ]
    elif layout == "two_row_header":
        top = [
            [unit.name.upper()],
            ["DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ VÀ TRANG MẠNG XÃ HỘI"],
            [f"Đơn vị: {unit.name}"],
            [],
            ["STT", "Thông tin trang", None, None, "Thông tin cơ quan", None, "Người quản trị"],
        ]
        header = [None, "Tên trang", "Loại hình", "Địa chỉ trang (URL/tên miền)"]
        header += ["Cơ quan chủ quản", "Địa chỉ liên hệ", "Họ và tên", "Số điện thoại"]
        header += ["Email", "Ghi chú"]
    elif layout == "reordered":
        top = [[f"Đơn vị: {unit.name}"]]
        order = REORDER
    elif layout == "no_diacritics":
        top, header = [[f"Don vi: {fold(unit.name).title()}"], []], NO_DIACRITICS
    elif layout == "upper_numbered":
        top = [[f"Đơn vị: {unit.name}"], []]
        header = UPPER if index % 2 else NUMBERED
    elif layout == "instructions_first":
        top = [["DANH SÁCH TRANG THÔNG TIN ĐIỆN TỬ, TRANG MẠNG XÃ HỘI"], [f"Đơn vị: {unit.name}"]]
    elif layout == "signature":
        top = [[unit.name.upper()], ["Đơn vị:", unit.name]]
    elif layout == "other_words":
        top = [[f"Đơn vị: {unit.name}"], ["Ngày 25 tháng 6 năm 2018"]]
        header = OTHER_WORDS
    return top, header, order


def form_xlsx(unit: UnitSpec, index: int, rows: list[list[object]]) -> bytes:
    """The return of `unit` as an xlsx, in layout number index % len(LAYOUTS)."""
    layout = LAYOUTS[index % len(LAYOUTS)]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    book.set_properties({"author": unit.name})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    bold = book.add_format({"bold": True})
    if layout == "instructions_first":
        guide = book.add_worksheet("Hướng dẫn")
        for r, line in enumerate(INSTRUCTIONS):
            guide.write_string(r, 0, line)
    sheet = book.add_worksheet("Danh sách trang" if index % 2 else "Sheet1")
    top, header, order = _layout(layout, unit, index)
    r = 0
    for line in top:
        for c, value in enumerate(line):
            if value is not None:
                sheet.write(r, c, value, bold)
        r += 1
    extra = layout == "reordered"  # a column the form does not have
    for c, column in enumerate(order):
        if header[column] is not None:
            sheet.write_string(r, c, header[column], wrap)
        sheet.set_column(c, c, COLUMNS[column].width)
    if extra:
        sheet.write_string(r, len(order), "Lượt theo dõi", wrap)
    gaps = (5, 11) if layout == "signature" else ()
    r = _write_rows(sheet, r + 1, rows, order, wrap, gaps, extra)
    if layout == "signature":
        sheet.write_string(r + 1, 0, f"Ghi chú: Danh sách gồm {len(rows):02d} trang.")
        sheet.write_string(r + 3, 6, "TM. BAN THƯỜNG VỤ", bold)
        sheet.write_string(r + 4, 6, "BÍ THƯ", bold)
        sheet.write_string(r + 7, 6, PEOPLE[index % len(PEOPLE)], bold)
    book.close()
    return buffer.getvalue()


def _write_rows(sheet, r: int, rows, order, style, gaps, extra: bool) -> int:
    """The data rows from row r (a blank row before each index in gaps); the next row."""
    for n, values in enumerate(rows):
        if n in gaps:
            r += 1
        for c, column in enumerate(order):
            if values[column] is not None:
                sheet.write(r, c, values[column], style)
        if extra:
            sheet.write_number(r, len(order), 100 + n * 7)
        r += 1
    return r


SUBJECTS = [
    "Báo cáo theo CV số 422",
    "V/v báo cáo trang thông tin điện tử, mạng xã hội - {number}",
    "Re: {number} {subject}",
    "BC CV 422 - {unit}",
    "Fw: Báo cáo 422-CV/TĐTN-TG ({unit})",
]
FILENAMES = [
    "Báo cáo trang mạng xã hội.xlsx",
    "BC 422 {code}.xlsx",
    "Danh sach trang - {code}.xlsx",
    "Mẫu báo cáo 422-CV-TĐTN-TG - {code}.xlsx",
]


def return_mail(unit: UnitSpec, index: int) -> bytes:
    """Return `index` as `unit` emails it (some threaded to the dispatch email)."""
    rnd = random.Random(index)
    attachment = form_xlsx(unit, index, site_rows(unit, index, rnd))
    subject = SUBJECTS[index % len(SUBJECTS)].format(
        number=DISPATCH_NUMBER, subject=DISPATCH_SUBJECT, unit=unit.name
    )
    headers = {}
    if subject.startswith("Re:"):
        headers = {"In-Reply-To": DISPATCH_MESSAGE_ID, "References": DISPATCH_MESSAGE_ID}
    filename = FILENAMES[index % len(FILENAMES)].format(code=unit.code)
    return make_mail(
        sender=f"{unit.name} <{unit.email}>",
        subject=subject,
        body=(
            "Kính gửi Ban Tuyên giáo Tỉnh Đoàn,\n\n"
            f"{unit.name} gửi báo cáo danh sách trang thông tin điện tử và mạng xã hội "
            f"theo Công văn số {DISPATCH_NUMBER} (tệp đính kèm).\n\nTrân trọng."
        ),
        to=MAILBOX,
        message_id=f"<return.{index}@doan.example>",
        headers=headers,
        attachments=[(filename, attachment, XLSX)],
    )


def machine_mail(index: int, unit: UnitSpec) -> bytes:
    """Mail no person wrote: an out-of-office, a list, a no-reply sender, a bounce."""
    kind = index % 4
    message_id = f"<machine.{index}@mx.doan.example>"
    if kind == 0:
        return make_mail(
            sender=f"{unit.name} <{unit.email}>",
            subject="Trả lời tự động: Báo cáo theo CV số 422",
            headers={"Auto-Submitted": "auto-replied"},
            body="Tôi đang nghỉ phép đến hết ngày 30/6.",
            message_id=message_id,
        )
    if kind == 1:
        return make_mail(
            sender="Bản tin Đoàn <tin-tuc@doan.example>",
            subject="Bản tin tuần",
            headers={"List-Id": "<tin-tuc.doan.example>", "Precedence": "list"},
            message_id=message_id,
        )
    if kind == 2:
        return make_mail(
            sender="no-reply@facebookmail.example",
            subject="Trang của bạn có thông báo mới",
            message_id=message_id,
        )
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.doan.example>\r\n"
        b"To: " + MAILBOX.encode() + b"\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: " + message_id.encode() + b"\r\n"
        b"Date: Mon, 25 Jun 2018 09:30:00 +0000\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        b"\r\nFinal-Recipient: rfc822; x@doan.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: <ack.unknown@portal.ninhthuan.example>\r\nSubject: Re: Bao cao\r\n--r--\r\n"
    )


def total_messages(returns: int) -> int:
    """How many messages a run of `returns` returns holds: the returns plus 5 % machine mail."""
    return returns + returns // (MACHINE_EVERY - 1)


def message_at(position: int, pool: list[UnitSpec]) -> bytes:
    """The message at `position` of every run's mailbox: machine mail at every
    MACHINE_EVERY-th place, returns in between (so a smaller run is a prefix of a larger)."""
    if position % MACHINE_EVERY == MACHINE_EVERY - 1:
        return machine_mail(position, pool[(position // MACHINE_EVERY) % len(pool)])
    index = position - position // MACHINE_EVERY
    return return_mail(pool[unit_for_return(index)], index)


def mailbox(returns: int, pool: list[UnitSpec]) -> Iterator[bytes]:
    """The messages of a run of `returns` returns, in arrival order."""
    for position in range(total_messages(returns)):
        yield message_at(position, pool)


def _chunk(bounds: tuple[int, int, int]) -> list[bytes]:
    start, end, unit_count = bounds
    pool = units(unit_count)
    return [message_at(p, pool) for p in range(start, end)]


def messages_in_parallel(returns: int, workers: int = 2) -> list[bytes]:
    """mailbox(returns, units(returns)) as a list, made by `workers` processes."""
    from concurrent.futures import ProcessPoolExecutor

    total = total_messages(returns)
    step = 200
    bounds = [(s, min(s + step, total), returns) for s in range(0, total, step)]
    if workers <= 1 or total <= step:
        return [m for b in bounds for m in _chunk(b)]
    with ProcessPoolExecutor(workers) as executor:
        return [m for chunk in executor.map(_chunk, bounds) for m in chunk]
