"""Parse a raw message (bytes) into plain data: headers, sender, bodies, attachments.

Nothing here raises on bad input: what cannot be read is noted in `problems` and the
rest is still returned. MIME nesting and part counts are capped.
"""

from __future__ import annotations

import datetime as dt
import email
import email.parser
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parsedate_to_datetime

import nh3

from mailin.addresses import Sender, parse_sender, plain_address
from mailin.headers import (
    decode_header_value,
    decode_raw_bytes,
    header,
    message_ids,
    raw_values,
)
from mailin.names import safe_filename
from mailin.text import nfc

_FORWARD_MARKER = re.compile(
    r"^[-_ ]*(forwarded message|original message|thư chuyển tiếp|thư được chuyển tiếp|"
    r"tin nhắn đã chuyển tiếp|thư gốc)[-_ ]*$",
    re.IGNORECASE | re.MULTILINE,
)
_FROM_LINE = re.compile(r"^\W*(?:from|từ)\W*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)

MAX_DEPTH = 20
MAX_PARTS = 500
# Tables survive sanitising: the form reader reads a table pasted into the email.
HTML_TAGS = {
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "p",
    "br",
    "div",
    "span",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
}
HTML_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}, "a": {"href"}}


@dataclass(frozen=True)
class Attachment:
    filename: str  # safe to show: basename, NFC, no control characters, capped
    content_type: str
    content: bytes
    sha256: str
    content_id: str = ""  # <id> without brackets, lower-cased: what cid: URLs name
    unsafe_name: bool = False  # the name as sent held a path (../, /etc/..., C:\...)


@dataclass
class ParsedMessage:
    message_id: str = ""
    subject: str = ""
    sender: Sender = field(default_factory=lambda: Sender("", ""))
    sent_at: dt.datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    return_path: str | None = None  # None: no header; '': the null sender <>
    headers: dict[str, str] = field(default_factory=dict)  # lower-case name -> first value
    content_type: str = ""
    text: str = ""
    html: str = ""  # sanitised
    cid_references: set[str] = field(default_factory=set)  # cid: URLs of the raw HTML
    authentication_results: list[str] = field(default_factory=list)  # top-most first
    attachments: list[Attachment] = field(default_factory=list)
    forwarded_senders: list[str] = field(default_factory=list)
    reported_message_ids: list[str] = field(default_factory=list)  # in a delivery report
    problems: list[str] = field(default_factory=list)


