"""The poller's health, visible (issue 15, the health part): each pass recorded per mailbox,
the overview's line and /healthz turn red when the mailbox cannot be read, green again once
it can. A real Dovecot whose password is changed on the server; both engines."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from mailin.imap import MailboxError
from portal.database import utcnow
from portal.extensions import db
from portal.services.health import health_report
from portal.services.polling import poll_one_pass


@pytest.fixture
def own_account(app, dovecot):
    """A mailbox account of this test's own on the shared Dovecot (its password is changed
    here, so no other test may use it); the app configured to read it. Yields a function
    that sets the password on the server."""
    user = f"kiemtra.{uuid.uuid4().hex[:8]}@ninhthuan.example"
    users = dovecot.root / "users"
    original = users.read_text()

    def write(text: str) -> None:
        # Dovecot re-reads the file when its modification time changes: make sure it does,
        # even for two writes within one second.
        stamp = max(users.stat().st_mtime + 2, time.time())
        users.write_text(text)
        os.utime(users, (stamp, stamp))

    def logs_in(password: str) -> bool:
        client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=10)
        try:
            client.login(user, password)
        except LoginError:
            return False
        finally:
            client.shutdown()
        return True

    def set_password(password: str) -> None:
        """Change it on the server, and wait until the server goes by the new one (its
        auth process looks at the file again within a few seconds)."""
        write(original + f"{user}:{{PLAIN}}{password}\n")
        deadline = time.monotonic() + 15
        while not logs_in(password):
            assert time.monotonic() < deadline, "Dovecot did not take the new password"
            time.sleep(0.2)

    set_password("mat-khau-cu")
    app.config.update(
        {**dovecot.settings("INBOX"), "IMAP_USER": user, "IMAP_PASSWORD": "mat-khau-cu"}
    )
    yield set_password
    write(original)


def healthz(client):
    response = client.get("/healthz")
    return response.status_code, response.json


def test_nothing_read_yet_is_not_healthy(client):
    status, report = healthz(client)
    assert status == 503 and report["mailboxes"] == [] and report["database"] == "ok"


def test_the_mailbox_line_turns_red_on_a_changed_password_and_green_once_fixed(
    app, own_account, client, as_role
):
    with app.app_context():
        poll_one_pass()
    status, report = healthz(client)
    assert status == 200 and report["mailboxes"][0]["ok"]
    as_role("viewer")
    assert "đọc lần cuối lúc" in client.get("/admin/").text

    own_account("mat-khau-moi")  # someone changed the password at the provider
    with app.app_context(), pytest.raises(MailboxError) as failure:
        poll_one_pass()
    assert failure.value.reason == "auth"
    status, report = healthz(client)
    assert status == 503 and report["mailboxes"][0] == {
        **report["mailboxes"][0],
        "ok": False,
        "reason": "auth",
    }
    assert "mat-khau" not in str(report)  # no secret in it
    page = client.get("/admin/").text
    assert "cần kiểm tra" in page and "máy chủ từ chối đăng nhập" in page

    app.config["IMAP_PASSWORD"] = "mat-khau-moi"  # fixed in the settings
    with app.app_context():
        poll_one_pass()
    assert healthz(client)[0] == 200
    assert "cần kiểm tra" not in client.get("/admin/").text


def test_a_poller_silent_for_too_long_is_red(app, own_account):
    app.config["HEALTH_MAX_SILENCE_MINUTES"] = 30
    with app.app_context():
        poll_one_pass()
        assert health_report()[0]
        later = utcnow() + dt.timedelta(minutes=31)
        healthy, report = health_report(now=later)
        assert not healthy and not report["mailboxes"][0]["ok"]
        assert report["mailboxes"][0]["seconds_since_last_success"] >= 31 * 60


def test_poll_once_exits_non_zero_when_it_cannot_log_in(app, own_account):
    own_account("khac")
    result = app.test_cli_runner().invoke(args=["mailin", "poll", "--once"])
    assert result.exit_code == 1
    assert "Không đọc được hộp thư" in result.output and "từ chối đăng nhập" in result.output
    with app.app_context():
        db.session.remove()
