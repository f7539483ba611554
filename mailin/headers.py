"""Header values read defensively: decoded, NFC, CR/LF-free, never raising."""

from __future__ import annotations

import email.header
import re
import unicodedata
from email.message import Message

from mailin.text import nfc

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def decode_raw_bytes(data: bytes) -> str:
    """Bytes of unknown charset as text: UTF-8, else Vietnamese Windows, else Latin-1."""
    for charset in ("utf-8", "cp1258"):
        try:
            return nfc(data.decode(charset))
        except UnicodeDecodeError:
            continue
    return nfc(data.decode("latin-1"))


def _unescape_surrogates(value: str) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogates; turn them back into text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_raw_bytes(value.encode("utf-8", "surrogateescape"))


def one_line(value: str) -> str:
    """value on one line: CR, LF and other control characters become spaces."""
    return " ".join(_CONTROL.sub(" ", value.replace("\r", " ").replace("\n", " ")).split())


def decode_header_value(value: object) -> str:
    """A header value as readable text (RFC 2047 decoded); the raw value if decoding fails."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    raw = _unescape_surrogates(str(value))
    try:
        pieces = email.header.decode_header(raw)
    except (LookupError, ValueError, AssertionError):
        return one_line(nfc(raw))
    try:
        # make_header puts back the space that folding between words takes away.
        text = str(email.header.make_header(pieces))
    except (LookupError, UnicodeDecodeError, ValueError):
        text = " ".join(_decode_piece(piece, charset) for piece, charset in pieces)
    return one_line(unicodedata.normalize("NFC", text))


def raw_values(message: Message, name: str) -> list[str]:
    """Every value of a header as received (raw 8-bit bytes kept as surrogates).

    compat32's get() wraps 8-bit values in a Header whose str() has lost the bytes.
    """
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def _decode_piece(piece: bytes | str, charset: str | None) -> str:
    """One encoded word's text; an unknown or wrong charset falls back to guessing."""
    if isinstance(piece, str):
        return piece
    try:
        return piece.decode(charset or "ascii")
    except (LookupError, UnicodeDecodeError):
        return decode_raw_bytes(piece)


def header(message: Message, name: str) -> str:
    """The first value of a header, decoded and on one line ('' when absent)."""
    values = raw_values(message, name)
    if not values:
        return ""
    try:
        return decode_header_value(values[0])
    except Exception:  # a header that breaks the decoder must not lose the message
        return one_line(values[0].encode("utf-8", "replace").decode("utf-8"))


def message_ids(value: str) -> list[str]:
    """Every <id@host> in a Message-ID, In-Reply-To or References value, in order."""
    return _MESSAGE_ID.findall(one_line(value))
