"""Email addresses typed by people: split, check offline, normalise."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from portal.errors import InvalidInput

_SEPARATORS = re.compile(r"[;,\s]+")


def normalize_address(text: str) -> str:
    """The address lower-cased and checked (syntax only, no DNS), or InvalidInput."""
    candidate = (text or "").strip().strip("<>").replace("\u00a0", "")
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        # email-validator explains in English only: the address is what staff need.
        raise InvalidInput(
            _("“%(address)s” is not a valid email address.", address=candidate)
        ) from exc
    return checked.normalized.lower()


def split_addresses(text: str) -> list[str]:
    """Every address in text (separated by ';', ',', spaces or lines), checked, no repeats."""
    found: list[str] = []
    for piece in _SEPARATORS.split(text or ""):
        if piece:
            address = normalize_address(piece)
            if address not in found:
                found.append(address)
    return found
