"""The test mailbox: a real Dovecot folder filled by APPEND, the poller run on it (in this
process or as `flask mailin poll`), and the two units and dispatch most tests start from."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time

from imapclient import IMAPClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import InboundMessage
from portal.services.polling import poll_one_pass
from tests.support.environment import portal_environment
from tests.support.factories import make_dispatch, make_unit
from tests.support.mails import NINH_HAI


def mailbox_settings(dovecot, folder: str) -> dict:
    """The app's settings for reading `folder` of the test Dovecot."""
    return {**dovecot.settings(folder), "MAIL_MESSAGE_ID_DOMAIN": "portal.ninhthuan.example"}


def imap(dovecot) -> IMAPClient:
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=30)
    client.login(dovecot.user, dovecot.password)
    return client


def append(dovecot, folder: str, *messages: bytes) -> None:
    with imap(dovecot) as client:
        for message in messages:
            client.append(folder, message)


def poll(app) -> int:
    with app.app_context():
        return poll_one_pass()


def count(app, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(InboundMessage.id)).where(*where))


def seed_roster(app, open_dispatches: int = 1) -> None:
    """Two units with addresses and dispatch 422 (and more open dispatches if asked)."""
    with app.app_context():
        ninh_son = "huyendoan.ninhson@ninhthuan.example"
        units = [
            make_unit("NHAI", "Huyện Đoàn Ninh Hải", emails=[NINH_HAI]),
            make_unit("NSON", "Huyện Đoàn Ninh Sơn", emails=[ninh_son]),
        ]
        make_dispatch(units=units, message_id="<cv422@tinhdoan.ninhthuan.example>")
        for n in range(open_dispatches - 1):
            issued, deadline = dt.date(2021, 10, 27), dt.date(2021, 11, 10)
            make_dispatch(f"{15 + n}-CV/ĐK", "V/v khác", issued, deadline, units=units)


def poller_env(dovecot, folder: str, database_url: str, instance) -> dict[str, str]:
    """The environment of a poller process run as an installer would run it."""
    return portal_environment(
        {
            "DATABASE_URL": database_url,
            "PORTAL_INSTANCE_PATH": str(instance),
            "SECRET_KEY": "test",
            **dovecot.settings(folder),
            "IMAP_POLL_SECONDS": "1",
            "MAIL_SERVER": "127.0.0.1",  # nobody listens: the poller's outbox pass sends nothing
            "MAIL_PORT": "9",
            "MAIL_DAILY_LIMIT": "0",  # the fault runs send hundreds of acknowledgements at once
        }
    )


POLL = [sys.executable, "-m", "flask", "--app", "wsgi", "mailin", "poll"]


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start_poller(env: dict[str, str]) -> tuple[subprocess.Popen, list[str]]:
    """A `flask mailin poll` process, and the lines it logs (collected as they come)."""
    process = subprocess.Popen(
        POLL, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True).start()
    return process, lines
