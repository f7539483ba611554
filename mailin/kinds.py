"""What a message is, and why: a return carries a form; everything else is not one.

A return carries something that is or may be the form: a spreadsheet or document file, a
table with the form's header pasted in the email (the sites-and-pages form's, or that of a
form the caller names: the open dispatches' own), or a scan or photo attached as a file.
A person's message without any of these (a question, a thank-you, a logo-only reply, a
calendar invite, a link to an online sheet) is correspondence: for staff to read, never a
version of a return. Machine mail is neither. Pure: the caller stores the reasons, so
staff see why.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from mailin.forms import ReadingStatus, read_grids
from mailin.forms.generic import read_grids_with_spec
from mailin.forms.grid import Grid, html_grids
from mailin.forms.sniff import sniff
from mailin.forms.spec import FormSpec
from mailin.machine import machine_reason
from mailin.message import Attachment, ParsedMessage


class Kind(enum.StrEnum):
    RETURN = "return"
    CORRESPONDENCE = "correspondence"
    MACHINE = "machine"


class Carried(enum.StrEnum):
    """What one attachment is, as far as the form is concerned."""

    FORM = "form"  # a spreadsheet, document or CSV file
    SCAN = "scan"  # a PDF or a photo, attached as a file
    ARCHIVE = "archive"  # a zip or similar: may hold the form
    INLINE = "inline"  # shown inside the HTML (cid:): a logo, a pasted picture
    CALENDAR = "calendar"  # an invitation
    OTHER = "other"  # a vCard, a signature, a text file...


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reasons: tuple[str, ...]  # stable codes, translated for staff at the edge
    dangers: tuple[str, ...] = ()  # why no one should open or answer it (see DANGERS)


RETURN_REASONS = ("form_file", "form_table", "scan_or_photo", "archive")
CORRESPONDENCE_REASONS = (
    "no_attachment",
    "only_inline_images",
    "calendar_invite",
    "only_other_files",
    "link_to_online_sheet",
)
DANGERS = ("executable_file", "path_in_file_name", "address_in_name")

_DOCUMENT_KINDS = {"xlsx", "xls", "ods", "docx", "odt", "cfb"}
_FORM_EXTENSIONS = {"xlsx", "xlsm", "xls", "ods", "csv", "tsv", "docx", "docm", "doc", "odt"}
_TEXT_FORM_TYPES = {"text/csv", "text/tab-separated-values", "application/csv"}
_ARCHIVE_EXTENSIONS = {"zip", "rar", "7z", "gz", "tgz", "tar", "dat"}  # winmail.dat: TNEF
_ARCHIVE_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_SCAN_EXTENSIONS = {"pdf", "jpg", "jpeg", "png", "heic", "heif", "tif", "tiff", "webp", "gif"}
_CALENDAR_TYPES = {"text/calendar", "application/ics"}
_EXECUTABLE_EXTENSIONS = {
    "exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "wsh",
    "hta", "msi", "msp", "lnk", "iso", "img", "vhd", "jar", "ps1", "cpl", "reg", "dll",
    "apk", "appx", "sh",
}  # fmt: skip
# Outlook's names for the pictures of a signature (with a Content-ID even when the HTML
# that showed them is gone, as in a plain-text reply).
_SIGNATURE_IMAGE = re.compile(r"^(image\d{3}|outlook-[a-z0-9]+)\.(png|jpe?g|gif)$")
_ONLINE_SHEET = re.compile(
    r"(docs\.google\.com/(spreadsheets|document)|drive\.google\.com|sheets\.google\.com|"
    r"1drv\.ms|onedrive\.live\.com|sharepoint\.com|docs\.zoho)",
    re.IGNORECASE,
)


def classify(
    parsed: ParsedMessage,
    own_domains: frozenset[str] = frozenset(),
    own_addresses: frozenset[str] = frozenset(),
    forms: tuple[FormSpec, ...] = (),
) -> Verdict:
    """Machine mail, a return, or correspondence, with the reasons for it. `forms`: the
    dispatches' own forms a table pasted in the email may follow, besides the built-in one."""
    machine = machine_reason(parsed, own_domains, own_addresses)
    dangers = tuple(
        sorted(
            {danger for a in parsed.attachments for danger in _dangers(a)} | _sender_dangers(parsed)
        )
    )
    if machine:
        return Verdict(Kind.MACHINE, (machine,), dangers)
    carried = [carried_by(a, parsed.cid_references) for a in parsed.attachments]
    reasons = _return_reasons(carried, parsed.html, forms)
    if reasons:
        return Verdict(Kind.RETURN, reasons, dangers)
    return Verdict(Kind.CORRESPONDENCE, _correspondence_reasons(carried, parsed.text), dangers)


