"""Hostile and broken input (issue 8, "Bad input"): each case ends in a clear recorded state
or error, the raw message is kept, and the poller goes on. Real Dovecot, SMTP, both engines.

Cases already proven elsewhere are not repeated here (see README.md, Hardening).
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from mailin.forms import read_form
from mailin.forms.sniff import UnsafeFile, check_extent
from portal.extensions import db
from portal.models import (
    Attachment,
    Dispatch,
    InboundMessage,
    OutboundMessage,
    Site,
    Submission,
)
from portal.services.outbox import send_due
from tests.support.database import all_text_in_database
from tests.support.mailbox import NINH_HAI, append, count, poll, seed_roster
from tests.support.mails import XLSX, delivery_report, form_attachment, make_mail, make_return
from tests.support.smtp import use_smtp


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


ROOT = Path(__file__).parent.parent
CORPUS = Path(__file__).parent / "data" / "forms"


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def sent(app, smtp) -> list:
    """Deliver what is due and return everything the SMTP server has received."""
    use_smtp(app, smtp.port)
    with app.app_context():
        send_due()
    return smtp.messages


# --- Machine mail and loops ---


def test_our_own_acknowledgement_coming_back_is_never_answered(app, dovecot, folder, smtp):  # noqa: F811
    use_smtp(app, smtp.port)
    seed_roster(app)
    append(dovecot, folder, make_return(message_id="<r1@ninhthuan.example>"))
    poll(app)
    (ack,) = sent(app, smtp)
    ours = ack.data
    append(
        dovecot,
        folder,
        ours,  # our acknowledgement, delivered back to our own mailbox
        ours.replace(b"@portal.ninhthuan.example>", b"@relay.example>", 1),  # id rewritten
        delivery_report(ack.message["Message-ID"]),  # a DSN of our acknowledgement
        # ...and once more claiming to be a person's mail (another id on our domain)
        ours.replace(b"Auto-Submitted: auto-replied", b"Auto-Submitted: no", 1)
        .replace(b"X-Auto-Response-Suppress: All\r\n", b"", 1)
        .replace(b"Message-ID: <", b"Message-ID: <again.", 1),
    )
    poll(app)
    assert len(sent(app, smtp)) == 1  # nothing answered
    with app.app_context():
        kinds = db.session.execute(
            select(InboundMessage.kind, InboundMessage.machine_reason).order_by(InboundMessage.id)
        ).all()
        assert [k for k, _r in kinds] == ["person"] + ["machine"] * 4, kinds
        assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_25_messages_from_one_sender_are_all_stored_and_ten_acknowledged(
    app,
    dovecot,
    folder,  # noqa: F811
    smtp,
):
    use_smtp(app, smtp.port)
    assert (app.config["ACK_LIMIT"], app.config["ACK_WINDOW_MINUTES"]) == (10, 180)
    seed_roster(app)
    append(dovecot, folder, *[make_return(subject=f"Báo cáo 422 lần {n}") for n in range(25)])
    poll(app)
    assert count(app) == 25
    with app.app_context():
        assert db.session.scalar(select(func.count(Submission.id))) == 25  # all recorded
    assert [m.recipients for m in sent(app, smtp)] == [[NINH_HAI]] * 10


# --- Identity and headers ---


INJECTED = "=?utf-8?q?B=C3=A1o_c=C3=A1o_422=0D=0ABcc:_evil@evil.example=0D=0AX-Evil:_1?="


def test_cr_lf_in_subject_message_id_and_references_injects_no_header(
    app,
    dovecot,
    folder,  # noqa: F811
    smtp,
):
    use_smtp(app, smtp.port)
    app.config["ACK_TRIAGE"] = True  # the stranger's form gets the triage reply
    seed_roster(app)
    raw = crlf(
        f"From: Huyện Đoàn Ninh Hải <{NINH_HAI}>\nTo: tuyengiao@ninhthuan.example\n"
        f"Subject: {INJECTED}\n"
        "Message-ID: =?utf-8?q?<m1@ninhthuan.example>=0D=0ABcc:_evil@evil.example?=\n"
        "References: <cv422@tinhdoan.ninhthuan.example>\n"
        " =?utf-8?q?<r@x.example>=0D=0AX-Evil:_2?=\n"
        "In-Reply-To: =?utf-8?q?<a@b.example>=0A=0DX-Evil:_3?=\n"
        "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
        "<table><tr><th>STT</th><th>Tên trang</th><th>Địa chỉ trang</th></tr>"
        "<tr><td>1</td><td>Tuổi trẻ Ninh Hải</td><td>facebook.com/tuoitreninhhai</td></tr>"
        "</table>\n"
    )
    stranger = raw.replace(NINH_HAI.encode(), b"ai.do@gmail.example").replace(b"m1@", b"m2@")
    append(dovecot, folder, raw, stranger)
    poll(app)
    messages = sent(app, smtp)
    assert len(messages) == 2
    allowed = {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "auto-submitted",
        "x-auto-response-suppress",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
    for received in messages:
        head = received.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
        names = {line.split(":", 1)[0].lower() for line in head.split("\r\n") if line[:1] != " "}
        assert names <= allowed, names
        assert len(received.recipients) == 1  # no Bcc reached the envelope either
        message = received.message
        assert "\n" not in message["Subject"] and "Bcc:" in message["Subject"]  # shown, inert


@pytest.mark.parametrize(
    "sender",
    [
        f'"{NINH_HAI}" <attacker@evil.example>',  # the address shown as the name
        f"=?utf-8?q?{NINH_HAI}?= <attacker@evil.example>",  # hidden in an encoded word
        f"{NINH_HAI} <attacker@evil.example>",
        f"attacker@evil.example, {NINH_HAI}",
        f"{NINH_HAI}(comment)@evil.example",
        "huyendoan.ninhhai@ninhthuạn.example",  # lookalike letter (IDN)
        "huyendoan.ninhhai@xn--ninhthun-x1a.example",
        "huyendoan.ninhhai@ninhthuan-example.com",
        "huyendoan.ninhhai@ninhthuan.example.evil.example",
        "huyendоan.ninhhai@ninhthuan.example",  # a Cyrillic о in the local part
    ],
)
def test_a_hidden_or_lookalike_sender_is_never_matched_to_a_unit(app, dovecot, folder, sender):  # noqa: F811
    seed_roster(app)
    append(dovecot, folder, make_mail(sender=sender, attachments=[form_attachment()]))
    poll(app)
    with app.app_context():
        message = db.session.scalar(select(InboundMessage))
        assert message.raw and message.unit_id is None and message.status == "triage"
        assert db.session.scalar(select(func.count(Submission.id))) == 0
        addressed = db.session.scalars(select(OutboundMessage.to_addresses)).all()
    recipients = {a.strip() for line in addressed for a in line.split(",")}
    assert NINH_HAI not in recipients  # nothing goes to the unit it pretends to be


def test_two_from_headers_are_never_matched_to_a_unit(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    raw = make_mail(sender="attacker@evil.example", attachments=[form_attachment()])
    raw = raw.replace(b"From: ", f"From: {NINH_HAI}\r\nFrom: ".encode(), 1)
    append(dovecot, folder, raw)
    poll(app)
    with app.app_context():
        message = db.session.scalar(select(InboundMessage))
        assert message.unit_id is None and "several From headers" in message.problems
        assert db.session.scalar(select(func.count(OutboundMessage.id))) == 0


# --- Broken structure and encodings, end to end ---


def nested(depth: int) -> bytes:
    head = f"From: {NINH_HAI}\nSubject: 422 lồng sâu\nMIME-Version: 1.0\n"
    parts, tail = "", ""
    for level in range(depth):
        parts += f'Content-Type: multipart/mixed; boundary="b{level}"\n\n--b{level}\n'
        tail = f"\n--b{level}--\n" + tail
    return crlf(head + parts + "Content-Type: text/plain\n\nđáy" + tail)


def test_deep_wide_and_boundaryless_mime_is_kept_flagged_and_the_poller_goes_on(
    app,
    dovecot,
    folder,  # noqa: F811
):
    seed_roster(app)
    wide = crlf(
        f"From: {NINH_HAI}\nSubject: 422 mười nghìn phần\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        + "".join(f"--b\nContent-Type: text/plain\n\n{n}\n" for n in range(10_000))
        + "--b--\n"
    )
    no_boundary = crlf(
        f"From: {NINH_HAI}\nSubject: 422 thiếu boundary\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nx\n--x--\n"
    )
    append(dovecot, folder, nested(100), wide, no_boundary, make_return(subject="422 bình thường"))
    assert poll(app) == 4
    with app.app_context():
        stored = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert all(m.raw for m in stored)  # kept, byte for byte
        problems = [m.problems for m in stored]
        assert "nested deeper than 20" in problems[0]
        assert "more than 500 parts" in problems[1]
        assert "malformed structure" in problems[2] or "boundary" in problems[2].lower()
        assert problems[3] == "" and [m.status for m in stored][3] == "processed"
    page = app.test_client()
    from tests.conftest import login

    # Staff see what was wrong.
    with app.app_context():
        from portal.services.users import create_user

        create_user("viewer@example.org", "correct horse battery")
    login(page, "viewer@example.org")
    assert "more than 500 parts" in page.get("/admin/inboundmessage/details/?id=2").text


def test_bogus_charsets_and_raw_8bit_headers_end_as_readable_text(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    raw = (
        "From: Huyện Đoàn Ninh Hải <".encode()
        + NINH_HAI.encode()
        + b">\r\n"
        + "Subject: Báo cáo 422 – bản sửa\r\n".encode()  # raw UTF-8, no encoded word
        + b"MIME-Version: 1.0\r\n"
        + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + b"--b\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        + "Kính gửi Ban Tuyên giáo".encode()
        + b"\r\n--b\r\nContent-Type: application/octet-stream\r\n"
        + b'Content-Disposition: attachment; filename="'
        + "Báo cáo.csv".encode("cp1258")
        + b'"\r\n\r\nx\r\n--b--\r\n'
    )
    latin1 = (
        b"From: =?iso-8859-1?q?Jos=E9?= <jose@doan.example>\r\n"
        b"Subject: =?koi8-r?b?8NLJ18XU?= =?unknown-8bit?q?caf=E9?= \xe9t\xe9\r\n\r\n\xe9t\xe9\r\n"
    )
    append(dovecot, folder, raw, latin1)
    assert poll(app) == 2
    with app.app_context():
        first, second = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id))
        assert first.status == "processed" and first.subject == "Báo cáo 422 – bản sửa"
        assert first.from_name == "Huyện Đoàn Ninh Hải"
        assert first.body_text == "Kính gửi Ban Tuyên giáo"
        assert [a.filename for a in first.attachments] == ["Báo cáo.csv"]
        assert second.status != "failed" and second.from_name == "José"
        assert second.subject.startswith("Привет") and "été" in second.subject
        assert second.body_text == "été"


# --- Attachment names ---

NAMES = {
    "../../app.py": "app.py",
    "/etc/passwd": "passwd",
    "..\\x": "x",
    "C:\\Windows\\win.ini": "win.ini",
    "a\x00b.xlsx": "a b.xlsx",
    "bao cao\r\nBcc: evil@evil.example.xlsx": "bao cao Bcc: evil@evil.example.xlsx",
    "bao-cao\u202excod.exe": "bao-caoxcod.exe",
    "": "tep-dinh-kem.bin",
    "..": "tep-dinh-kem.bin",
}


def disposition(name: str) -> str:
    """A Content-Disposition header carrying name exactly (RFC 2231: any byte, encoded)."""
    from urllib.parse import quote

    return f"attachment; filename*=utf-8''{quote(name, safe='')}"


def test_hostile_attachment_names_are_stored_and_shown_cleaned(
    app,
    dovecot,
    folder,  # noqa: F811
    users,
):
    seed_roster(app)
    long_name = "Báo cáo " + "rất dài " * 40 + ".xlsx"  # 300+ characters
    names = {**NAMES, long_name: None}
    parts = "".join(
        f"--b\nContent-Type: application/octet-stream\nContent-Disposition: {disposition(n)}\n"
        f"Content-Transfer-Encoding: base64\n\nUEsDBA==\n"
        for n in names
    )
    raw = crlf(
        f"From: bi.thu@gmail.example\nSubject: tệp lạ\nMIME-Version: 1.0\n"
        f'Content-Type: multipart/mixed; boundary="b"\n\n{parts}--b--\n'
    )
    append(dovecot, folder, raw)
    poll(app)
    with app.app_context():
        stored = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        filenames = [a.filename for a in stored]
        ids = [a.id for a in stored]
    assert filenames[: len(NAMES)] == list(NAMES.values())
    assert 100 < len(filenames[-1]) <= 150 and filenames[-1].endswith(".xlsx")
    for name in filenames:
        assert not any(ch in name for ch in "/\\\x00\r\n\u202e") and name not in ("", "..")
    from tests.conftest import login

    client = app.test_client()
    login(client, "viewer@example.org")
    page = client.get("/admin/inboundmessage/assign/1").text
    assert all(name.replace("\\", "") in page or "&" in name for name in filenames[:4])
    for attachment_id in ids:
        response = client.get(f"/admin/submission/attachment/{attachment_id}")
        header = response.headers["Content-Disposition"]
        assert header.startswith("attachment;") and "\r" not in header and "\n" not in header
        assert "/" not in header.replace("filename*=UTF-8''", "").split("''")[-1]
        assert ".." not in header.split("filename")[1]


# --- Files that lie, bombs, macros, passwords, huge sheets ---


def test_a_file_whose_bytes_contradict_its_name_is_read_as_what_it_is():
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200  # an executable named bao-cao.xlsx
    assert read_form(elf).status == "unreadable"
    csv_named_pdf = "Tên trang,Đường dẫn\nĐoàn xã A,doanxaa.vn\n".encode()
    reading = read_form(csv_named_pdf)  # names never reach the reader: the bytes decide
    assert (reading.status, reading.detected_type, len(reading.rows)) == ("read", "csv", 1)
    docx_bytes = (CORPUS / "22-word-merged.docx").read_bytes()  # sent as .xlsx
    assert read_form(docx_bytes).detected_type == "docx"


SECRET_TEXT = "BI-MAT-NOI-BO-7f3a9c"
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">'
        for i in range(1, 10)
    )
    + "]>"
)


def external_entity(path: Path) -> str:
    return f'<!DOCTYPE x [<!ENTITY lol9 SYSTEM "file://{path}">]>'


def patched_zip(data: bytes, name: str, change) -> bytes:
    """data (a zip) with the entry `name` changed; every other entry as it was."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, change(content) if item.filename == name else content)
    return out.getvalue()


