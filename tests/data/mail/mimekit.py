"""Small helpers to write raw MIME by hand, the way mail clients lay it out.

Everything is built as text with "\n" line ends and turned into CRLF bytes by
``finish``; bodies are encoded (quoted-printable/base64) so the bytes are
deterministic and mostly 7-bit.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import quopri
import random
import zipfile

UNIT_HAI = "huyendoan.ninhhai@ninhthuan.example"
UNIT_SON = "huyendoan.ninhson@ninhthuan.example"
DEPT = "tuyengiao@ninhthuan.example"
NAME_HAI = "Huyện Đoàn Ninh Hải"
NAME_SON = "Huyện Đoàn Ninh Sơn"
NAME_DEPT = "Ban Tuyên giáo Tỉnh Đoàn"
CV_ID = "<cv422@tinhdoan.ninhthuan.example>"
CV_SUBJECT = (
    "V/v tiếp cận thông tin từ các trang mạng xã hội chính thống "
    "của Trung ương Đoàn TNCS Hồ Chí Minh"
)
CV_NO = "422-CV/TĐTN-TG"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORM_HEADER = ["STT", "Tên trang", "Địa chỉ trang (URL/tên miền)", "Cơ quan chủ quản"]


def ack_id(n: int) -> str:
    """Message-ID of one of our acknowledgements."""
    return f"<ack-{n:04d}.20180625@portal.ninhthuan.example>"


def date(day: int, hh: int, mm: int, ss: int = 0, tz: str = "+0700") -> str:
    """RFC 5322 date in June 2018."""
    wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][dt.date(2018, 6, day).weekday()]
    return f"{wd}, {day:02d} Jun 2018 {hh:02d}:{mm:02d}:{ss:02d} {tz}"


def enc(text: str, charset: str = "UTF-8") -> str:
    """RFC 2047 B-encoded words, folded; plain ASCII stays as it is."""
    if text.isascii() and len(text) < 70:
        return text
    words, chunk = [], b""
    for ch in text:
        raw = ch.encode("utf-8")
        if len(chunk) + len(raw) > 45:
            words.append(chunk)
            chunk = b""
        chunk += raw
    if chunk:
        words.append(chunk)
    return "\n ".join(f"=?{charset}?B?{base64.b64encode(w).decode()}?=" for w in words)


def addr(name: str | None, email: str, quote: bool = False) -> str:
    if not name:
        return email
    if name.isascii():
        return f'"{name}" <{email}>' if quote or "," in name or "@" in name else f"{name} <{email}>"
    return f"{enc(name)} <{email}>"


def qp(text: str) -> str:
    return quopri.encodestring(text.encode("utf-8")).decode("ascii")


def b64(data: bytes) -> str:
    s = base64.b64encode(data).decode("ascii")
    return "\n".join(s[i : i + 76] for i in range(0, len(s), 76)) + "\n"


def _end(body: str) -> str:
    return body if body.endswith("\n") else body + "\n"


def part(headers: list[str], body: str) -> str:
    return "\n".join(headers) + "\n\n" + _end(body)


def text(
    s: str,
    subtype: str = "plain",
    cte: str = "quoted-printable",
    charset: str = '"UTF-8"',
    params: str = "",
    extra: tuple[str, ...] = (),
) -> str:
    """A text body part (charset written as the client writes it, quotes included)."""
    if cte == "quoted-printable":
        body = qp(s)
    elif cte == "base64":
        body = b64(s.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))
    else:
        body = s
    headers = [f"Content-Type: text/{subtype}; charset={charset}{params}"]
    headers.append(f"Content-Transfer-Encoding: {cte}")
    return part(headers + list(extra), body)


def fname(filename: str, style: str) -> str:
    """filename parameter as different clients write non-ASCII names."""
    if filename.isascii() or style == "raw":
        return f'filename="{filename}"'
    if style == "rfc2231":
        from urllib.parse import quote

        return f"filename*=utf-8''{quote(filename, safe='')}"
    return f'filename="{enc(filename).replace(chr(10) + " ", "")}"'


def attach(
    ctype: str,
    data: bytes,
    filename: str | None,
    disposition: str | None = "attachment",
    cid: str | None = None,
    style: str = "rfc2047",
    size: bool = False,
    extra: tuple[str, ...] = (),
    name_param: bool = True,
) -> str:
    """An attachment (or inline image) part, base64-encoded."""
    ct = f"Content-Type: {ctype}"
    if filename and name_param:
        ct += "; " + fname(filename, style).replace("filename", "name", 1)
    headers = [ct]
    if disposition:
        disp = f"Content-Disposition: {disposition}"
        if filename:
            disp += "; " + fname(filename, style)
        if size:
            disp += f"; size={len(data)}"
        headers.append(disp)
    headers += ["Content-Transfer-Encoding: base64"]
    if cid:
        headers.append(f"Content-ID: <{cid}>")
    return part(headers + list(extra), b64(data))


def multipart(
    subtype: str,
    boundary: str,
    parts: list[str],
    params: str = "",
    preamble: str = "",
    close: bool = True,
) -> str:
    body = preamble + "\n" if preamble else ""
    for p in parts:
        body += f"--{boundary}\n{_end(p)}"
    if close:
        body += f"--{boundary}--\n"
    return part([f'Content-Type: multipart/{subtype}; boundary="{boundary}"{params}'], body)


def message(headers: list[str], body_part: str) -> str:
    """Top-level headers then the body part (its own Content-* headers follow)."""
    return "\n".join(h for h in headers if h) + "\n" + body_part


def finish(s: str) -> bytes:
    return s.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


# ---- binary payloads -------------------------------------------------------

TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c"
    "140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27"
    "393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000"
    "000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300"
    "041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a1617181919"
    "1a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a7374"
    "75767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9"
    "bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faff"
    "da0008010100003f00fbd3ffd9"
)
# 1x1 PNGs (a logo and a "screenshot"), valid files.
PNG_LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PNG_SHOT = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
PDF_SCAN = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000015 00000 n \n0000000064 00000 n \n"
    b"0000000121 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n190\n%%EOF\n"
)


def crlf(s: str) -> bytes:
    return s.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def noise(seed: int, n: int) -> bytes:
    return random.Random(seed).randbytes(n)  # noqa: S311 - reproducible junk, not secrets


def make_zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2018, 6, 20, 8, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


_BOMB: list[bytes] = []


def zip_bomb() -> bytes:
    if not _BOMB:
        _BOMB.append(make_zip([("bao_cao.xlsx", bytes(50 * 1024 * 1024))]))
    return _BOMB[0]


def encrypted_zip() -> bytes:
    data = bytearray(make_zip([("bao_cao_mat.xlsx", noise(7, 2000))]))
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 6] |= 0x01
    data[central + 8] |= 0x01
    return bytes(data)


def normalize_zip(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed timestamps so the bytes are reproducible."""
    import re

    src = zipfile.ZipFile(io.BytesIO(data))
    members = []
    for info in src.infolist():
        blob = src.read(info)
        if info.filename == "docProps/core.xml":  # openpyxl writes "modified" as the save time
            blob = re.sub(
                rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2018-06-25T09:00:00Z", blob
            )
        members.append((info.filename, blob))
    return make_zip(members)
