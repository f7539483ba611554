"""What a file really is, from its bytes (never from its name), and whether it is safe to open."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

MAX_ZIP_ENTRIES = 10_000
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # all entries together
MAX_RATIO = 200  # uncompressed/compressed per entry; real xlsx stay far below

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, .doc, encrypted OOXML
# An office file's XML never declares a document type: one that does is an entity bomb
# ("billion laughs") or reaches for a local file (an external entity). Only the prolog
# (before the root element) is read, at most this much of each XML entry.
MAX_PROLOG = 1024 * 1024
_ROOT_OR_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY|<[A-Za-z_]")
_COMMENTS = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_OPEN_COMMENT = re.compile(rb"<!--|<\?")
# Macros: VBA in OOXML (xlsm, docm, or an xlsx carrying one), Basic in OpenDocument.
_MACRO_ENTRY = re.compile(r"(^|/)vbaProject\.bin$|^Basic/|(^|/)vbaData\.xml$", re.IGNORECASE)


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
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        return "zip"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "mimetype" in names:
        try:
            mimetype = zipfile.ZipFile(io.BytesIO(data)).read("mimetype")[:100]
        except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, zlib.error):
            return "zip"  # a damaged entry, or a version of zip no one writes
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
        except (KeyError, zipfile.BadZipFile, OSError, NotImplementedError, zlib.error):
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
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as exc:
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
    _check_xml_prologs(data, entries)


def _check_xml_prologs(data: bytes, entries: list[zipfile.ZipInfo]) -> None:
    """UnsafeFile if an XML entry declares a DTD or entities (read up to its root element)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    for entry in entries:
        if not entry.filename.lower().endswith((".xml", ".rels")) or entry.is_dir():
            continue
        try:
            found, prolog = _prolog_end(archive, entry)
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            ValueError,
            NotImplementedError,
            zlib.error,  # a damaged deflate stream (one flipped byte is enough)
        ) as exc:
            raise NotAZip(f"{entry.filename} cannot be read: {exc}") from exc
        if found and found.group().startswith(b"<!"):
            raise UnsafeFile(
                f"{entry.filename} declares a document type or entities (an XML entity bomb"
                " or an external entity): refused"
            )
        looks_like_xml = prolog.lstrip()[:1] in (b"<", b"\xef", b"\xff", b"\xfe")
        if found is None and len(prolog) >= MAX_PROLOG and looks_like_xml:
            raise UnsafeFile(f"{entry.filename} has no root element in its first 1 MB")


def _prolog_end(archive: zipfile.ZipFile, entry: zipfile.ZipInfo):
    """(the first DTD mark or root tag of an XML entry, the bytes read): a few KB for a real
    file, at most MAX_PROLOG for a hostile one."""
    prolog = b""
    with archive.open(entry) as stream:
        while len(prolog) < MAX_PROLOG:
            chunk = stream.read(4096)
            if not chunk:
                break
            prolog += chunk
            text = prolog
            if text.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 XML
                text = text.decode("utf-16", "replace").encode("utf-8", "replace")
            # Comments and processing instructions may hide anything: left out first.
            text = _COMMENTS.sub(b"", text.replace(b"\x00", b""))
            found = _ROOT_OR_DTD.search(text)
            unfinished = _OPEN_COMMENT.search(text)
            if found and (unfinished is None or found.start() < unfinished.start()):
                return found, prolog
    return None, prolog


MAX_SHEET_CELLS = 5_000_000  # rows x columns a sheet's filled cells may span


def check_extent(data: bytes, kind: str) -> None:
    """UnsafeFile when a sheet's filled cells span more than MAX_SHEET_CELLS: a value at
    row 1,000,000 (or column XFD) makes the spreadsheet library allocate the whole
    rectangle (hundreds of MB, or an abort). The XML is scanned as a stream."""
    if kind == "xlsx":
        archive = zipfile.ZipFile(io.BytesIO(data))
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                if _reaches_row_100(archive, name):  # else too small to matter: see below
                    rows, columns = _xlsx_extent(archive, name)
                    _refuse_extent(name, rows, columns)
    elif kind == "ods":
        archive = zipfile.ZipFile(io.BytesIO(data))
        if "content.xml" in archive.namelist():
            rows, columns = _ods_extent(archive)
            _refuse_extent("content.xml", rows, columns)