def with_doctype(doctype: str):
    """A change putting doctype before the root element and &lol9; where MARKER was."""

    def change(content: bytes) -> bytes:
        text = content.decode("utf-8")
        declaration = ""
        if text.startswith("<?xml"):
            declaration, text = text.split("?>", 1)
            declaration += "?>"
        return (declaration + doctype + text.replace("MARKER", "&lol9;")).encode("utf-8")

    return change


def marked_forms() -> dict[str, tuple[bytes, str]]:
    """An xlsx, a docx and an ods whose page name holds MARKER: (bytes, XML entry)."""
    import docx

    _name, xlsx, _type = form_attachment(rows=[["Doan xa MARKER", "facebook.com/x", "a"]])
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for column, value in enumerate(["STT", "Tên trang", "Đường dẫn"]):
        table.cell(0, column).text = value
    for column, value in enumerate(["1", "Doan xa MARKER", "facebook.com/x"]):
        table.cell(1, column).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    ods = patched_zip(
        (CORPUS / "16-libreoffice.ods").read_bytes(),
        "content.xml",
        lambda c: c.replace("Đoàn xã Phước Dinh".encode(), b"Doan xa MARKER", 1),
    )
    return {
        "xlsx": (xlsx, "xl/worksheets/sheet1.xml"),
        "docx": (buffer.getvalue(), "word/document.xml"),
        "ods": (ods, "content.xml"),
    }


