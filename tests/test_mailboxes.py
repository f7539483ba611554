"""Several mailboxes: the environment's and those staff add in the admin, read by one poller,
each on its own, so that one failing mailbox never delays the others. Real Dovecot (one
account, a folder per mailbox), real SMTP server, both engines."""

from __future__ import annotations

import signal
import uuid

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    InboundMessage,
    InboundStatus,
    Mailbox,
    OutboundMessage,
    OutboundState,
    ServiceState,
)
from portal.services.overview import service_lines
from tests.conftest import PASSWORD, login
from tests.support.browser import shot
from tests.support.database import all_text_in_database
from tests.support.mailbox import (
    NINH_HAI,
    append,
    count,
    imap,
    poller_env,
    seed_roster,
    start_poller,
    wait_for,
)
from tests.support.mails import make_return
from tests.support.smtp import Login, SmtpServer, use_smtp

SECRET_VARIABLE = "PORTAL_TEST_GOV_SECRET"


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config  # the environment's mailbox: the test's folder


def new_folder(dovecot) -> str:
    name = f"Hộp thư gov {uuid.uuid4().hex[:8]}"
    with imap(dovecot) as client:
        client.create_folder(name)
    return name


def add_mailbox(app, dovecot, folder: str, name: str, secret_from: str, **fields) -> None:
    """A mailbox staff added in the admin, on the same Dovecot account, another folder."""
    with app.app_context():
        db.session.add(
            Mailbox(
                name=name,
                host=dovecot.host,
                port=dovecot.port,
                security="none",
                user=dovecot.user,
                folder=folder,
                secret_from=secret_from,
                **fields,
            )
        )
        db.session.commit()


def stored_in(app, folder: str) -> int:
    return count(app, InboundMessage.folder == folder)


def failing(app) -> dict[str, str]:
    """The mailboxes the overview shows red, by folder, with their reason."""
    with app.app_context():
        return {
            line.name.rpartition("/")[2]: line.reason for line in service_lines() if line.is_alarm
        }


def test_a_mailbox_with_a_wrong_password_does_not_keep_the_others_from_being_read(
    app, dovecot, folder, smtp, monkeypatch, client, as_role
):
    """Three mailboxes: the environment's, an added one whose password is wrong, an added
    one whose secret file is missing. One `mailin poll --once` reads and acknowledges the
    first one's return, shows the two others red on the overview with their reason and
    exits 1 naming them; once the password is right, the next pass reads that one too."""
    use_smtp(app, smtp.port)
    seed_roster(app)
    gov, lost = new_folder(dovecot), new_folder(dovecot)
    monkeypatch.setenv(SECRET_VARIABLE, "not-the-password")
    add_mailbox(app, dovecot, gov, "Hộp thư công vụ", SECRET_VARIABLE)
    add_mailbox(app, dovecot, lost, "Hộp thư cũ", "/nonexistent/portal/old.secret")
    append(dovecot, folder, make_return(subject="Báo cáo CV 422 (Gmail)"))
    append(dovecot, gov, make_return(subject="Báo cáo CV 422 (công vụ)"))

    result = app.test_cli_runner().invoke(args=["mailin", "poll", "--once"])
    assert result.exit_code == 1
    assert "Hộp thư công vụ" in result.output and "Hộp thư cũ" in result.output
    assert stored_in(app, folder) == 1 and stored_in(app, gov) == 0
    assert count(app, InboundMessage.status == InboundStatus.PROCESSED) == 1
    assert [m.recipients for m in smtp.messages] == [[NINH_HAI]]  # acknowledged, on time
    assert failing(app) == {gov: "auth", lost: "auth"}
    as_role("viewer")
    overview = client.get("/admin/").text
    assert gov in overview and lost in overview and overview.count("cần kiểm tra") >= 2

    monkeypatch.setenv(SECRET_VARIABLE, dovecot.password)
    result = app.test_cli_runner().invoke(args=["mailin", "poll", "--once"])
    assert stored_in(app, gov) == 1 and len(smtp.messages) == 2
    assert set(failing(app)) == {lost}
    with app.app_context():
        states = db.session.scalars(select(ServiceState.name)).all()
    assert sum(name.startswith("mailbox:") for name in states) == 3


def test_the_running_poller_serves_every_mailbox_and_a_broken_one_delays_nothing(
    app, dovecot, folder, database_url, tmp_path, smtp
):
    """`mailin poll` (the service) with a broken mailbox among them: mail arriving in the
    two others is read within seconds, again and again, while the broken one keeps failing
    on its own back-off."""
    seed_roster(app)
    gov, broken = new_folder(dovecot), new_folder(dovecot)
    secret_file = tmp_path / "gov.secret"
    secret_file.write_text(dovecot.password + "\n")
    add_mailbox(app, dovecot, gov, "Hộp thư công vụ", str(secret_file))
    add_mailbox(app, dovecot, broken, "Hộp thư hỏng", SECRET_VARIABLE)
    env = poller_env(dovecot, folder, database_url, tmp_path) | {
        "MAIL_PORT": str(smtp.port),
        SECRET_VARIABLE: "wrong",
    }
    poller, lines = start_poller(env)
    try:
        for round_ in range(2):
            append(dovecot, folder, make_return(subject=f"Gmail {round_}"))
            append(dovecot, gov, make_return(subject=f"Công vụ {round_}"))
            assert wait_for(
                lambda n=round_ + 1: stored_in(app, folder) == n and stored_in(app, gov) == n, 30
            ), "\n".join(lines[-30:])
        assert wait_for(lambda: broken in failing(app), 30)
        assert wait_for(lambda: len(smtp.messages) == 4, 30), "every return acknowledged"
    finally:
        poller.send_signal(signal.SIGTERM)
        poller.wait(60)
    assert poller.returncode == 0, "\n".join(lines[-30:])