def _refuse_extent(name: str, rows: int, columns: int) -> None:
    if rows * columns > MAX_SHEET_CELLS:
        raise UnsafeFile(
            f"{name}: filled cells reach row {rows:,} and column {columns:,}"
            f" (at most {MAX_SHEET_CELLS:,} cells): refused"
        )


_XLSX_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,8})"[^>]*?(/?)>')
_XLSX_ROW = re.compile(rb'<row\b[^>]*?\br="([0-9]{1,8})"[^>]*?(/?)>')


# A row number of three digits or more, in a cell's reference or a row's (or in any
# attribute ending in r, sqref say: then the sheet is only measured). Without one, a sheet
# spans at most 99 rows by column ZZZ (18,278 columns): 1.8 million cells, under
# MAX_SHEET_CELLS, so it need not be measured cell by cell (the forms units send: a sheet
# of 20 rows is checked in a quarter of the time).
_XLSX_ROW_100 = re.compile(rb'r="[A-Z]{0,3}[0-9]{3,}"')


def _reaches_row_100(archive: zipfile.ZipFile, name: str) -> bool:
    carry = b""
    with archive.open(name) as stream:
        while chunk := stream.read(1024 * 1024):
            text = carry + chunk
            if _XLSX_ROW_100.search(text):
                return True
            carry = text[-32:]  # a reference cut in two is found with the next chunk
    return False


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _xlsx_extent(archive: zipfile.ZipFile, name: str) -> tuple[int, int]:
    """(last row, last column) holding a cell with content (a self-closing <c/> is only
    formatting), read 1 MB at a time."""
    rows = columns = 0
    carry = b""
    with archive.open(name) as stream:
        while chunk := stream.read(1024 * 1024):
            text = carry + chunk
            cut = text.rfind(b"<")  # a tag cut in two is read with the next chunk
            text, carry = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            for cell in _XLSX_CELL.finditer(text):
                if not cell.group(3):
                    rows = max(rows, int(cell.group(2)))
                    columns = max(columns, _column_number(cell.group(1)))
            for row in _XLSX_ROW.finditer(text):
                if not row.group(2):
                    rows = max(rows, int(row.group(1)))
    return rows, max(columns, 1)


_ODS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _count(value: str | None) -> int:
    """A repeat count as written in the file; anything that is not a number counts once."""
    return int(value) if value and value.isdigit() else 1


def _ods_extent(archive: zipfile.ZipFile) -> tuple[int, int]:
    """(last row, last column) of the cells with content in any table of an .ods, counting
    repeated rows and columns as LibreOffice writes them (a streaming parse)."""
    from xml.etree.ElementTree import ParseError

    from defusedxml.ElementTree import iterparse

    rows = columns = 0
    row_index = 0
    with archive.open("content.xml") as stream:
        try:
            for event, element in iterparse(stream, events=("start", "end")):
                if event == "start" and element.tag == f"{_ODS}table":
                    row_index = 0
                elif event == "end" and element.tag == f"{_ODS}table-row":
                    repeat = _count(element.get(f"{_ODS}number-rows-repeated"))
                    column = last = 0
                    for cell in element:
                        width = _count(cell.get(f"{_ODS}number-columns-repeated"))
                        column += width
                        if len(cell) or cell.text:  # a cell with content
                            last = column
                    if last:
                        rows = max(rows, row_index + repeat)
                        columns = max(columns, last)
                    row_index += repeat
                    element.clear()
        except ParseError:  # not well-formed: the spreadsheet library says it is unreadable
            pass
    return rows, max(columns, 1)


def has_macros(data: bytes, kind: str) -> bool:
    """Whether an office file carries macros (VBA or Basic). They are never run; staff are
    told. Only the zip's directory, or the OLE file's stream names, are looked at."""
    if kind in ("xlsx", "docx", "ods", "odt", "zip"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        return any(_MACRO_ENTRY.search(name) for name in names)
    if kind == "cfb":
        try:
            import olefile

            with olefile.OleFileIO(data) as ole:
                return any(
                    part.lower() in ("_vba_project_cur", "vba", "macros")
                    for stream in ole.listdir(streams=True, storages=True)
                    for part in stream
                )
        except Exception:  # not an OLE file olefile can read: the reader decides
            return False
    return False