def entity_bombs(secret: Path) -> dict[str, bytes]:
    bombs = {}
    for kind, (data, entry) in marked_forms().items():
        assert read_form(data).status == "read"  # the file itself is a good return
        bombs[f"{kind}-billion-laughs"] = patched_zip(data, entry, with_doctype(LAUGHS))
        bombs[f"{kind}-external-entity"] = patched_zip(
            data, entry, with_doctype(external_entity(secret))
        )
        bombs[f"{kind}-etc-passwd"] = patched_zip(
            data, entry, with_doctype(external_entity(Path("/etc/passwd")))
        )
    return bombs


def test_xml_entity_bombs_are_refused_before_any_parser_sees_them(tmp_path, monkeypatch):
    import mailin.forms

    def no_parser(kind, data):
        raise AssertionError("a parser was given the file")

    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_TEXT)
    bombs = entity_bombs(secret)
    monkeypatch.setattr(mailin.forms, "_grids", no_parser)
    for name, data in bombs.items():
        reading = read_form(data)
        assert reading.status == "refused", (name, reading.detail)
        assert "entities" in reading.detail and SECRET_TEXT not in reading.detail


def test_an_external_entity_leaks_the_local_file_nowhere(
    app,
    dovecot,
    folder,  # noqa: F811
    smtp,
    tmp_path,
):
    use_smtp(app, smtp.port)
    seed_roster(app)
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_TEXT)
    bombs = entity_bombs(secret)
    append(
        dovecot,
        folder,
        *[
            make_mail(subject=f"Báo cáo 422 {name}", attachments=[(f"{name}.xlsx", data, XLSX)])
            for name, data in bombs.items()
        ],
    )
    poll(app)
    messages = sent(app, smtp)
    assert len(messages) == 9  # each return acknowledged: the file could not be used
    with app.app_context():
        assert set(db.session.scalars(select(Attachment.status))) == {"refused"}
        everything = all_text_in_database()
    passwd_line = Path("/etc/passwd").read_text().splitlines()[0]
    for leaked in (SECRET_TEXT, passwd_line):
        assert leaked not in everything
        assert all(leaked.encode() not in m.data for m in messages)
        for m in messages:
            assert leaked not in m.message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("kind", ["xlsx", "docx", "ods"])
