"""Sender addresses parsed strictly: an ambiguous From is not trusted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses

from mailin.headers import one_line

# Deliberately narrow: what a unit's real mailbox looks like, nothing exotic.
_ADDR_SPEC = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"  # local part: no quotes, no spaces, no second @
    r"@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z0-9-]{2,}$"
)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")


@dataclass(frozen=True)
class Sender:
    address: str  # lower-cased; '' when the header cannot be trusted
    name: str
    problem: str = ""  # why address is '' (for staff)


def parse_sender(values: list[str]) -> Sender:
    """The one sender of a From header, or an untrusted Sender saying why.

    Refused: no From, two From headers, several addresses, an address hidden in a
    comment or in the local part, or anything that is not a plain addr-spec. Python
    before 3.13 (CVE-2023-27043) parses some of these into a different address, so the
    raw value is checked here whatever the interpreter.
    """
    if not values:
        return Sender("", "", "no From header")
    if len(values) > 1:
        return Sender("", "", "several From headers")
    raw = one_line(values[0])
    outside_quotes = _COMMENT.sub("", _QUOTED.sub('""', raw))
    if outside_quotes.count("@") != 1:
        return Sender("", _display_name(raw), "From names no address, or more than one")
    parsed = getaddresses([raw])
    if len(parsed) != 1:
        return Sender("", _display_name(raw), "From names several addresses")
    name, address = parsed[0]
    if not _ADDR_SPEC.match(address or ""):
        return Sender("", name, "From is not a plain address")
    return Sender(address.lower(), name)


def _display_name(raw: str) -> str:
    return raw.split("<", 1)[0].strip().strip('"')[:255]


def plain_address(text: str) -> str:
    """One address found in text (a Return-Path, a forwarded 'From:' line), or ''."""
    parsed = getaddresses([one_line(text)])
    if len(parsed) == 1 and _ADDR_SPEC.match(parsed[0][1] or ""):
        return parsed[0][1].lower()
    return ""
