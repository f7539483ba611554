"""The message parser: bytes in, plain data out, never an exception (mailin, no app)."""

from __future__ import annotations

import unicodedata

import pytest

from mailin.addresses import parse_sender
from mailin.message import MAX_DEPTH, MAX_PARTS, parse_message
from tests.support.mails import form_attachment, make_mail


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def test_a_return_with_its_form():
    parsed = parse_message(make_mail(attachments=[form_attachment()]))
    assert parsed.sender.address == "huyendoan.ninhhai@ninhthuan.example"
    assert parsed.sender.name == "Huyện Đoàn Ninh Hải"
    assert parsed.subject == "Báo cáo theo CV số 422"
    assert parsed.message_id.endswith("@ninhthuan.example>")
    assert parsed.text.startswith("Kính gửi Ban Tuyên giáo")
    (attachment,) = parsed.attachments
    assert attachment.filename == "Báo cáo trang mạng xã hội.xlsx"
    assert attachment.content.startswith(b"PK")


@pytest.mark.parametrize(
    "disposition",
    [
        "attachment; filename*=utf-8''B%C3%A1o%20c%C3%A1o%20422.xlsx",  # RFC 2231
        'attachment; filename="=?utf-8?b?QsOhbyBjw6FvIDQyMi54bHN4?="',  # RFC 2047 in quotes
        'attachment; filename="Báo cáo 422.xlsx"',  # raw UTF-8
    ],
)
def test_attachment_names_are_decoded_however_they_were_written(disposition):
    raw = crlf(
        "From: a@doan.example\nSubject: x\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
        "Content-Type: text/plain; charset=utf-8\n\nxem\n--b\n"
        f"Content-Type: application/octet-stream\nContent-Disposition: {disposition}\n"
        "Content-Transfer-Encoding: base64\n\nUEsDBA==\n--b--\n"
    )
    (attachment,) = parse_message(raw).attachments
    assert attachment.filename == "Báo cáo 422.xlsx"
    assert unicodedata.is_normalized("NFC", attachment.filename)


def test_attachment_names_are_made_safe_to_show():
    raw = crlf(
        "From: a@doan.example\nSubject: x\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
        "Content-Type: application/octet-stream\n"
        'Content-Disposition: attachment; filename="..\\\\..\\\\etc/passwd\u202e\x07xlsx.exe"\n\n'
        "data\n--b--\n"
    )
    (attachment,) = parse_message(raw).attachments
    assert attachment.filename == "passwd xlsx.exe"  # no path, no RLO, no bell


def test_windows_1258_and_missing_charsets_end_as_nfc_text():
    body_1258 = "Huy\u00ea\u0323n Đoa\u0300n".encode("cp1258")  # tones as combining marks
    raw = (
        b"From: a@doan.example\r\nSubject: =?windows-1258?q?Ba=ECo_ca=ECo?=\r\n"
        b"Content-Type: text/plain; charset=windows-1258\r\n\r\n" + body_1258
    )
    parsed = parse_message(raw)
    assert parsed.text == "Huyện Đoàn"
    unlabelled = parse_message(b"From: a@doan.example\r\nSubject: x\r\n\r\n" + "Đoàn xã".encode())
    assert unlabelled.text == "Đoàn xã"
    wrong = parse_message(
        b"From: a@doan.example\r\nContent-Type: text/plain; charset=bogus\r\n"
        b"Subject: \xc4\x90o\xc3\xa0n\r\n\r\n" + "Đoàn".encode()
    )
    assert wrong.text == "Đoàn" and wrong.subject == "Đoàn"


def test_forwarded_messages_give_their_attachments_and_original_sender():
    inner = make_mail(attachments=[form_attachment("bieu-mau.xlsx")]).decode()
    raw = crlf(
        "From: Văn thư <vanthu@tinhdoan.example>\nSubject: Fwd: báo cáo\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="outer"\n\n--outer\n'
        "Content-Type: text/plain; charset=utf-8\n\nchuyển tiếp\n--outer\n"
        "Content-Type: message/rfc822\n\n" + inner.replace("\r\n", "\n") + "\n--outer--\n"
    )
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == ["bieu-mau.xlsx"]
    assert parsed.forwarded_senders == ["huyendoan.ninhhai@ninhthuan.example"]


