"""The demo's mailbox: a private Dovecot under instance/demo-imap with sample returns.

`python -m tests.support.demo_mailbox` starts it (or finds it running), puts the sample
mail in the first time, and prints the IMAP_* settings as shell exports for `make demo`;
`--stop` stops it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from imapclient import IMAPClient

from tests.support import demo_smtp, dovecot
from tests.support.mails import form_attachment, make_mail

ROOT = Path(__file__).resolve().parents[2] / "instance" / "demo-imap"
PORT = int(os.environ.get("DEMO_IMAP_PORT", "11143"))
PROCESSED = "Đã xử lý"


def sample_mail() -> list[bytes]:
    """Returns as units send them, with the mail no one should answer among them. The bytes
    are the same every time, so a second demo run stores nothing twice."""
    ninh_hai = form_attachment(
        "Báo cáo trang mạng xã hội - Ninh Hải.xlsx",
        [
            [
                "Tuổi trẻ Ninh Hải",
                "https://m.facebook.com/tuoitreninhhai?fbclid=IwAR0x",
                "Huyện Đoàn Ninh Hải",
            ],
            ["Cổng thông tin điện tử huyện Ninh Hải", "ninhhai.ninhthuan.gov.vn", "UBND huyện"],
            ["Đoàn xã Vĩnh Hải", "facebook.com/profile.php?id=100012345678", "Đoàn xã Vĩnh Hải"],
            ["Tuổi trẻ Ninh Hải TikTok", "tiktok.com/@tuoitreninhhai", "Huyện Đoàn Ninh Hải"],
            ["Ban Tuyên giáo TW Đoàn", "https://www.facebook.com/bantuyengiaotwd/", ""],
        ],
    )
    prtc = form_attachment(
        "TD PRTC - danh sach trang.xlsx",
        [
            ["Thành Đoàn Phan Rang – Tháp Chàm", "fb.com/thanhdoanprtc", "Thành Đoàn"],
            ["Website Thành Đoàn", "thanhdoanprtc.com", "Thành Đoàn"],
            ["", "chưa có", ""],
        ],
    )
    syt = form_attachment(
        "Fanpage Đoàn Sở Y tế.xlsx",
        [
            ["Đoàn Thanh niên Sở Y tế Ninh Thuận", "facebook.com/doanthanhniensyt", "Sở Y tế"],
        ],
    )
    return [
        make_mail(
            subject="Báo cáo theo CV số 422",
            attachments=[ninh_hai],
            message_id="<demo.1@ninhthuan.example>",
        ),
        make_mail(
            sender="Thành Đoàn Phan Rang – Tháp Chàm <thanhdoan.prtc@ninhthuan.example>",
            subject="Re: 422-CV/TĐTN-TG báo cáo trang thông tin điện tử",
            attachments=[prtc],
            message_id="<demo.2@ninhthuan.example>",
        ),
        make_mail(
            sender="Đoàn cơ sở Sở Y tế <doan.syt@ninhthuan.example>",
            subject="Báo cáo lập fanpage theo công văn DK-FANPAGE-2021",
            attachments=[syt],
            message_id="<demo.3@ninhthuan.example>",
        ),
        make_mail(
            sender="Một bạn đoàn viên <doanvien.nguyen@gmail.example>",
            subject="Gửi báo cáo của chi đoàn",
            attachments=[form_attachment("chi doan.xlsx")],
            message_id="<demo.4@gmail.example>",
        ),
        make_mail(
            sender="Huyện Đoàn Ninh Sơn <huyendoan.ninhson@ninhthuan.example>",
            subject="Trả lời tự động: Báo cáo 422",
            headers={"Auto-Submitted": "auto-replied"},
            body="Tôi đang đi công tác đến hết tuần.",
            message_id="<demo.5@ninhthuan.example>",
        ),
        make_mail(
            sender="Huyện Đoàn Bác Ái <huyendoan.bacai@ninhthuan.example>",
            subject="Báo cáo CV 422",
            body="Gửi bản scan báo cáo.",
            attachments=[("scan.pdf", b"%PDF-1.4\n% ban scan\n", "application/pdf")],
            message_id="<demo.6@ninhthuan.example>",
        ),
    ]


def start() -> dovecot.Dovecot:
    """A fresh demo mailbox holding the sample mail (a running one is stopped first).

    The sample bytes are the same every run, so the intake stores nothing twice.
    """
    dovecot.Dovecot(root=ROOT, host="127.0.0.1", port=PORT).stop()
    shutil.rmtree(ROOT, ignore_errors=True)
    server = dovecot.start(ROOT, PORT)
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=30)
    client.login(server.user, server.password)
    for message in sample_mail():
        client.append("INBOX", message)
    client.logout()
    return server


def exports(server: dovecot.Dovecot) -> str:
    settings = {
        "IMAP_HOST": server.host,
        "IMAP_PORT": server.port,
        "IMAP_USER": server.user,
        "IMAP_PASSWORD": server.password,
        "IMAP_SECURITY": "none",
        "IMAP_FOLDER": "INBOX",
        "IMAP_PROCESSED_FOLDER": PROCESSED,
        "IMAP_POLL_SECONDS": 10,
        # Outgoing mail goes to the demo's SMTP server (tests/support/demo_smtp.py).
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": demo_smtp.PORT,
        "MAIL_DEFAULT_SENDER": f"Ban Tuyên giáo, Tỉnh Đoàn Ninh Thuận <{server.user}>",
        "MAIL_MESSAGE_ID_DOMAIN": "portal.ninhthuan.example",
    }
    return "\n".join(f"export {name}={shlex.quote(str(value))}" for name, value in settings.items())


if __name__ == "__main__":
    if "--stop" in sys.argv:
        dovecot.Dovecot(root=ROOT, host="127.0.0.1", port=PORT).stop()
    else:
        print(exports(start()))
