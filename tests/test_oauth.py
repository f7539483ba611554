"""OAuth2 (XOAUTH2) for the mailbox account, on real servers (issue 15, the OAuth part).

Dovecot checks every XOAUTH2 login with its `oauth2` passdb against a token server the tests
run on 127.0.0.1 (tests.support.oauth_server), which also plays the provider's token and
authorization endpoints: short-lived access tokens, refresh tokens it may rotate or refuse.
aiosmtpd takes AUTH XOAUTH2 against the same server. Both database engines.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
from imapclient import IMAPClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import InboundMessage, OAuthToken, OutboundMessage
from portal.services.outbox import send_due
from portal.services.polling import poll_one_pass
from tests.support import dovecot as dovecot_server
from tests.support.environment import portal_environment
from tests.support.mails import make_return
from tests.support.oauth_server import SCOPE, OAuthServer
from tests.support.smtp import Login, SmtpServer

USER = dovecot_server.USER


@pytest.fixture(scope="module")
def provider():
    server = OAuthServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_provider(provider):
    """Each test starts from a provider that answers normally with hour-long tokens."""
    provider.access_lifetime, provider.rotate, provider.refusing = 3600.0, False, False
    provider.refreshes = provider.failed_grants = 0
    provider.revoke_access_tokens()


@pytest.fixture(scope="module")
def oauth_dovecot(provider):
    server = dovecot_server.start(oauth=provider)
    yield server
    server.stop()


@pytest.fixture
def folder(oauth_dovecot) -> str:
    name = f"Báo cáo {uuid.uuid4().hex[:8]}"
    client = imap(oauth_dovecot)
    client.create_folder(name)
    client.logout()
    return name


@pytest.fixture
def smtp_oauth(provider):
    server = SmtpServer(login=Login(USER, "mat-khau-khong-dung-den", oauth=provider)).start()
    yield server
    server.stop()


def imap(server) -> IMAPClient:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.user, server.password)  # the test's own door: a password
    return client


def deliver(server, folder: str, count: int) -> None:
    client = imap(server)
    for n in range(count):
        client.append(folder, make_return(subject=f"Báo cáo CV 422 số {uuid.uuid4().hex[:6]}-{n}"))
    client.logout()


def oauth_settings(provider, refresh_token: str, dovecot=None, folder="", smtp=None) -> dict:
    settings = {
        "IMAP_AUTH": "oauth2",
        "MAIL_AUTH": "oauth2",
        "OAUTH2_PROVIDER": "custom",
        "OAUTH2_CLIENT_ID": provider.client_id,
        "OAUTH2_CLIENT_SECRET": provider.client_secret,
        "OAUTH2_REFRESH_TOKEN": refresh_token,
        "OAUTH2_TOKEN_URL": provider.token_url,
        "OAUTH2_AUTHORIZE_URL": provider.authorize_url,
        "OAUTH2_SCOPE": SCOPE,
    }
    if dovecot is not None:
        settings |= {**dovecot.settings(folder), "IMAP_PASSWORD": ""}  # no password at all
    if smtp is not None:
        settings |= {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
            "MAIL_USERNAME": USER,
            "MAIL_PASSWORD": "",
        }
    return settings


def stored(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(InboundMessage.subject)))


def queue(app, count: int) -> None:
    with app.app_context():
        db.session.add_all(
            OutboundMessage(
                to_addresses=f"donvi{uuid.uuid4().hex[:8]}@ninhthuan.example",
                subject=f"Xác nhận {n}",
                body_text="Nội dung",
                message_id=f"<{uuid.uuid4().hex}@portal.ninhthuan.example>",
            )
            for n in range(count)
        )
        db.session.commit()


def outbox_states(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutboundMessage.state)))


def test_tokens_that_expire_during_the_run_are_refreshed_and_nothing_is_lost(
    app, provider, oauth_dovecot, folder, smtp_oauth
):
    # Six-second tokens: refreshed 1.5 s before they end, so every pass below fits in one.
    provider.access_lifetime = 6
    app.config.update(
        oauth_settings(provider, provider.grant(USER), oauth_dovecot, folder, smtp_oauth)
    )
    deliver(oauth_dovecot, folder, 3)
    with app.app_context():
        assert poll_one_pass() == 3
    queue(app, 5)
    with app.app_context():
        assert send_due().sent == 5  # the same token: still valid
    assert provider.refreshes == 1

    time.sleep(6.2)  # the access token has expired on the provider's clock
    deliver(oauth_dovecot, folder, 2)
    with app.app_context():
        assert poll_one_pass() == 2  # refreshed before the login, not after a refusal
    assert provider.refreshes == 2 and provider.failed_grants == 0

    provider.revoke_access_tokens()  # refused before its time: refreshed once, login again
    deliver(oauth_dovecot, folder, 1)
    with app.app_context():
        assert poll_one_pass() == 1
    assert provider.refreshes == 3

    provider.revoke_access_tokens()
    queue(app, 5)
    attempts_before = smtp_oauth.login.attempts
    with app.app_context():
        assert send_due().sent == 5
    assert provider.refreshes == 4
    assert smtp_oauth.login.attempts - attempts_before == 2  # refused once, then accepted

    assert len(stored(app)) == len(set(stored(app))) == 6
    assert outbox_states(app) == ["sent"] * 10
    received = [m.message["Message-ID"] for m in smtp_oauth.messages]
    assert len(received) == len(set(received)) == 10  # each once


def poll_process(env: dict) -> subprocess.CompletedProcess:
    """`flask mailin poll --once` in its own process: a restart between two runs."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mailin", "poll", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_rotated_refresh_token_is_stored_and_used_after_a_restart(
    app, provider, oauth_dovecot, folder, database_url, tmp_path
):
    provider.rotate = True  # Microsoft's way: each refresh answers a new refresh token
    first = provider.grant(USER)
    settings = oauth_settings(provider, first, oauth_dovecot, folder)
    env = portal_environment(
        {
            **settings,
            "DATABASE_URL": database_url,
            "PORTAL_INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test",
            "MAIL_DAILY_LIMIT": "0",
        }
    )
    deliver(oauth_dovecot, folder, 1)
    run = poll_process(env)
    assert run.returncode == 0, run.stderr
    with app.app_context():
        kept = db.session.scalar(select(OAuthToken))
        assert kept.refresh_token not in ("", first)  # the rotated one, stored
        assert first not in kept.account  # stored under a digest, not the token itself

    provider.revoke_access_tokens()  # the next start must refresh, with the new token
    deliver(oauth_dovecot, folder, 1)
    run = poll_process(env)  # a new process, the settings still holding the first token
    assert run.returncode == 0, run.stderr
    assert provider.failed_grants == 0  # the first token (now dead) was never offered
    assert provider.refreshes == 2
    assert len(stored(app)) == 2