def test_administrators_add_a_mailbox_whose_secret_is_never_stored_nor_shown(
    app, client, as_role, monkeypatch
):
    """The admin screen (Thư điện tử → Hộp thư): administrators only; the form asks where
    the secret is, in Vietnamese; the secret itself appears nowhere, neither in the database
    nor on any of its pages."""
    monkeypatch.setenv(SECRET_VARIABLE, "mat-khau-ung-dung-bi-mat")
    editor = app.test_client()
    assert login(editor, "editor@example.org").status_code == 302
    assert editor.get("/admin/mailbox/").status_code == 403
    token = as_role("admin")
    form = client.get("/admin/mailbox/new/").text
    assert "Nơi lưu mật khẩu" in form and "Bản thân mật khẩu không bao giờ được lưu" in form
    fields = {
        "csrf_token": token,
        "name": "Hộp thư công vụ",
        "host": "mail.ninhthuan.gov.vn",
        "port": "993",
        "security": "ssl",
        "user": "tuyengiao@ninhthuan.gov.vn",
        "auth": "password",
        "folder": "INBOX",
        "secret_from": SECRET_VARIABLE,
        "is_active": "y",
    }
    assert client.post("/admin/mailbox/new/", data=fields).status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Mailbox))
        assert row.secret_from == SECRET_VARIABLE and row.user == "tuyengiao@ninhthuan.gov.vn"
        pages = [client.get(f"/admin/mailbox/{page}").text for page in ("", "details/?id=1")]
        pages.append(client.get(f"/admin/mailbox/edit/?id={row.id}").text)
        assert "mat-khau-ung-dung-bi-mat" not in all_text_in_database()
    assert all("mat-khau-ung-dung-bi-mat" not in page for page in pages)


def test_an_administrator_sees_each_mailbox_and_adds_one_in_the_browser(
    app, live_server, browser_page, users, dovecot, folder, monkeypatch
):
    """In Chromium: the overview with a mailbox that cannot be read, and the form to add one
    (screenshots in tests/artifacts/, looked at when the screens change)."""
    gov = new_folder(dovecot)
    monkeypatch.setenv(SECRET_VARIABLE, "wrong")
    add_mailbox(app, dovecot, gov, "Hộp thư công vụ", SECRET_VARIABLE)
    app.test_cli_runner().invoke(args=["mailin", "poll", "--once"])
    page = browser_page
    page.goto(f"{live_server}/admin/")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/")
    assert gov in page.inner_text("body")
    shot(page, "mailboxes-1-overview")
    page.goto(f"{live_server}/admin/mailbox/new/")
    assert "Nơi lưu mật khẩu" in page.inner_text("body")
    shot(page, "mailboxes-2-new")


def test_replies_leave_through_the_account_the_mail_came_in_on(
    app, dovecot, folder, smtp, monkeypatch, client, as_role
):
    """The official mailbox has an SMTP server of its own: the acknowledgement of a return
    that came in there leaves through it, from its own address, logged in with its account;
    the Gmail inbox's through MAIL_*. When the official account's SMTP refuses the login, its
    replies wait (the overview says so, by its name) and the Gmail inbox's still go."""
    use_smtp(app, smtp.port)
    app.config["MAIL_DEFAULT_SENDER"] = "Ban Tuyên giáo <tuyengiao@gmail.example>"
    seed_roster(app)
    gov = new_folder(dovecot)
    login = Login(dovecot.user, dovecot.password)
    gov_smtp = SmtpServer(login=login).start()
    try:
        monkeypatch.setenv(SECRET_VARIABLE, dovecot.password)
        smtp_fields = {
            "smtp_host": "127.0.0.1",
            "smtp_port": gov_smtp.port,
            "smtp_security": "none",
        }
        add_mailbox(app, dovecot, gov, "Hộp thư công vụ", SECRET_VARIABLE, **smtp_fields)
        append(dovecot, folder, make_return(subject="Qua Gmail"))
        append(dovecot, gov, make_return(subject="Qua hộp thư công vụ"))
        assert app.test_cli_runner().invoke(args=["mailin", "poll", "--once"]).exit_code == 0
        assert [m.message["From"].addresses[0].addr_spec for m in smtp.messages] == [
            "tuyengiao@gmail.example"
        ]
        official = [received.message for received in gov_smtp.messages]
        assert [m["From"].addresses[0].addr_spec for m in official] == [dovecot.user]
        assert official[0]["From"].addresses[0].display_name == "Ban Tuyên giáo"
        assert "Qua hộp thư công vụ" in official[0]["Subject"] and login.attempts == 1

        login.password = "changed-on-the-server"  # the official account's SMTP now refuses it
        append(dovecot, gov, make_return(subject="Lần hai, công vụ"))
        append(dovecot, folder, make_return(subject="Lần hai, Gmail"))
        app.test_cli_runner().invoke(args=["mailin", "poll", "--once"])
        assert len(smtp.messages) == 2 and len(gov_smtp.messages) == 1
        with app.app_context():
            waiting = db.session.scalars(
                select(OutboundMessage.state).where(OutboundMessage.mailbox_id.is_not(None))
            ).all()
        assert sorted(waiting) == [OutboundState.QUEUED, OutboundState.SENT]
        as_role("viewer")
        assert "(Hộp thư công vụ)" in client.get("/admin/").text
    finally:
        gov_smtp.stop()
