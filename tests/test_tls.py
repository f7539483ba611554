"""TLS everywhere, tested (issue 15, the TLS part): IMAP with implicit TLS and STARTTLS, SMTP
on 465 and 587 with a login, certificates verified against a private CA the set-up makes;
a server the machine does not trust is refused with a clear message, nothing read or lost;
a password never goes in clear beyond loopback. Real Dovecot and aiosmtpd, both engines."""

from __future__ import annotations

import ssl
import tempfile
import uuid
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import func, select

from mailin.imap import ImapSession, ImapSettings, MailboxError
from portal.extensions import db
from portal.models import InboundMessage, OutboundMessage, ServiceState
from portal.services.outbox import send_due
from portal.services.polling import poll_one_pass
from tests.support import dovecot as dovecot_server
from tests.support.mails import make_return
from tests.support.smtp import Login, SmtpServer
from tests.support.tls import make_certificates

SMTP_USER, SMTP_PASSWORD = "tuyengiao@ninhthuan.example", "mat-khau-ung-dung"


@pytest.fixture(scope="module")
def certificates():
    return make_certificates(Path(tempfile.mkdtemp(prefix="portal-ca-")))


@pytest.fixture(scope="module")
def tls_dovecot(certificates):
    """A Dovecot presenting a certificate of the private CA: STARTTLS and implicit TLS."""
    server = dovecot_server.start(tls=certificates)
    yield server
    server.stop()


@pytest.fixture
def tls_folder(tls_dovecot, certificates) -> str:
    """A folder holding one return, put there over STARTTLS."""
    name = f"Báo cáo {uuid.uuid4().hex[:8]}"
    client = IMAPClient(tls_dovecot.host, port=tls_dovecot.port, ssl=False)
    client.starttls(ssl.create_default_context(cafile=str(certificates.ca_file)))
    client.login(tls_dovecot.user, tls_dovecot.password)
    client.create_folder(name)
    client.append(name, make_return(subject="Báo cáo CV 422 qua TLS"))
    client.logout()
    return name


def imap_config(server, folder: str, security: str, ca_file: str = "") -> dict:
    port = server.tls_port if security == "ssl" else server.port
    return {
        **server.settings(folder),
        "IMAP_SECURITY": security,
        "IMAP_PORT": port,
        "IMAP_CA_FILE": ca_file,
    }


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(InboundMessage.id)))


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_the_poller_reads_over_tls_with_the_servers_own_ca(
    app, tls_dovecot, tls_folder, certificates, security
):
    app.config.update(imap_config(tls_dovecot, tls_folder, security, str(certificates.ca_file)))
    with app.app_context():
        assert poll_one_pass() == 1
    assert stored(app) == 1


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_certificate_from_an_unknown_ca_is_refused_clearly_and_nothing_is_read(
    app, tls_dovecot, tls_folder, certificates, security, client
):
    app.config.update(imap_config(tls_dovecot, tls_folder, security))  # no IMAP_CA_FILE
    result = app.test_cli_runner().invoke(args=["mailin", "poll", "--once"])
    assert result.exit_code == 1
    assert "chứng chỉ của máy chủ không được tin cậy" in result.output
    assert "certificate verify failed" in result.output
    assert stored(app) == 0
    assert client.get("/healthz").json["mailboxes"][0]["reason"] == "tls"


def test_a_password_is_never_sent_in_clear_beyond_loopback():
    settings = ImapSettings(
        host="mail.tinhdoan.ninhthuan.example", port=143, user="u", password="p", security="none"
    )
    with pytest.raises(MailboxError) as refused:
        ImapSession(settings)  # refused before any connection is made
    assert refused.value.reason == "tls" and "unencrypted" in str(refused.value)


def queue_one(app) -> None:
    with app.app_context():
        db.session.add(
            OutboundMessage(
                to_addresses="huyendoan.ninhhai@ninhthuan.example",
                subject="Xác nhận",
                body_text="Nội dung",
                message_id=f"<{uuid.uuid4().hex}@portal.ninhthuan.example>",
            )
        )
        db.session.commit()


@pytest.fixture(params=["starttls-587", "implicit-465"])
def smtp_tls(request, certificates):
    implicit = request.param == "implicit-465"
    server = SmtpServer(
        login=Login(SMTP_USER, SMTP_PASSWORD), tls=certificates, implicit_tls=implicit
    ).start()
    yield server, implicit
    server.stop()


def smtp_config(server, implicit: bool, ca_file: str = "") -> dict:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": server.port,
        "MAIL_USE_SSL": implicit,
        "MAIL_USE_TLS": not implicit,
        "MAIL_USERNAME": SMTP_USER,
        "MAIL_PASSWORD": SMTP_PASSWORD,
        "MAIL_CA_FILE": ca_file,
    }


def test_mail_goes_out_over_tls_with_a_login(app, smtp_tls, certificates):
    server, implicit = smtp_tls
    app.config.update(smtp_config(server, implicit, str(certificates.ca_file)))
    queue_one(app)
    with app.app_context():
        assert send_due().sent == 1
    assert len(server.messages) == 1 and server.login.attempts == 1


def test_an_smtp_server_with_an_unknown_ca_pauses_the_outbox_and_fails_nothing(app, smtp_tls):
    server, implicit = smtp_tls
    app.config.update(smtp_config(server, implicit))  # no MAIL_CA_FILE
    queue_one(app)
    with app.app_context():
        assert send_due().paused == "tls"
        state = db.session.scalar(select(ServiceState))
        assert "certificate verify failed" in state.last_error
        assert [m.state for m in db.session.scalars(select(OutboundMessage))] == ["queued"]
    assert server.messages == [] and server.login.attempts == 0


def test_an_smtp_password_is_never_sent_in_clear_beyond_loopback(app):
    app.config.update(
        MAIL_SERVER="smtp.tinhdoan.ninhthuan.example",
        MAIL_PORT=25,
        MAIL_USERNAME=SMTP_USER,
        MAIL_PASSWORD=SMTP_PASSWORD,
    )
    queue_one(app)
    with app.app_context():
        assert send_due().paused == "tls"
        assert "unencrypted" in db.session.scalar(select(ServiceState.last_error))