def test_a_refused_refresh_shows_on_the_overview_and_in_healthz_and_loses_nothing(
    app, provider, oauth_dovecot, folder, smtp_oauth, client, as_role
):
    refresh = provider.grant(USER)
    app.config.update(oauth_settings(provider, refresh, oauth_dovecot, folder, smtp_oauth))
    provider.refusing = True  # consent withdrawn, or the token expired from disuse
    deliver(oauth_dovecot, folder, 2)
    queue(app, 3)
    result = app.test_cli_runner().invoke(args=["mailin", "poll", "--once"])
    assert result.exit_code == 1
    assert "OAuth2" in result.output and "invalid_grant" in result.output
    with app.app_context():
        assert send_due().paused == "oauth"
    assert outbox_states(app) == ["queued"] * 3 and stored(app) == []

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["mailboxes"][0]["reason"] == "oauth"
    assert health.json["outbox"]["reason"] == "oauth"
    assert refresh not in health.text and provider.client_secret not in health.text
    as_role("viewer")
    page = client.get("/admin/").text
    assert "từ chối quyền truy cập OAuth2" in page and "mail-oauth" in page
    assert refresh not in page

    # The administrator runs `flask mail-oauth` again: a new refresh token in the settings.
    provider.refusing = False
    app.config["OAUTH2_REFRESH_TOKEN"] = provider.grant(USER)
    with app.app_context():
        assert poll_one_pass() == 2  # and the pass's outbox run: new settings lift the pause
        send_due()
    assert outbox_states(app) == ["sent"] * 3
    assert client.get("/healthz").status_code == 200
    assert "OAuth2" not in client.get("/admin/").text
    assert len(smtp_oauth.messages) == 3


