"""The poller's IDLE on a real Dovecot: a server that says BYE, or a connection that closes
under it, ends the wait at once and the poller reconnects (imapclient reads an end of file
during IDLE as "no news", which would otherwise spin on a dead socket until the interval
ends). Pure mailin: the ledger and the handler are the library's own interfaces."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mailin.imap import ImapSession, ImapSettings
from mailin.poller import Poller
from tests.support import dovecot as dovecot_server
from tests.support.mailbox import wait_for
from tests.support.mails import make_return


@pytest.fixture(scope="module")
def server():
    started = dovecot_server.start()
    yield started
    started.stop()


class MemoryLedger:
    def __init__(self) -> None:
        self.uids: dict[tuple, int] = {}

    def last_uid(self, mailbox: str, folder: str, uidvalidity: int) -> int:
        return self.uids.get((mailbox, folder, uidvalidity), 0)

    def advance(self, fetched) -> None:
        key = (fetched.mailbox, fetched.folder, fetched.uidvalidity)
        self.uids[key] = max(self.uids.get(key, 0), fetched.uid)


def imap_processes(server) -> list[int]:
    """Dovecot's `imap` processes (one per logged-in connection), not its login processes."""
    master = int((server.root / "run" / "master.pid").read_text())
    found = []
    for pid in dovecot_server.children(master):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        if command.endswith(b"/imap") or command == b"dovecot/imap":
            found.append(pid)
    return found


@pytest.mark.parametrize(
    "ending",
    [
        pytest.param(signal.SIGTERM, id="the server says BYE"),
        pytest.param(signal.SIGKILL, id="the connection just closes"),
    ],
)
def test_a_connection_ended_during_idle_reconnects_at_once(server, ending):
    folder = f"Idle{ending.value}"
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.user, server.password)
    client.create_folder(folder)
    client.append(folder, make_return(subject="trước khi chờ"))
    client.logout()
    settings = ImapSettings(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        security="none",
        folder=folder,
    )
    opened: list[ImapSession] = []
    stored: list = []

    def open_session() -> ImapSession:
        opened.append(ImapSession(settings))
        return opened[-1]

    # A long interval: only a reconnect, not the end of the wait, can bring the second mail.
    poller = Poller(open_session, MemoryLedger(), stored.extend, poll_seconds=300)
    thread = threading.Thread(target=poller.run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: stored and opened[-1].idle_announced, 30)
        time.sleep(0.5)  # inside idle_check by now
        for pid in imap_processes(server):
            os.kill(pid, ending)
        client = IMAPClient(server.host, port=server.port, ssl=False)
        client.login(server.user, server.password)
        client.append(folder, make_return(subject="sau khi kết nối bị đóng"))
        client.logout()
        assert wait_for(lambda: len(opened) >= 2, 20), "still waiting on a dead connection"
        assert wait_for(lambda: len(stored) == 2, 30)
    finally:
        poller.stop.set()
        thread.join(30)
    assert [fetched.uid for fetched in stored] == [1, 2]  # each once
