"""How big the database grows in a year, and what retention takes back (README, "Retention").

`python -m bench.storage [--returns 240] [--other-per-return 1.5]` stores a sample of a
province's year through the portal's own intake (the poller's path after the IMAP fetch):
returns of bench.generate (20-row xlsx forms, as units write them) and, beside them, the
other mail a real mailbox gets for each return — newsletters with HTML and a picture,
out-of-office replies with a signature logo, delivery reports quoting the original, all
machine mail. It measures the SQLite file (after VACUUM), runs retention as it would run
180 days later, measures again, and prints the figures scaled to --year-returns (default
100 units x 24 dispatches = 2,400 returns a year). Sizes grow linearly with the count, so
the sample scales; say what was assumed when quoting them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
from pathlib import Path

from bench.database import make_app, migrate, seed_roster
from bench.generate import MAILBOX, return_mail, units
from tests.support.mails import make_mail

PNG = "image/png"


def newsletter(index: int, rnd: random.Random) -> bytes:
    """A list's weekly news: 40 kB of HTML and a 25 kB picture (as such mail is)."""
    html = "<html><body>" + "".join(
        f"<p>Tin {index}.{n}: {rnd.getrandbits(256):x} hoạt động của Đoàn.</p>" for n in range(500)
    )
    return make_mail(
        sender="Bản tin Đoàn <tin-tuc@doan.example>",
        subject=f"Bản tin tuần số {index}",
        headers={"List-Id": "<tin-tuc.doan.example>", "Precedence": "list"},
        body=html[:40_000],
        message_id=f"<news.{index}@doan.example>",
        attachments=[("banner.png", rnd.randbytes(25_000), PNG)],
    )


def out_of_office(index: int, unit, rnd: random.Random) -> bytes:
    return make_mail(
        sender=f"{unit.name} <{unit.email}>",
        subject="Trả lời tự động: Báo cáo theo CV số 422",
        headers={"Auto-Submitted": "auto-replied"},
        body="Tôi đang nghỉ phép đến hết tuần. Trân trọng.",
        message_id=f"<ooo.{index}@doan.example>",
        attachments=[("logo.png", rnd.randbytes(8_000), PNG)],
    )


def bounce(index: int, original: bytes) -> bytes:
    """A delivery report quoting the whole message it could not deliver."""
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.doan.example>\r\n"
        b"To: " + MAILBOX.encode() + b"\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce." + str(index).encode() + b"@mx.doan.example>\r\n"
        b"Date: Mon, 25 Jun 2018 09:30:00 +0000\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        b"\r\nFinal-Recipient: rfc822; x@doan.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--r\r\nContent-Type: message/rfc822\r\n\r\n" + original + b"\r\n--r--\r\n"
    )


def sample(returns: int, other_per_return: float) -> list[bytes]:
    rnd = random.Random(42)
    pool = units(100)
    found = [return_mail(pool[i % len(pool)], i) for i in range(returns)]
    for i in range(round(returns * other_per_return)):
        unit = pool[i % len(pool)]
        kind = i % 3
        if kind == 0:
            found.append(newsletter(i, rnd))
        elif kind == 1:
            found.append(out_of_office(i, unit, rnd))
        else:
            found.append(bounce(i, found[i % returns]))
    return found


def store(app, messages: list[bytes], arrived: dt.datetime) -> None:
    from mailin.imap import Fetched
    from portal.services.intake import handle_batch, process_pending

    with app.app_context():
        for start in range(0, len(messages), 25):
            batch = [
                Fetched(MAILBOX, "INBOX", 1, uid, len(raw), raw, internal_date=arrived)
                for uid, raw in enumerate(messages[start : start + 25], start=start + 1)
            ]
            handle_batch(batch)
        process_pending()


def measure(app, path: Path) -> dict[str, int]:
    from sqlalchemy import func, select, text

    from portal.extensions import db
    from portal.models import Attachment, InboundMessage, InboundStatus

    with app.app_context():
        db.session.execute(text("VACUUM"))
        db.session.commit()

        def bytes_of(*where) -> int:
            raw = db.session.scalar(
                select(func.coalesce(func.sum(func.length(InboundMessage.raw)), 0)).where(*where)
            )
            files = db.session.scalar(
                select(func.coalesce(func.sum(func.length(Attachment.content)), 0))
                .join(InboundMessage)
                .where(*where)
            )
            return int(raw) + int(files)

        return {
            "file": path.stat().st_size,
            "returns": bytes_of(InboundMessage.status == InboundStatus.PROCESSED),
            "other": bytes_of(InboundMessage.status != InboundStatus.PROCESSED),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--returns", type=int, default=240)
    parser.add_argument("--other-per-return", type=float, default=1.5)
    parser.add_argument("--year-returns", type=int, default=2400)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-storage-"))
    path = work / "portal.sqlite3"
    url = f"sqlite:///{path}"
    migrate(url, work / "instance")
    app = make_app(url, work / "instance")
    app.config["MAIL_DAILY_LIMIT"] = 0
    with app.app_context():
        seed_roster(units(100))
    messages = sample(args.returns, args.other_per_return)
    arrived = dt.datetime.now(dt.UTC)
    store(app, messages, arrived)
    before = measure(app, path)

    from portal.services.retention import drop_old_bytes

    with app.app_context():
        report = drop_old_bytes(180, now=arrived + dt.timedelta(days=181))
    after = measure(app, path)
    scale = args.year_returns / args.returns
    mb = 1_000_000

    print(f"sample: {args.returns} returns + {len(messages) - args.returns} other messages")
    print(f"retention dropped the bytes of {report.messages} messages")
    print("| per year (scaled) | database file | returns' mail and files | other mail |")
    print("|---|---|---|---|")
    for label, figures in (("as stored", before), ("after retention", after)):
        file, returns, other = (figures[k] * scale / mb for k in ("file", "returns", "other"))
        print(f"| {label} | {file:.0f} MB | {returns:.0f} MB | {other:.0f} MB |")


if __name__ == "__main__":
    main()