def test_html_is_sanitised_but_tables_kept():
    raw = crlf(
        "From: a@doan.example\nSubject: x\nContent-Type: text/html; charset=utf-8\n\n"
        "<table><tr><td onclick='x()'>Tuổi trẻ</td></tr></table><script>alert(1)</script>"
        "<img src=x onerror=alert(1)>"
    )
    parsed = parse_message(raw)
    assert "<table>" in parsed.html and "Tuổi trẻ" in parsed.html
    assert "script" not in parsed.html and "onerror" not in parsed.html
    assert "onclick" not in parsed.html
    assert parsed.text == "Tuổi trẻ"


def nested(depth: int) -> bytes:
    head = "From: a@doan.example\nSubject: deep\nMIME-Version: 1.0\n"
    parts, tail = "", ""
    for level in range(depth):
        parts += f'Content-Type: multipart/mixed; boundary="b{level}"\n\n--b{level}\n'
        tail = f"\n--b{level}--\n" + tail
    return crlf(head + parts + "Content-Type: text/plain\n\nđáy" + tail)


def test_mime_depth_and_part_count_are_capped():
    deep = parse_message(nested(100))
    assert any("nested deeper" in p for p in deep.problems)
    many = "".join(f"--b\nContent-Type: text/plain\n\n{n}\n" for n in range(2 * MAX_PARTS))
    wide = parse_message(
        crlf(
            "From: a@doan.example\nSubject: wide\n"
            'Content-Type: multipart/mixed; boundary="b"\n\n' + many + "--b--"
        )
    )
    assert any(f"more than {MAX_PARTS}" in p for p in wide.problems)
    assert parse_message(nested(MAX_DEPTH - 2)).text == "đáy"


def test_broken_structure_is_reported_not_raised():
    parsed = parse_message(
        crlf(
            "From: a@doan.example\nSubject: x\n"
            'Content-Type: multipart/mixed; boundary="gone"\n\nno parts'
        )
    )
    assert parsed.problems and parsed.sender.address == "a@doan.example"
    assert parse_message(b"").sender.address == ""
    assert parse_message(b"\x00\xff\xfe garbage").problems is not None


@pytest.mark.parametrize(
    "value, trusted",
    [
        ("Huyện Đoàn <ninhhai@doan.example>", "ninhhai@doan.example"),
        ("NinhHai@Doan.Example", "ninhhai@doan.example"),
        ("alice@doan.example <bob@evil.example>", ""),
        ("bob@evil.example, alice@doan.example", ""),
        ('"alice@doan.example"@evil.example', ""),
        ("alice@doan.example@evil.example", ""),
        ("<>", ""),
    ],
)
def test_a_from_hiding_a_second_address_is_not_trusted(value, trusted):
    assert parse_sender([value]).address == trusted


def test_two_from_headers_are_not_trusted():
    raw = crlf("From: a@doan.example\nFrom: b@doan.example\nSubject: x\n\nx")
    parsed = parse_message(raw)
    assert parsed.sender.address == "" and parsed.sender.problem == "several From headers"


def test_cr_lf_in_headers_never_survive():
    raw = crlf(
        "From: a@doan.example\nSubject: =?utf-8?q?B=C3=A1o_c=C3=A1o=0D=0ABcc:_x@evil.example?=\n"
        "Message-ID: <abc@doan.example>\nReferences: <r1@x.example>\n <r2@x.example>\n"
        "In-Reply-To: =?utf-8?q?<a@b>=0D=0AX-Evil:_1?=\n\nx"
    )
    parsed = parse_message(raw)
    assert "\n" not in parsed.subject and "\r" not in parsed.subject
    assert parsed.subject == "Báo cáo Bcc: x@evil.example"
    assert parsed.references == ["<r1@x.example>", "<r2@x.example>"]
    assert all("\n" not in i and "\r" not in i for i in parsed.in_reply_to)


@pytest.mark.parametrize(
    "value, text",
    [
        (
            "=?utf-8?b?QsOhbyBjw6FvIHRoZW8gY8O0bmcgdsSDbg==?=\r\n 422-CV",
            "Báo cáo theo công văn 422-CV",
        ),
        ("=?x-bogus?q?B=C3=A1o?= 422", "Báo 422"),
        ("=?windows-1258?q?Ba=ECo_ca=ECo?=", "Báo cáo"),
        ("=?utf-8?q?broken", "=?utf-8?q?broken"),
    ],
)
def test_encoded_words_keep_their_spaces_and_survive_bad_charsets(value, text):
    from mailin.headers import decode_header_value

    assert decode_header_value(value) == text


def test_mailin_is_a_library_without_flask_or_a_database():
    import subprocess
    import sys

    check = (
        "import sys, mailin.message, mailin.machine, mailin.matching, mailin.imap, "
        "mailin.poller, mailin.forms, mailin.forms.template; "
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'portal') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
