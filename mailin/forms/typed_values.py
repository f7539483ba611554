"""A cell of a dispatch's own form as the value its field's type holds, or the finding why not.

Units type dates, numbers and yes/no answers in many ways; each parser below accepts the
ways seen in real returns and refuses anything it would have to guess at (a 2-digit year,
"khoảng 100"), because a wrong number in a consolidated report is worse than a flagged one.
"""

from __future__ import annotations

import datetime as dt
import re

from mailin.forms.spec import FieldType, FormField
from mailin.forms.values import clean_phone, is_valid_email, split_emails
from mailin.text import fold
from mailin.urls import normalize_url

# Excel counts days from 1899-12-30 (its 1900 leap-year bug included); 80000 is year 2119.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIAL = re.compile(r"^\d{1,5}(?:\.0+)?$")
_MAX_SERIAL = 80_000
# The first serial taken as a date: 01/01/1920. A smaller number in a date column is what
# a unit typed for something else ("12" for the 12th, "1998" for a year), not a day of
# 1900 to 1919 to be stored without a word.
_MIN_SERIAL = (dt.date(1920, 1, 1) - dt.date(1899, 12, 30)).days
# Day first: Vietnamese order, never the American month first. A time after the date is
# what a datetime cell with a time of day turns into (values.clean_cell).
_DAY_FIRST = re.compile(
    r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d+)(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_YEAR_FIRST = re.compile(r"^(\d{4})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{1,2})$")
_IN_WORDS = re.compile(r"^ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam|,)?\s*(\d+)$")
_YEARS = range(1900, 2101)

_PLAIN_INTEGER = re.compile(r"^\d+$")
# "1.250", "1,250", "1 250": thousands, the way Vietnamese and English both group them.
_GROUPED_INTEGER = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$")
_WHOLE_WITH_ZEROS = re.compile(r"^(\d+)[.,]0{1,2}$")  # "12.0" from a number cell
_DECIMAL = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_VN_GROUPED_DECIMAL = re.compile(r"^\d{1,3}(?:\.\d{3})+,\d+$")  # 1.250,5
_EN_GROUPED_DECIMAL = re.compile(r"^\d{1,3}(?:,\d{3})+\.\d+$")  # 1,250.5

YES = frozenset({"co", "x", "yes", "y", "da", "1", "true", "roi"})
NO = frozenset({"khong", "ko", "k", "no", "n", "0", "false", "chua", "kh"})
_PHONE_NOISE = re.compile(r"[\s.\-()]+")

Checked = tuple[object, str]  # the typed value (None when invalid), the finding code or ''


def parse_date(text: str) -> str | None:
    """The date as 'YYYY-MM-DD', or None when it is not a whole, real date."""
    text = text.strip()
    if _EXCEL_SERIAL.match(text):
        days = int(float(text))
        if _MIN_SERIAL <= days <= _MAX_SERIAL:
            return (_EXCEL_EPOCH + dt.timedelta(days=days)).isoformat()
        return None
    found = _DAY_FIRST.match(text)
    if found:
        return _iso(found.group(4), found.group(3), found.group(1))
    found = _YEAR_FIRST.match(text)
    if found:
        return _iso(found.group(1), found.group(3), found.group(4))
    found = _IN_WORDS.match(fold(text).replace(",", " ").strip())
    if found:
        return _iso(found.group(3), found.group(2), found.group(1))
    return None


def _iso(year: str, month: str, day: str) -> str | None:
    # A 2-digit year is refused: "05/3/98" could be 1998 or 2098 only by a guess.
    if len(year) != 4 or int(year) not in _YEARS:
        return None
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:  # 30/02/2020, 12/13/2020
        return None


def parse_integer(text: str) -> int | None:
    """A whole number as written in a return ('1.250' is 1250, '12.0' is 12), or None."""
    text = text.strip()
    if _PLAIN_INTEGER.match(text):
        return int(text)
    if _GROUPED_INTEGER.match(text):
        return int(re.sub(r"[.,\s]", "", text))
    found = _WHOLE_WITH_ZEROS.match(text)
    return int(found.group(1)) if found else None


def parse_decimal(text: str) -> float | None:
    """'12,5', '12.5', '12,5%' or '1.250,5' as a float, or None."""
    text = text.strip().removesuffix("%").strip()
    if _DECIMAL.match(text):
        return float(text.replace(",", "."))
    if _VN_GROUPED_DECIMAL.match(text):
        return float(text.replace(".", "").replace(",", "."))
    if _EN_GROUPED_DECIMAL.match(text):
        return float(text.replace(",", ""))
    return None


def parse_yesno(text: str) -> bool | None:
    """True for 'Có', 'x', 'Đã'..., False for 'Không', 'ko', 'Chưa'..., else None."""
    words = fold(text).strip(" .!")
    if words in YES:
        return True
    if words in NO:
        return False
    return None


def match_choice(text: str, choices: tuple[str, ...]) -> str | None:
    """The choice as the form writes it, when the cell is that choice folded ('nu' -> 'Nữ')."""
    folded = fold(text).strip(" .")
    return next((choice for choice in choices if fold(choice) == folded), None)


def parse_phone(text: str) -> str | None:
    """The phone's digits, +84 as 0 and a leading 0 a number cell lost put back; None unless
    9 to 11 digits remain."""
    digits = _PHONE_NOISE.sub("", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:  # +84 with its plus lost
        digits = "0" + digits[2:]
    digits = clean_phone(digits)
    if digits.isdigit() and 9 <= len(digits) <= 11:
        return digits
    return None


def parse_emails(text: str) -> str | None:
    """The cell's addresses, '; ' between them, when every one is a valid address."""
    addresses = split_emails(text)
    if addresses and all(is_valid_email(one) for one in addresses):
        return "; ".join(addresses)
    return None


_PARSERS = {
    FieldType.URL: (lambda text: normalize_url(text) or None, "invalid_url"),
    FieldType.PHONE: (parse_phone, "invalid_phone"),
    FieldType.EMAIL: (parse_emails, "invalid_email"),
    FieldType.INTEGER: (parse_integer, "invalid_number"),
    FieldType.DECIMAL: (parse_decimal, "invalid_number"),
    FieldType.DATE: (parse_date, "invalid_date"),
    FieldType.YESNO: (parse_yesno, "invalid_yesno"),
}


def typed_value(spec_field: FormField, text: str) -> Checked:
    """(value, '') for a good or empty cell (an empty one is None), (None, code) for a bad one.
    `required` is the caller's: it knows whether the column is there at all."""
    if not text:
        return None, ""
    if spec_field.type == FieldType.CHOICE:
        value = match_choice(text, spec_field.choices)
        return value, "" if value is not None else "not_in_list"
    if spec_field.type in _PARSERS:
        parser, code = _PARSERS[spec_field.type]
        value = parser(text)
        return value, "" if value is not None else code
    return text, ""
