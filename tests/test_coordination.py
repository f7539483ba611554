"""Several machines on one PostgreSQL: they share the mailbox and the outbox through the
database (advisory locks, leased outbox rows), and one dying loses nothing.

A "machine" here is an instance folder of its own and its processes, as an installer
would run them: `flask mailin poll` (which also sends after each pass) and a sender
running `flask outbox send` again and again, in one process group, killed together.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboundMessage, OutboundState
from portal.services.outbox import send_due
from tests.conftest import ENGINES, pg_database
from tests.support.counts import assert_all_there_once, received_ids, state
from tests.support.mailbox import POLL, append, poller_env, wait_for
from tests.support.many_units import answering_env, busy_day, mailbox, unit_address

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL is not tested here"),
]
SEND = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send"]
LEASE_SECONDS = 5


@pytest.fixture
def database_url(pg_server, pg_template):
    """This module's tests are about PostgreSQL alone: one migrated database each."""
    with pg_database(pg_server, pg_template) as url:
        yield url


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config | {"OUTBOX_LEASE_SECONDS": LEASE_SECONDS}


class Machine:
    """An instance folder and its poller and sender, in one process group; what they
    print goes to a log file in that folder."""

    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        folder.mkdir()
        self.name, self.log = name, folder / "machine.log"
        env = env | {"PORTAL_INSTANCE_PATH": str(folder)}
        sender_loop = f"while :; do {' '.join(SEND)}; sleep 0.2; done"
        script = f"{' '.join(POLL)} & {sender_loop}"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                ["sh", "-c", script],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as one machine
            )

    def kill(self, signum: int = signal.SIGKILL) -> None:
        os.killpg(self.process.pid, signum)
        self.process.wait()

    def sent_by_its_sender(self) -> int:
        """How many messages the `outbox send` runs of this machine say they sent."""
        return sum(int(n) for n in re.findall(r"Đã gửi (\d+),", self.log.read_text()))


def test_two_machines_share_mailbox_and_outbox_and_one_killed_while_sending_loses_nothing(
    app, dovecot, folder, database_url, tmp_path, smtp
):
    """500 messages, an SMTP server that takes 200 ms a message, two machines. Machine B's
    poller stands by while A's reads; both machines send. A is killed while sending: B's
    poller takes over the mailbox, and the rows A held are sent by B once their lease has
    run out. Every message is stored and read once; every acknowledgement is delivered,
    a second time at most once per send A had under way (same Message-ID)."""
    total = 500
    returns = busy_day(app, dovecot, folder, total)
    smtp.handler.delay = 0.2
    env = answering_env(dovecot, folder, database_url, tmp_path, smtp)
    env["OUTBOX_LEASE_SECONDS"] = str(LEASE_SECONDS)
    a = Machine("A", env, tmp_path / "machine-a")
    assert wait_for(lambda: state(app)["messages"] > 0, 60), a.log.read_text()
    b = Machine("B", env, tmp_path / "machine-b")
    try:
        assert wait_for(lambda: len(smtp.messages) >= 60 and a.sent_by_its_sender() > 0, 240)
        assert wait_for(lambda: b.sent_by_its_sender() > 0, 120), "B's sender never sent"
        a.kill()  # the machine dies: its poller and its sender, mid-send
        in_flight = 2  # A's poller and A's sender may each have had one message at the server

        def finished() -> bool:
            counts = state(app)
            return counts["messages"] == total and counts["new"] == 0 and counts["unsent"] == 0

        assert wait_for(finished, 300), (state(app), b.log.read_text()[-3000:])
    finally:
        for machine in (a, b):
            if machine.process.poll() is None:
                machine.kill(signal.SIGTERM)
    assert "standing by" in b.log.read_text()
    assert_all_there_once(app, dovecot, folder, total, returns)
    sent = received_ids(smtp)
    assert len(sent) == returns, "every return acknowledged"
    repeated = sum(times - 1 for times in sent.values())
    print(
        f"sent twice: {repeated}; A's sender {a.sent_by_its_sender()}, B's {b.sent_by_its_sender()}"
    )
    assert repeated <= in_flight


def test_senders_at_once_send_each_message_once_each_taking_a_share(app, smtp):
    """Three senders in one process (threads, each its own database connection) on 60
    due messages and a server that takes 100 ms each: 60 messages at the server, each
    once, and each sender sent some of them."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_DAILY_LIMIT=0)
    smtp.handler.delay = 0.1
    with app.app_context():
        for n in range(60):
            db.session.add(
                OutboundMessage(
                    to_addresses=unit_address(n % 50), body_text=f"{n}", message_id=f"<{n}@test>"
                )
            )
        db.session.commit()
    reports = []

    def sender() -> None:
        with app.app_context():
            reports.append(send_due())

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(received_ids(smtp).values()) == [1] * 60
    assert len(reports) == 3 and all(report.sent > 0 for report in reports)
    assert sum(report.sent for report in reports) == 60


def test_a_row_another_sender_holds_is_left_alone_until_its_lease_runs_out(app, smtp):
    """A row 'sending' under a lease that still runs is another sender's (perhaps on another
    machine, perhaps slow): not sent again. Once the lease has run out, its sender is taken
    for dead and the row is sent."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        held = OutboundMessage(
            to_addresses=unit_address(1),
            body_text="x",
            state=OutboundState.SENDING,
            claimed_until=now + dt.timedelta(seconds=LEASE_SECONDS),
        )
        db.session.add(held)
        db.session.commit()
        assert send_due(now=now).sent == 0
        assert smtp.messages == []
        later = now + dt.timedelta(seconds=LEASE_SECONDS + 1)
        assert send_due(now=later).sent == 1
        assert db.session.scalar(select(OutboundMessage.state)) == OutboundState.SENT
    assert len(smtp.messages) == 1


def test_a_second_poller_stands_by_and_takes_over_when_the_first_dies(
    app, dovecot, folder, database_url, tmp_path
):
    """Two `mailin poll` on two machines for one mailbox: one reads, the other says it is
    standing by; the reader killed, the other reads the next mail within seconds."""
    env = poller_env(dovecot, folder, database_url, tmp_path)
    a = Machine("A", env, tmp_path / "a")
    assert wait_for(lambda: "IDLE" in a.log.read_text() or "handled" in a.log.read_text(), 60)
    b = Machine("B", env, tmp_path / "b")
    try:
        assert wait_for(lambda: "standing by" in b.log.read_text(), 60), b.log.read_text()
        a.kill()
        messages, _returns = mailbox(3)
        append(dovecot, folder, *messages)
        assert wait_for(lambda: state(app)["messages"] == 3, 60), b.log.read_text()
    finally:
        for machine in (a, b):
            if machine.process.poll() is None:
                machine.kill(signal.SIGTERM)


def test_scheduled_reminders_run_on_one_machine_at_a_time(app):
    """cron's `flask remind` on two machines: while one runs, the other does nothing."""
    from portal.locks import shared_lock

    with app.app_context(), shared_lock("scheduled-reminders") as held:
        assert held
        busy = app.test_cli_runner().invoke(args=["remind"])
    assert "Một máy khác đang gửi thư nhắc hôm nay" in busy.output
    alone = app.test_cli_runner().invoke(args=["remind"])
    assert "0 thư nhắc" in alone.output or "Một máy khác" not in alone.output