def test_a_zip_bomb_is_refused_in_xlsx_docx_and_ods_without_being_decompressed(kind, monkeypatch):
    """(The corpus's bombs are xlsx; the check is the same for every zip-based kind.)"""
    data, _entry = marked_forms()[kind]
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("media/zeros.xml", b"\0" * 50_000_000)  # 50 MB in ~50 KB
    bomb = out.getvalue()
    assert len(bomb) < 200_000
    real_open = zipfile.ZipFile.open

    def open_small_only(self, name, *args, **kwargs):
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        assert info.file_size < 1_000_000, f"{info.filename} was decompressed"
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_small_only)
    reading = read_form(bomb)
    assert (reading.status, reading.detected_type) == ("refused", kind), reading.detail
    assert "zip bomb" in reading.detail


def macro_files() -> dict[str, bytes]:
    """An xlsm, a docm, an xlsx carrying a vbaProject.bin and an .ods with Basic macros."""
    _name, xlsx, _type = form_attachment()
    vba = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 Attribute VB_Name = "Module1" Shell("calc")'

    def add(data: bytes, name: str, content: bytes) -> bytes:
        out = io.BytesIO(data)
        with zipfile.ZipFile(out, "a") as archive:
            archive.writestr(name, content)
        return out.getvalue()

    docx_data = (CORPUS / "22-word-merged.docx").read_bytes()
    ods = (CORPUS / "16-libreoffice.ods").read_bytes()
    return {
        "xlsm": add(xlsx, "xl/vbaProject.bin", vba),
        "docm": add(docx_data, "word/vbaProject.bin", vba),
        "xlsx-with-vba": add(xlsx, "xl/vbaProject.bin", vba),
        "ods-basic": add(ods, "Basic/Standard/Module1.xml", b"<module>Shell</module>"),
    }


