"""Test emails as units, machines and attackers really send them (bytes, CRLF)."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The address Huyện Đoàn Ninh Hải writes from (tests/support/mailbox.py gives it the unit).
NINH_HAI = "huyendoan.ninhhai@ninhthuan.example"


def make_mail(
    sender: str = f"Huyện Đoàn Ninh Hải <{NINH_HAI}>",
    subject: str = "Báo cáo theo CV số 422",
    body: str = "Kính gửi Ban Tuyên giáo,",
    to: str = "tuyengiao@ninhthuan.example",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    date: dt.datetime | None = None,
    html: str | None = None,
) -> bytes:
    """A message as a mail client writes it; attachments are (filename, bytes, type), `html`
    the HTML beside the text (multipart/alternative, as Gmail and Outlook write)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or dt.datetime(2018, 6, 25, 9, 30, tzinfo=dt.UTC))
    message["Message-ID"] = message_id or make_msgid(domain="ninhthuan.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, content, content_type in attachments or []:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)


FIXED_TIME = dt.datetime(2018, 6, 25, 9, 0)
DEFAULT_ROWS = [["Tuổi trẻ Ninh Hải", "facebook.com/tuoitreninhhai", "Huyện Đoàn Ninh Hải"]]


def form_attachment(
    name: str = "Báo cáo trang mạng xã hội.xlsx", rows: list[list[str]] | None = None
) -> tuple[str, bytes, str]:
    """A small real xlsx as a unit attaches its completed form (same bytes every time)."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    sheet = workbook.active
    sheet.append(["STT", "Tên trang", "Địa chỉ trang (URL/tên miền)", "Cơ quan chủ quản"])
    for number, row in enumerate(rows or DEFAULT_ROWS, start=1):
        sheet.append([number, *row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return name, buffer.getvalue(), XLSX


def make_return(**kwargs) -> bytes:
    """A unit's return: make_mail with its completed form attached (a return carries one)."""
    kwargs.setdefault("attachments", [form_attachment()])
    return make_mail(**kwargs)


# Machine mail of every kind the poller recognises (and never acknowledges): make_mail's
# arguments, by kind.
MACHINE_MAIL = {
    "auto-replied": dict(headers={"Auto-Submitted": "auto-replied"}),
    "auto-generated": dict(headers={"Auto-Submitted": "auto-generated"}),
    "auto-notified": dict(headers={"Auto-Submitted": "auto-notified"}),
    "zimbra vacation": dict(headers={"Auto-Submitted": "auto-replied (zimbra; vacation)"}),
    "precedence bulk": dict(headers={"Precedence": "bulk"}),
    "precedence list": dict(headers={"Precedence": "list"}),
    "precedence junk": dict(headers={"Precedence": "junk"}),
    "list-id": dict(headers={"List-Id": "<tin-tuc.doan.example>"}),
    "list-unsubscribe": dict(headers={"List-Unsubscribe": "<mailto:x@doan.example>"}),
    "suppress": dict(headers={"X-Auto-Response-Suppress": "All"}),
    "exchange ooo": dict(
        subject="Automatic reply: Báo cáo 422",
        headers={"X-MS-Exchange-Inbox-Rules-Loop": "a@doan.example"},
    ),
    "ooo subject": dict(subject="Out of Office: Báo cáo"),
    "vietnamese ooo": dict(subject="Trả lời tự động: Báo cáo"),
    "empty return-path": dict(headers={"Return-Path": "<>"}),
    "mailer-daemon": dict(sender="Mail Delivery System <MAILER-DAEMON@mx.doan.example>"),
    "postmaster": dict(sender="postmaster@doan.example"),
    "noreply": dict(sender="no-reply@facebookmail.example"),
    "our own": dict(message_id="<ack.1@portal.ninhthuan.example>"),
}


def delivery_report(message_id: str) -> bytes:
    """A DSN as Postfix writes it (multipart/report) for the message with message_id."""
    return (
        "From: MAILER-DAEMON@mx.ninhthuan.example (Mail Delivery System)\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver it.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.ninhthuan.example\r\n\r\n"
        f"Final-Recipient: rfc822; {NINH_HAI}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {message_id}\r\nSubject: Re: Bao cao\r\n--b--\r\n"
    ).encode()
