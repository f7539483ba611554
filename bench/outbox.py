"""Outbox: the queued acknowledgements sent to a local SMTP server (aiosmtpd, from
tests/support/smtp.py) by the outbox sender, against a bare smtplib loop sending the same
bytes over one connection.

Children:
    python -m bench.outbox send            portal.services.outbox.send_due until empty
    python -m bench.outbox floor FILE      smtplib.sendmail of each message kept in FILE
"""

from __future__ import annotations

import os
import pickle
import smtplib
import sys
from pathlib import Path

from bench.child import Timer, emit, profiled


def send() -> None:
    from portal import create_app
    from portal.extensions import db
    from portal.services.outbox import send_due

    app = create_app()
    sent = failed = retrying = 0
    with app.app_context():
        with profiled("outbox"), Timer() as timer:
            while True:
                report = send_due()
                sent, failed, retrying = (
                    sent + report.sent,
                    failed + report.failed,
                    retrying + report.retrying,
                )
                if not (report.sent or report.failed or report.retrying):
                    break
        db.engine.dispose()
    emit({"messages": sent, "failed": failed, "retrying": retrying, "seconds": timer.seconds})


def keep(messages, path: Path) -> None:
    """Write what the SMTP server received (envelope and bytes) for the floor to resend."""
    with open(path, "wb") as handle:
        pickle.dump([(m.sender, m.recipients, m.data) for m in messages], handle)


def floor(path: str) -> None:
    with open(path, "rb") as handle:
        messages = pickle.load(handle)
    with Timer() as timer:
        with smtplib.SMTP(os.environ["MAIL_SERVER"], int(os.environ["MAIL_PORT"])) as server:
            for sender, recipients, data in messages:
                server.sendmail(sender, recipients, data)
    emit({"messages": len(messages), "seconds": timer.seconds})


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send()
    else:
        floor(sys.argv[2])