def test_macro_enabled_files_are_read_never_run_and_flagged_to_staff(
    app,
    client,
    dovecot,
    folder,  # noqa: F811
    as_role,
):
    for name, data in macro_files().items():
        reading = read_form(data)
        assert reading.macros and reading.status == "read" and reading.rows, name
    assert not read_form(form_attachment()[1]).macros
    seed_roster(app)
    append(dovecot, folder, make_mail(attachments=[("bao-cao.xlsm", macro_files()["xlsm"], XLSX)]))
    poll(app)
    as_role("viewer")
    review = client.get("/admin/submission/review/1").text
    assert "Tệp có chứa macro; các macro này không được chạy" in review
    with app.app_context():
        assert db.session.scalar(select(Attachment.has_macros)) is True
        assert db.session.scalar(select(Submission.row_count)) == 1


def test_a_password_protected_form_is_answered_please_remove_the_password_and_resend(
    app,
    dovecot,
    folder,  # noqa: F811
    smtp,
):
    use_smtp(app, smtp.port)
    seed_roster(app)
    encrypted = (CORPUS / "35-encrypted.xlsx").read_bytes()
    append(dovecot, folder, make_mail(attachments=[("bao-cao.xlsx", encrypted, XLSX)]))
    poll(app)
    (ack,) = sent(app, smtp)
    text = ack.message.get_body(("plain",)).get_content()
    assert "Tệp đính kèm có đặt mật khẩu" in text
    assert "gỡ bỏ mật khẩu của tệp rồi gửi lại" in text
    with app.app_context():
        assert db.session.scalar(select(Submission.read_error)) == "encrypted"


