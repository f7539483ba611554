"""The demo's mailbox: a private Dovecot under instance/demo-imap with sample returns.

`python -m tests.support.demo_mailbox` starts it (or finds it running), puts the sample
mail in the first time, and prints the IMAP_* settings as shell exports for `make demo`;
`--stop` stops it.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import sys
from pathlib import Path

from imapclient import IMAPClient

from portal.i18n import VIETNAM
from tests.support import demo_smtp, dovecot
from tests.support.mails import form_attachment, make_mail

ROOT = Path(__file__).resolve().parents[2] / "instance" / "demo-imap"
PORT = int(os.environ.get("DEMO_IMAP_PORT", "11143"))
PROCESSED = "Đã xử lý"


TRUSTED = "mx.ninhthuan.example"  # the demo mailbox's own receiving server (MAILIN_AUTHSERV_ID)


def _passed(domain: str = "ninhthuan.example") -> dict[str, str]:
    """The header our receiving server writes on genuine mail from `domain`."""
    return {
        "Authentication-Results": f"{TRUSTED}; spf=pass smtp.mailfrom={domain}; "
        f"dkim=pass header.d={domain}; dmarc=pass header.from={domain}"
    }


def sample_mail(now: dt.datetime | None = None) -> list[tuple[bytes, dt.datetime]]:
    """(message, arrival time) pairs: a department in the middle of dispatch 422 (see
    portal/demo), with the mail no one should answer among them. Arrival times are days
    before `now`; the bytes do not depend on them, so a second run stores nothing twice."""
    now = now or dt.datetime.now(dt.UTC)

    def ago(days: int, hour: int, minute: int = 0) -> dt.datetime:
        local = (now.astimezone(VIETNAM) - dt.timedelta(days=days)).replace(
            hour=hour, minute=minute, second=0, microsecond=0
        )
        return local.astimezone(dt.UTC)

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
            ["Nhóm Zalo Tuổi trẻ Phan Rang", "zalo.me/g/tuoitreprtc", "Thành Đoàn"],
            ["", "chưa có", ""],
        ],
    )
    syt = form_attachment(
        "Fanpage Đoàn Sở Y tế.xlsx",
        [["Đoàn Thanh niên Sở Y tế Ninh Thuận", "facebook.com/doanthanhniensyt", "Sở Y tế"]],
    )
    bvdk = form_attachment(
        "Fanpage Đoàn BVĐK.xlsx",
        [["Tuổi trẻ Bệnh viện Đa khoa tỉnh", "facebook.com/tuoitrebvdkninhthuan", "BVĐK"]],
    )
    cv422 = "<cv422.demo@tinhdoan.ninhthuan.example>"
    thread = {"In-Reply-To": cv422, "References": cv422}
    return [
        (
            make_mail(
                subject="Báo cáo theo CV số 422",
                attachments=[ninh_hai],
                message_id="<demo.1@ninhthuan.example>",
                headers=_passed(),
            ),
            ago(6, 9, 15),
        ),
        (
            make_mail(
                sender="Huyện Đoàn Ninh Hải <huyendoan.ninhhai@ninhthuan.example>",
                subject="Re: Báo cáo theo CV số 422",
                body="Đã nhận, cảm ơn Ban.\n\nHuyện Đoàn Ninh Hải",
                message_id="<demo.7@ninhthuan.example>",
                headers=_passed() | {"In-Reply-To": "<demo.1@ninhthuan.example>"},
            ),
            ago(6, 16, 5),
        ),
        (
            make_mail(
                sender="Thành Đoàn Phan Rang – Tháp Chàm <thanhdoan.prtc@ninhthuan.example>",
                subject="Re: 422-CV/TĐTN-TG báo cáo trang thông tin điện tử",
                attachments=[prtc],
                message_id="<demo.2@ninhthuan.example>",
                headers=_passed() | thread,
            ),
            ago(4, 14, 40),
        ),
        (
            make_mail(
                sender="Đoàn cơ sở Sở Y tế <doan.syt@ninhthuan.example>",
                subject="Báo cáo lập fanpage theo công văn DK-FANPAGE-2021",
                attachments=[syt],
                message_id="<demo.3@ninhthuan.example>",
                headers=_passed(),
            ),
            ago(9, 10, 30),
        ),
        (
            make_mail(
                sender="Đoàn cơ sở Bệnh viện Đa khoa tỉnh <doan.bvdk@ninhthuan.example>",
                subject="Báo cáo fanpage (DK-FANPAGE-2021) - xin lỗi vì gửi chậm",
                attachments=[bvdk],
                message_id="<demo.8@ninhthuan.example>",
                headers=_passed(),
            ),
            ago(1, 11, 0),
        ),
        (
            make_mail(
                sender="Một bạn đoàn viên <doanvien.nguyen@gmail.example>",
                subject="Gửi báo cáo của chi đoàn",
                attachments=[form_attachment("chi doan.xlsx")],
                message_id="<demo.4@gmail.example>",
                headers=_passed("gmail.example"),
            ),
            ago(2, 20, 10),
        ),
        (
            make_mail(
                sender="Huyện Đoàn Ninh Sơn <huyendoan.ninhson@ninhthuan.example>",
                subject="Trả lời tự động: Báo cáo 422",
                headers={"Auto-Submitted": "auto-replied"},
                body="Tôi đang đi công tác đến hết tuần.",
                message_id="<demo.5@ninhthuan.example>",
            ),
            ago(3, 7, 45),
        ),
        (
            make_mail(
                sender="Huyện Đoàn Bác Ái <huyendoan.bacai@ninhthuan.example>",
                subject="Báo cáo CV 422",
                body="Gửi bản scan báo cáo.",
                attachments=[("scan.pdf", b"%PDF-1.4\n% ban scan\n", "application/pdf")],
                message_id="<demo.6@ninhthuan.example>",
                headers=_passed(),
            ),
            ago(2, 15, 20),
        ),
        (
            make_mail(
                sender="Huyện Đoàn Ninh Phước <huyendoan.ninhphuoc@ninhthuan.example>",
                subject="Hỏi về biểu mẫu CV 422",
                body="Kính gửi Ban Tuyên giáo,\n\nĐơn vị có 2 nhóm Zalo của chi đoàn, "
                "xin hỏi có cần kê khai vào biểu mẫu không, và cột “Loại hình” ghi thế nào?"
                "\n\nTrân trọng,\nHuyện Đoàn Ninh Phước",
                message_id="<demo.9@ninhthuan.example>",
                headers=_passed() | thread,
            ),
            ago(1, 8, 20),
        ),
        (
            make_mail(  # claims Thuận Nam's address; our server says it is forged
                sender="Huyện Đoàn Thuận Nam <huyendoan.thuannam@ninhthuan.example>",
                subject="Báo cáo CV 422 (bản cập nhật)",
                attachments=[form_attachment("bao cao Thuan Nam.xlsx")],
                message_id="<demo.10@mail-ninhthuan.example>",
                headers={
                    "Authentication-Results": f"{TRUSTED}; spf=fail smtp.mailfrom="
                    "ninhthuan.example; dkim=none; dmarc=fail header.from=ninhthuan.example"
                },
            ),
            ago(1, 22, 50),
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
    for message, arrived in sample_mail():
        client.append("INBOX", message, msg_time=arrived)
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
        "MAILIN_AUTHSERV_ID": TRUSTED,
    }
    return "\n".join(f"export {name}={shlex.quote(str(value))}" for name, value in settings.items())


if __name__ == "__main__":
    if "--stop" in sys.argv:
        dovecot.Dovecot(root=ROOT, host="127.0.0.1", port=PORT).stop()
    else:
        print(exports(start()))