def test_oauth2_without_its_settings_says_what_is_missing(app, oauth_dovecot, folder):
    app.config.update(
        {**oauth_dovecot.settings(folder), "IMAP_AUTH": "oauth2", "OAUTH2_PROVIDER": "microsoft"}
    )
    result = app.test_cli_runner().invoke(args=["mailin", "poll", "--once"])
    assert result.exit_code == 1
    assert "OAUTH2_CLIENT_ID" in result.output and "OAUTH2_TENANT" in result.output
    assert "mail-oauth" in result.output


def read_until(stream, marker: str, lines: list[str], seconds: float = 60) -> str:
    """Lines of a running command, collected until one holding `marker`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return line
    raise AssertionError("".join(lines))


@pytest.mark.parametrize("paste", [False, True], ids=["loopback redirect", "pasted address"])
def test_mail_oauth_walks_the_administrator_to_a_refresh_token(
    app, provider, oauth_dovecot, folder, database_url, tmp_path, paste
):
    settings = oauth_settings(provider, "")
    env = portal_environment(
        {
            **settings,
            "DATABASE_URL": database_url,
            "PORTAL_INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test",
            "PYTHONUNBUFFERED": "1",
        }
    )
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "mail-oauth", "--port", "0"]
    process = subprocess.Popen(
        command + (["--paste"] if paste else []),
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        consent = read_until(process.stdout, provider.authorize_url, lines).strip()
        assert "code_challenge=" in consent and "state=" in consent  # PKCE, and a state
        if paste:
            # The browser ends on the loopback address (nobody listens where it runs).
            answer = requests.get(consent, allow_redirects=False, timeout=30)
            process.stdin.write(answer.headers["Location"] + "\n")
            process.stdin.flush()
        else:
            read_until(process.stdout, "127.0.0.1:", lines)
            # The administrator's browser: consent, then sent back to the command.
            page = requests.get(consent, timeout=30)
            assert page.status_code == 200 and "Đã nhận mã cấp quyền" in page.text
        out, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    output = "".join(lines) + out
    assert process.returncode == 0, output
    printed = dict(
        line.strip().split("=", 1) for line in output.splitlines() if line.startswith("OAUTH2_")
    )
    assert printed["OAUTH2_PROVIDER"] == "custom" and "IMAP_AUTH=oauth2" in output
    assert provider.client_secret not in output  # the secret is not printed back

    # What it printed works: the poller logs in with it.
    app.config.update(
        oauth_settings(provider, printed["OAUTH2_REFRESH_TOKEN"], oauth_dovecot, folder)
    )
    deliver(oauth_dovecot, folder, 1)
    with app.app_context():
        assert poll_one_pass() == 1


def test_two_processes_refresh_once_between_them(app, provider, oauth_dovecot, folder):
    """The poller and the outbox (or the web app) needing a token at the same moment: one
    refresh, both get the same token; with rotation, nobody is left holding a dead one."""
    provider.rotate = True
    app.config.update(oauth_settings(provider, provider.grant(USER)))
    from portal.services import oauth

    tokens: list[str] = []

    def take() -> None:
        with app.app_context():
            tokens.append(oauth.access_token(app.config))

    workers = [threading.Thread(target=take) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert len(tokens) == 4 and len(set(tokens)) == 1
    assert provider.refreshes == 1 and provider.failed_grants == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(OAuthToken.id))) == 1