BOUNDED_READ = """
import sys
from pathlib import Path
from mailin.forms import read_form
def peak_kb():  # this process's own peak (ru_maxrss starts at the parent's, after exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
data = Path(sys.argv[1]).read_bytes()
before = peak_kb()
reading = read_form(data)
peak = peak_kb()
print(reading.status, peak - before, peak, reading.detail[:200], sep="|")
"""


def huge_sheets() -> dict[str, bytes]:
    _name, xlsx, _type = form_attachment()
    sheet = "xl/worksheets/sheet1.xml"

    def far_cell(reference: str):
        row = "".join(ch for ch in reference if ch.isdigit())
        cell = f'<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row>'
        return lambda c: c.replace(b"</sheetData>", cell.encode() + b"</sheetData>")

    repeated = (
        '<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
        'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    )
    ods = (CORPUS / "16-libreoffice.ods").read_bytes()
    return {
        "row-1000000": patched_zip(xlsx, sheet, far_cell("F1000000")),
        "XFD1048576": patched_zip(xlsx, sheet, far_cell("XFD1048576")),
        "ods-rows-repeated": patched_zip(
            ods, "content.xml", lambda c: c.replace(b"</table:table>", repeated.encode(), 1)
        ),
        "csv-50-mb-line": "Tên trang,Đường dẫn\n".encode() + b"a" * 50_000_000 + b",b\n",
    }


@pytest.mark.parametrize(
    "reference, refused",
    [("XFD99", False), ("XFD305", False), ("XFD306", True), ("ZZZ273", False), ("ZZZ274", True)],
)
def test_the_extent_is_measured_exactly_around_its_limit(reference, refused):
    """5,000,000 cells at most: XFD (16,384 columns) × 305 rows is under, × 306 over. A
    sheet reaching no row past 99 is not measured cell by cell (99 × ZZZ is under)."""
    _name, xlsx, _type = form_attachment()
    row = "".join(ch for ch in reference if ch.isdigit())
    cell = f'<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = patched_zip(
        xlsx,
        "xl/worksheets/sheet1.xml",
        lambda c: c.replace(b"</sheetData>", cell.encode() + b"</sheetData>"),
    )
    if refused:
        with pytest.raises(UnsafeFile, match="at most 5,000,000 cells"):
            check_extent(sheet, "xlsx")
    else:
        check_extent(sheet, "xlsx")


def test_a_sheet_claiming_a_million_rows_is_read_in_bounded_memory(tmp_path):
    _name, xlsx, _type = form_attachment()
    claimed = patched_zip(
        xlsx,
        "xl/worksheets/sheet1.xml",
        lambda c: c.replace(b'<dimension ref="A1:D2"/>', b'<dimension ref="A1:F1048576"/>'),
    )
    path = tmp_path / "claimed.xlsx"
    path.write_bytes(claimed)
    status, grown_kb, _peak_kb, _detail = run_bounded(path)
    assert status == "read" and grown_kb < 50 * 1024