def parse_message(raw: bytes) -> ParsedMessage:
    """Everything the intake needs from raw bytes; problems are listed, not raised."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    parsed = ParsedMessage()
    _read_headers(message, parsed)
    _Walker(parsed).walk(message)
    if not parsed.text and parsed.html:
        parsed.text = nh3.clean(parsed.html, tags=set()).strip()
    parsed.forwarded_senders += _forwarded_in_text(parsed.text)
    return parsed


def references_of(raw: bytes) -> list[str]:
    """parse_message(raw).references, reading the header section only (up to the first
    empty line: the body, attachments included, is not even scanned)."""
    ends = [end for end in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if end >= 0]
    head = raw[: min(ends)] if ends else raw
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        head, headersonly=True
    )
    return message_ids(header(message, "References"))


def _forwarded_in_text(text: str) -> list[str]:
    """Original senders of returns forwarded inline (Gmail, Outlook, Zimbra, in VI or EN)."""
    found = []
    for marker in _FORWARD_MARKER.finditer(text):
        line = _FROM_LINE.search(text, marker.end())
        address = plain_address(line.group(1)) if line else ""
        if address and address not in found:
            found.append(address)
    return found


def _read_headers(message: Message, parsed: ParsedMessage) -> None:
    parsed.headers = {name.lower(): header(message, name) for name in message.keys()}
    parsed.authentication_results = [
        decode_header_value(v) for v in raw_values(message, "Authentication-Results")
    ]
    parsed.message_id = next(iter(message_ids(header(message, "Message-ID"))), "")
    parsed.subject = header(message, "Subject")[:998]
    parsed.sender = parse_sender([decode_header_value(v) for v in raw_values(message, "From")])
    parsed.in_reply_to = message_ids(header(message, "In-Reply-To"))
    parsed.references = message_ids(header(message, "References"))
    parsed.content_type = message.get_content_type()
    if "return-path" in parsed.headers:
        parsed.return_path = plain_address(parsed.headers["return-path"])
    try:
        parsed.sent_at = parsedate_to_datetime(header(message, "Date"))
        if parsed.sent_at.tzinfo is None:
            parsed.sent_at = parsed.sent_at.replace(tzinfo=dt.UTC)
    except (TypeError, ValueError, IndexError):
        parsed.sent_at = None
    if message.defects:
        parsed.problems.append(
            "malformed structure: " + ", ".join(sorted({type(d).__name__ for d in message.defects}))
        )


class _Walker:
    """Visits the MIME tree depth-first, within the caps."""

    def __init__(self, parsed: ParsedMessage) -> None:
        self.parsed = parsed
        self.parts = 0

    def walk(self, part: Message, depth: int = 0) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            self._note(f"more than {MAX_PARTS} parts: the rest was not read")
            return
        if depth > MAX_DEPTH:
            self._note(f"MIME nested deeper than {MAX_DEPTH}: the rest was not read")
            return
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            self._forwarded(part, depth)
        elif part.is_multipart():
            for child in part.get_payload() or []:
                if isinstance(child, Message):
                    self.walk(child, depth + 1)
        elif content_type in ("message/delivery-status", "text/rfc822-headers"):
            self._report(part)
        else:
            self._leaf(part, content_type)

    def _note(self, problem: str) -> None:
        if problem not in self.parsed.problems:
            self.parsed.problems.append(problem)

    def _forwarded(self, part: Message, depth: int) -> None:
        for inner in part.get_payload() or []:
            if not isinstance(inner, Message):
                continue
            sender = parse_sender([decode_header_value(v) for v in raw_values(inner, "From")])
            if sender.address:
                self.parsed.forwarded_senders.append(sender.address)
            self.parsed.reported_message_ids += message_ids(header(inner, "Message-ID"))
            self.walk(inner, depth + 1)

    def _report(self, part: Message) -> None:
        body = _payload_text(part)
        for line in body.splitlines():
            if line.lower().startswith(("message-id:", "original-message-id:")):
                self.parsed.reported_message_ids += message_ids(line.split(":", 1)[1])

    def _leaf(self, part: Message, content_type: str) -> None:
        try:
            self._read_leaf(part, content_type)
        except Exception as exc:  # one unreadable part must not cost the others
            self._note(f"a {content_type} part could not be read ({type(exc).__name__})")

    def _read_leaf(self, part: Message, content_type: str) -> None:
        filename = _filename(part)
        disposition = decode_header_value(part.get("Content-Disposition")).split(";")[0]
        is_body = (
            content_type in ("text/plain", "text/html")
            and not filename
            and disposition.strip().lower() != "attachment"
        )
        if is_body:
            self._body(part, content_type)
            return
        content = part.get_payload(decode=True) or b""
        name = safe_filename(filename, content_type)
        self.parsed.attachments.append(
            Attachment(
                filename=name,
                content_type=content_type,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                content_id=_content_id(part),
                unsafe_name=bool(_PATH_IN_NAME.search(filename)),
            )
        )

    def _body(self, part: Message, content_type: str) -> None:
        text = _payload_text(part).replace("\r\n", "\n").replace("\r", "\n")
        if content_type == "text/html":
            # Before sanitising takes the <img> tags away: which parts the HTML shows
            # inline (a signature logo is not an attachment a person chose to send).
            self.parsed.cid_references.update(
                reference.lower() for reference in _CID_URL.findall(text)
            )
            cleaned = nh3.clean(text, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES)
            self.parsed.html = (self.parsed.html + "\n" + cleaned).strip()
        else:
            self.parsed.text = (self.parsed.text + "\n" + text).strip()


_CID_URL = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)
# A name as sent that carries a directory: ../x, /etc/x, C:\x, \\server\x.
_PATH_IN_NAME = re.compile(r"(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:[\\/]")


def _content_id(part: Message) -> str:
    """The part's Content-ID as a cid: URL names it (no brackets, lower case)."""
    value = decode_header_value(part.get("Content-ID")).strip()
    return value.strip("<>").strip().lower()


_RAW_NAME = re.compile(r'(?:file)?name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))', re.IGNORECASE)


def _filename(part: Message) -> str:
    """The part's filename: RFC 2231, RFC 2047 (even in quotes), or raw 8-bit bytes."""
    try:
        name = part.get_filename()
    except Exception:  # a malformed parameter: fall back to nothing rather than fail
        name = None
    if name and "\ufffd" not in name:
        return decode_header_value(name)
    # compat32 turns raw 8-bit parameter bytes into U+FFFD; the raw header still has them.
    for header_name in ("content-disposition", "content-type"):
        for key, value in part.raw_items():
            found = _RAW_NAME.search(str(value)) if key.lower() == header_name else None
            if found:
                return decode_header_value(found.group(1) or found.group(2))
    return ""


def _payload_text(part: Message) -> str:
    """A text part decoded with its charset, or with fallbacks when that is missing or wrong."""
    data = part.get_payload(decode=True)
    if data is None:
        payload = part.get_payload()
        return nfc(payload) if isinstance(payload, str) else ""
    charset = part.get_content_charset()
    if charset:
        try:
            return nfc(data.decode(charset))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_raw_bytes(data)
