"""The return's columns, in one table: what each is called, how units write its header,
what it holds, how wide it is shown (docs/form.md, "Columns").

Everything that knows the form's columns reads this table: the header matcher
(header.py), the blank form (template.py), the portal's stored rows (reading.py), the
consolidated workbook and JSON export, and the admin's list of a page's fields. Adding a
column means adding a line here (and, if the portal stores it, a column of `site`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ValueKind(enum.StrEnum):
    """What a column holds: how its cells are cleaned, checked and exported."""

    TEXT = "text"
    NUMBER = "number"  # the row number (STT)
    PLATFORM = "platform"  # a Platform, from the unit's words and the URL
    URL = "url"  # a web address or a domain, normalised
    PHONE = "phone"  # a phone number, its leading 0 put back
    EMAIL = "email"  # one or more addresses, '; ' between them


@dataclass(frozen=True)
class Column:
    key: str  # the stored field's name
    header: str  # the blank form's and the workbook's header
    # Folded phrases a header cell naming this column starts with (header.py: the longest
    # match wins, so "ten mien" (a domain) beats "ten" (a name)).
    phrases: tuple[str, ...]
    kind: ValueKind = ValueKind.TEXT
    width: int = 20  # characters, in the blank form and the consolidated workbook
    required: bool = False  # an empty cell is an error (missing_name, missing_url)
    # Written as a number in the consolidated workbook when the unit typed one (a count
    # noted in "Ghi chú"); every other cell stays text.
    numbers_allowed: bool = False


SEQ = Column("seq", "STT", ("stt", "tt", "so tt", "so thu tu", "no"), ValueKind.NUMBER, width=6)

# In the form's order (docs/form.md): the blank form, the workbook and the JSON follow it.
COLUMNS: tuple[Column, ...] = (
    SEQ,
    Column(
        "name",
        "Tên trang",
        (
            "ten trang",
            "ten trang thong tin dien tu",
            "ten kenh",
            "ten fanpage",
            "ten trang mang xa hoi",
            "ten nhom",
            "ten",
            "ten website",
            "ten page",
        ),
        width=34,
        required=True,
    ),
    Column(
        "platform",
        "Loại hình",
        ("loai hinh", "loai", "nen tang", "hinh thuc", "loai trang", "mang xa hoi"),
        ValueKind.PLATFORM,
        width=24,
    ),
    Column(
        "url",
        "Địa chỉ trang (URL/tên miền)",
        (
            "dia chi trang",
            "duong dan",
            "link",
            "lien ket",
            "url",
            "ten mien",
            "dia chi truy cap",
            "website",
            "dia chi website",
            "dia chi url",
            "dia chi trang web",
        ),
        ValueKind.URL,
        width=40,
        required=True,
    ),
    Column(
        "agency",
        "Cơ quan chủ quản",
        ("co quan chu quan", "don vi chu quan", "co quan quan ly", "don vi quan ly"),
        width=28,
    ),
    Column("contact", "Địa chỉ liên hệ", ("dia chi lien he", "dia chi tru so"), width=30),
    Column(
        "admin_name",
        "Người quản trị",
        ("nguoi quan tri", "quan tri vien", "admin", "nguoi phu trach", "nguoi quan ly"),
        width=22,
    ),
    Column(
        "phone",
        "Số điện thoại",
        ("so dien thoai", "dien thoai", "sdt", "dt", "di dong", "so dt"),
        ValueKind.PHONE,
        width=16,
    ),
    Column(
        "email",
        "Email",
        ("email", "e mail", "thu dien tu", "hop thu", "dia chi email", "dia chi thu"),
        ValueKind.EMAIL,
        width=28,
    ),
    Column("note", "Ghi chú", ("ghi chu",), width=24, numbers_allowed=True),
)

# The columns a row keeps (all but the row number), in the form's order.
ROW_COLUMNS: tuple[Column, ...] = tuple(column for column in COLUMNS if column is not SEQ)
ROW_FIELDS: tuple[str, ...] = tuple(column.key for column in ROW_COLUMNS)
BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}