def run_bounded(path: Path) -> tuple[str, int, int, str]:
    """read_form on path in a child process (a library abort must not take pytest down)."""
    result = subprocess.run(
        [sys.executable, "-c", BOUNDED_READ, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    status, grown, peak, detail = result.stdout.strip().split("|", 3)
    return status, int(grown), int(peak), detail


@pytest.mark.parametrize(
    "name", ["row-1000000", "XFD1048576", "ods-rows-repeated", "csv-50-mb-line"]
)
def test_a_huge_sheet_or_line_is_refused_with_a_clear_error_in_bounded_memory(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(huge_sheets()[name])
    status, grown_kb, peak_kb, detail = run_bounded(path)
    assert status in ("refused", "unreadable") and grown_kb < 50 * 1024, (status, grown_kb)
    assert ("cells" in detail and "refused" in detail) or "bytes (at most" in detail, detail
    # The child's own peak (VmHWM), not RUSAGE_CHILDREN: that is the largest of every child
    # a test of this worker ran before, and a child's ru_maxrss starts at this process's size.
    assert peak_kb < 400 * 1024


# --- Cells that look like formulas, control characters, huge cells: stored and exported ---

TRICKY = [
    '=HYPERLINK("http://evil.example","bấm vào đây")',
    "+cmd|'/C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "=1+1",
]


def test_formula_looking_cells_are_stored_and_exported_as_text_and_numbers_stay_numbers(
    app,
    dovecot,
    folder,  # noqa: F811
    tmp_path,
):

    seed_roster(app)
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    rows = [["STT", "Tên trang", "Địa chỉ trang (URL/tên miền)", "Cơ quan chủ quản", "Ghi chú"]]
    rows += [
        [n, f"Tuổi trẻ {n}", f"facebook.com/tuoitre{n}", value, value]
        for n, value in enumerate(TRICKY, start=1)
    ]
    rows.append([6, "Tuổi trẻ 6", "facebook.com/tuoitre6", "\t=2+2", -5])  # a leading TAB
    rows.append([7, "Tuổi trẻ 7", "facebook.com/tuoitre7", "Đoàn\x01\x02 xã", "x"])
    for number, row in enumerate(rows):
        for column, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(number, column, value)
            else:
                sheet.write_number(number, column, value)
    book.close()
    append(dovecot, folder, make_mail(attachments=[("bao-cao.xlsx", buffer.getvalue(), XLSX)]))
    poll(app)
    with app.app_context():
        stored = db.session.execute(select(Site.agency, Site.note).order_by(Site.position)).all()
        assert [a for a, _n in stored][:5] == TRICKY  # kept as the unit typed them
        assert stored[5] == ("=2+2", "-5")
        # A cell at Excel's limit and beyond, with control characters, edited by staff.
        site = db.session.scalar(select(Site).where(Site.position == 6))
        site.note = "\x07\x1b" + "ghi chú " * 5_000  # 40,000 characters
        db.session.scalar(select(Dispatch)).upstream_email = "bantuyengiao@example.org"
        db.session.commit()
    path = tmp_path / "tong-hop.xlsx"
    result = app.test_cli_runner().invoke(
        args=["export", "422-CV/TĐTN-TG", "--format", "xlsx", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    rows = load_workbook(path)["Danh sách trang"]
    header = [cell.value for cell in rows[1]]
    agency, note = header.index("Cơ quan chủ quản") + 1, header.index("Ghi chú") + 1
    for row in range(2, 7):
        cell = rows.cell(row=row, column=agency)
        assert (cell.data_type, cell.value) == ("s", TRICKY[row - 2])
    assert rows.cell(row=7, column=agency).data_type == "s"
    assert (rows.cell(row=7, column=note).data_type, rows.cell(row=7, column=note).value) == (
        "n",
        -5,
    )
    assert rows.cell(row=8, column=agency).value == "Đoàn xã"  # control characters dropped
    long_note = rows.cell(row=8, column=note).value
    assert len(long_note) == 32_767 and long_note.startswith("ghi chú")
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Danh sách trang")
    assert values.to_python()[1][agency - 1] == TRICKY[0]


def test_a_damaged_file_is_unreadable_never_an_exception():
    """Bytes flipped in every file of the forms corpus: a bad CRC, a broken deflate stream,
    a zip 'version 12.7' no one writes. Each one a status, so the message is filed (its
    unit told the file cannot be read), not retried until quarantined."""
    import random

    rng = random.Random(19)  # noqa: S311 (seeded noise, not a secret)
    statuses = set()
    for path in sorted((Path(__file__).parent / "data" / "forms").iterdir()):
        data = path.read_bytes()
        for _ in range(10):
            damaged = bytearray(data)
            for _ in range(3):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            statuses.add(read_form(bytes(damaged)).status)
    assert "unreadable" in statuses
