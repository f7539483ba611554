"""Test emails as units, machines and attackers really send them (bytes, CRLF)."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def make_mail(
    sender: str = "Huyện Đoàn Ninh Hải <huyendoan.ninhhai@ninhthuan.example>",
    subject: str = "Báo cáo theo CV số 422",
    body: str = "Kính gửi Ban Tuyên giáo,",
    to: str = "tuyengiao@ninhthuan.example",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    date: dt.datetime | None = None,
) -> bytes:
    """A message as a mail client writes it; attachments are (filename, bytes, type)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or dt.datetime(2018, 6, 25, 9, 30, tzinfo=dt.UTC))
    message["Message-ID"] = message_id or make_msgid(domain="ninhthuan.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
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
