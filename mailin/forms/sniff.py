"""What a file really is, from its bytes (never from its name), and whether it is safe to open."""

from __future__ import annotations

import io
import zipfile

MAX_ZIP_ENTRIES = 10_000
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # all entries together
MAX_RATIO = 200  # uncompressed/compressed per entry; real xlsx stay far below

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, .doc, encrypted OOXML


class UnsafeFile(Exception):
    """The file must not be opened (a zip bomb, too many entries)."""


class NotAZip(UnsafeFile):
    """The file says it is a zip but its directory cannot be read (truncated, corrupt)."""


def sniff(data: bytes) -> str:
    """xlsx, docx, ods, odt, cfb, zip, pdf, image, html, csv or binary."""
    head = data[:2048]
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if head.startswith(_CFB):
        return "cfb"  # an .xls, or an encrypted Office file: see encryption()
    if head.startswith(b"%PDF"):
        return "pdf"
    if (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"II*\x00", b"MM\x00*"))
        or head[8:12] == b"WEBP"
    ):
        return "image"
    lowered = head.lower()
    if b"<table" in data[:200_000].lower() or lowered.lstrip().startswith(
        (b"<!doctype html", b"<html")
    ):
        return "html"
    if head.count(b"\x00") > len(head) // 4:
        return "binary"
    return "csv"


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "zip"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "mimetype" in names:
        mimetype = zipfile.ZipFile(io.BytesIO(data)).read("mimetype")[:100]
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        if b"opendocument.text" in mimetype:
            return "odt"
    return "zip"


def encryption(data: bytes, kind: str) -> str:
    """The kind of a password-protected file ('ooxml', 'xls', 'ods'...), or '' if it is not.

    Encrypted xlsx/docx are OLE files holding an encrypted package; a protected .xls is an
    OLE workbook with a FILEPASS record; a protected .ods has encryption-data in its manifest.
    """
    if kind in ("ods", "odt"):
        try:
            manifest = zipfile.ZipFile(io.BytesIO(data)).read("META-INF/manifest.xml")
        except (KeyError, zipfile.BadZipFile, OSError):
            return ""
        return kind if b"encryption-data" in manifest else ""
    if kind != "cfb":
        return ""
    try:
        import msoffcrypto

        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        if office.is_encrypted():
            return "ooxml" if office.format == "ooxml" else "xls"
    except Exception:  # not an Office file msoffcrypto knows: the reader decides
        return ""
    return ""


def check_zip(data: bytes) -> None:
    """UnsafeFile unless the zip's directory is that of an ordinary office file.

    Only the central directory is read (no decompression), so a bomb is refused at once.
    """
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise NotAZip(f"not a readable zip: {exc}") from exc
    if len(entries) > MAX_ZIP_ENTRIES:
        raise UnsafeFile(f"{len(entries)} entries in the zip (at most {MAX_ZIP_ENTRIES})")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED:
        raise UnsafeFile(f"{total} bytes once uncompressed (at most {MAX_UNCOMPRESSED})")
    for entry in entries:
        if entry.file_size > 1_000_000 and entry.file_size > MAX_RATIO * max(
            entry.compress_size, 1
        ):
            raise UnsafeFile(
                f"{entry.filename} expands {entry.file_size // max(entry.compress_size, 1)}"
                " times: a zip bomb"
            )
