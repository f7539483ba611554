"""Many units on dispatch 422, each writing from its own address, and a mailbox of their
returns: the load the fault and backup tests put on the poller."""

from __future__ import annotations

from tests.support.factories import make_dispatch, make_unit
from tests.support.mailbox import append, poller_env
from tests.support.mails import form_attachment, make_mail

UNITS = 50


def unit_address(n: int) -> str:
    return f"doancoso{n:02d}@ninhthuan.example"


def seed_units(app, units: int = UNITS) -> None:
    """Dispatch 422 with `units` units on its roster, each with its own address."""
    with app.app_context():
        roster = [
            make_unit(f"DCS{n:02d}", f"Đoàn cơ sở số {n}", emails=[unit_address(n)])
            for n in range(units)
        ]
        make_dispatch(units=roster)


def mailbox(total: int, units: int = UNITS) -> tuple[list[bytes], int]:
    """`total` messages: returns with a two-row form from the units in turn, and one in
    twenty an out-of-office reply (machine mail). Also how many are returns."""
    messages, returns = [], 0
    for n in range(total):
        sender = f"Đoàn cơ sở số {n % units} <{unit_address(n % units)}>"
        if n % 20 == 19:
            messages.append(
                make_mail(
                    sender=sender,
                    subject=f"Trả lời tự động: vắng mặt {n}",
                    headers={"Auto-Submitted": "auto-replied"},
                )
            )
            continue
        rows = [
            [f"Trang tin Đoàn cơ sở {n}", f"facebook.com/doancoso{n}", "Đoàn cơ sở"],
            [f"Cổng thông tin {n}", f"doancoso{n}.ninhthuan.example", "UBND xã"],
        ]
        messages.append(
            make_mail(
                sender=sender,
                subject=f"Báo cáo theo CV số 422 — lần {n}",
                attachments=[form_attachment(rows=rows)],
            )
        )
        returns += 1
    return messages, returns


def busy_day(app, dovecot, folder: str, total: int) -> int:
    """The units and dispatch 422 seeded, `total` messages in the mailbox (mailbox()); how
    many of them are returns."""
    seed_units(app)
    messages, returns = mailbox(total)
    append(dovecot, folder, *messages)
    return returns


def answering_env(dovecot, folder: str, database_url: str, instance, smtp) -> dict[str, str]:
    """A poller's environment that sends to `smtp`, with no per-sender reply limit (one
    address stands for many returns here)."""
    return poller_env(dovecot, folder, database_url, instance) | {
        "MAIL_PORT": str(smtp.port),
        "ACK_LIMIT": "1000",
    }
