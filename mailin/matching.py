"""Which dispatch a return answers, from its subject (units write the number many ways)."""

from __future__ import annotations

import re

from mailin.text import fold

_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b")
_NUMBER = re.compile(r"(?<![\d/.-])(\d{1,5})(?!\d)")
_LEADING_NUMBER = re.compile(r"^\s*(?:số\s*:?\s*)?(\d+)", re.IGNORECASE)


def dispatch_key(number: str) -> str:
    """The digits a unit would type for a dispatch number: '422-CV/TĐTN-TG' -> '422'."""
    found = _LEADING_NUMBER.match(number or "")
    return (found.group(1).lstrip("0") or "0") if found else ""


def numbers_in_subject(subject: str) -> set[str]:
    """Stand-alone numbers of a subject, dates left out ('Báo cáo CV 422 ngày 27/6' -> {'422'})."""
    without_dates = _DATE.sub(" ", subject or "")
    return {n.lstrip("0") or "0" for n in _NUMBER.findall(without_dates)}


def dispatch_by_subject(subject: str, numbers: dict[int, str]) -> int | None:
    """The one dispatch (id -> number) the subject names, or None when none or several do.

    The full number ('422-CV/TĐTN-TG', compared folded) wins over bare digits ('CV 422').
    """
    folded = fold(subject)
    full = [key for key, number in numbers.items() if number and fold(number) in folded]
    if len(full) == 1:
        return full[0]
    present = numbers_in_subject(subject)
    by_digits = [key for key, number in numbers.items() if dispatch_key(number) in present]
    return by_digits[0] if len(by_digits) == 1 else None
