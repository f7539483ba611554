"""A dispatch's own form: its ordered fields, each with a key, its header, the other headers
units write for it, a type, and whether it is required or unique within a return.

The sites-and-pages form (columns.py) is the built-in preset; any other dispatch's form is
learned from the blank template staff attach (learn.py) and confirmed by them. A spec is
plain data: stored as JSON with its dispatch, read back with `FormSpec.from_dict`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass, field

from mailin.text import fold


class FieldType(enum.StrEnum):
    """What a field holds: how its cells are cleaned, checked and exported."""

    TEXT = "text"
    URL = "url"  # a web address or a domain, its platform recognised
    PHONE = "phone"
    EMAIL = "email"
    INTEGER = "integer"  # a whole number; "1.250" is one thousand two hundred and fifty
    DECIMAL = "decimal"  # "12,5" or "12.5"
    DATE = "date"  # "05/3/1998", "5-3-1998", an Excel date
    CHOICE = "choice"  # one of `choices`
    YESNO = "yesno"  # "Có", "x", "Không", "yes", ...


@dataclass(frozen=True)
class FormField:
    key: str  # stable: rows are stored and exported by it (a header may be renamed)
    header: str  # the blank form's and the workbook's header, in Vietnamese
    type: FieldType = FieldType.TEXT
    alternatives: tuple[str, ...] = ()  # other headers units write for it, as written
    required: bool = False  # an empty cell is the finding `required`
    unique: bool = False  # the same value twice in one return: `duplicate_in_return`
    choices: tuple[str, ...] = ()  # for CHOICE: the values allowed, as the form writes them


@dataclass(frozen=True)
class FormSpec:
    title: str
    fields: tuple[FormField, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"title": self.title, "fields": [asdict(one) for one in self.fields]}

    @classmethod
    def from_dict(cls, data: dict) -> FormSpec:
        fields = []
        for one in data.get("fields", []):
            fields.append(
                FormField(
                    key=str(one["key"]),
                    header=str(one["header"]),
                    type=FieldType(one.get("type", FieldType.TEXT)),
                    alternatives=tuple(one.get("alternatives", ())),
                    required=bool(one.get("required", False)),
                    unique=bool(one.get("unique", False)),
                    choices=tuple(one.get("choices", ())),
                )
            )
        return cls(str(data.get("title", "")), tuple(fields))

    def field(self, key: str) -> FormField | None:
        return next((one for one in self.fields if one.key == key), None)


_NOT_KEY = re.compile(r"[^a-z0-9]+")
KEY_LENGTH = 30


def field_key(header: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A stable key from a header: folded words joined by '_' ('Ngày sinh' -> 'ngay_sinh'),
    without footnote marks or a trailing '(*)'; numbered when `taken` holds it already.
    At most KEY_LENGTH characters (a finding names its field by key)."""
    words = _NOT_KEY.sub(" ", fold(header).replace("(*)", " ")).split()
    base = "_".join(words)[:KEY_LENGTH].strip("_") or "cot"
    key, number = base, 2
    while key in taken:
        suffix = f"_{number}"
        key, number = base[: KEY_LENGTH - len(suffix)].strip("_") + suffix, number + 1
    return key