def carried_by(attachment: Attachment, cid_references: set[str]) -> Carried:
    """What an attachment is, from its bytes first, then its name and declared type."""
    if attachment.content_id and (
        attachment.content_id in cid_references
        or _SIGNATURE_IMAGE.match(attachment.filename.lower())
    ):
        return Carried.INLINE
    content_type = attachment.content_type.lower()
    extension = _extension(attachment.filename)
    if content_type in _CALENDAR_TYPES or extension in ("ics", "vcs"):
        return Carried.CALENDAR
    kind = sniff(attachment.content)
    if kind in _DOCUMENT_KINDS:
        return Carried.FORM
    # A scan or photo by its bytes, or by what it says it is: an iPhone's HEIC, a PDF
    # damaged on the way (staff still have to look at it).
    if kind in ("pdf", "image") or _says_scan(content_type, extension):
        return Carried.SCAN
    if kind == "zip" or extension in _ARCHIVE_EXTENSIONS or content_type in _ARCHIVE_TYPES:
        return Carried.ARCHIVE
    # A text file is the form only when it says it is one: sniff() calls any text "csv".
    if kind in ("csv", "html") and (
        extension in _FORM_EXTENSIONS or content_type in _TEXT_FORM_TYPES
    ):
        return Carried.FORM
    return Carried.OTHER


def _says_scan(content_type: str, extension: str) -> bool:
    return (
        content_type == "application/pdf"
        or (content_type.startswith("image/") and content_type != "image/svg+xml")
        or extension in _SCAN_EXTENSIONS
    )


def has_form_table(html: str, forms: tuple[FormSpec, ...] = ()) -> bool:
    """The email's own HTML holds a table with the header of the sites-and-pages form or of
    one of `forms` (a layout table of a signature does not count)."""
    if "<table" not in html.lower():
        return False
    grids = html_grids(html)  # parsed once for every form tried (most Outlook mail has tables)
    if read_grids(grids, "html", frozenset()).status == ReadingStatus.READ:
        return True
    return any(_follows(grids, spec) for spec in forms)


def _follows(grids: list[Grid], spec: FormSpec) -> bool:
    try:
        return read_grids_with_spec(grids, "html", spec).status == ReadingStatus.READ
    except Exception:  # as read_html_with_spec: a hostile table is no form, not a failure
        return False


def _return_reasons(
    carried: list[Carried], html: str, forms: tuple[FormSpec, ...]
) -> tuple[str, ...]:
    found = []
    if Carried.FORM in carried:
        found.append("form_file")
    if has_form_table(html, forms):
        found.append("form_table")
    if Carried.SCAN in carried:
        found.append("scan_or_photo")
    if Carried.ARCHIVE in carried:
        found.append("archive")
    return tuple(found)


def _correspondence_reasons(carried: list[Carried], text: str) -> tuple[str, ...]:
    if not carried:
        found = ["no_attachment"]
    elif all(c == Carried.INLINE for c in carried):
        found = ["only_inline_images"]
    elif Carried.CALENDAR in carried:
        found = ["calendar_invite"]
    else:
        found = ["only_other_files"]
    if _ONLINE_SHEET.search(text):
        found.append("link_to_online_sheet")
    return tuple(found)


def _dangers(attachment: Attachment) -> list[str]:
    found = []
    if _extension(attachment.filename) in _EXECUTABLE_EXTENSIONS:
        found.append("executable_file")
    if attachment.unsafe_name:
        found.append("path_in_file_name")
    return found


_ADDRESS_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _sender_dangers(parsed: ParsedMessage) -> set[str]:
    """A display name holding another address ("unit@tinh.vn" <attacker@evil.example>):
    a mail program shows the name, so the reader believes the wrong sender."""
    named = {found.lower() for found in _ADDRESS_IN_TEXT.findall(parsed.sender.name)}
    return {"address_in_name"} if named - {parsed.sender.address, ""} else set()


def _extension(filename: str) -> str:
    stem, dot, extension = filename.lower().rpartition(".")
    return extension.strip() if dot and stem else ""
