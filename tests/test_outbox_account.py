"""Account-level SMTP failures pause the outbox; they never fail messages (issue 15, the
outbox part). A real SMTP server (aiosmtpd) with AUTH, on 127.0.0.1, both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.i18n import VIETNAM
from portal.models import OutboundKind, OutboundMessage, OutboundState
from portal.services import mailout
from portal.services.outbox import send_due
from tests.support.smtp import Login, SmtpServer

USER, PASSWORD = "tuyengiao@ninhthuan.example", "mat-khau-ung-dung"


@pytest.fixture
def smtp_login(app):
    """An SMTP server requiring a login, the app configured for it (password right)."""
    server = SmtpServer(login=Login(USER, PASSWORD)).start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USERNAME=USER, MAIL_PASSWORD=PASSWORD
    )
    yield server
    server.stop()


def queue(app, count: int, kind: str = OutboundKind.ACKNOWLEDGEMENT, start: int = 0) -> None:
    with app.app_context():
        db.session.add_all(
            OutboundMessage(
                kind=kind,
                to_addresses=f"donvi{start + n}@ninhthuan.example",
                subject=f"Thư {start + n}",
                body_text="Nội dung",
                message_id=f"<m{start + n}.{kind}@portal.ninhthuan.example>",
            )
            for n in range(count)
        )
        db.session.commit()


def rows(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [
            (m.state, m.attempts)
            for m in db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))
        ]


def test_a_wrong_password_pauses_the_outbox_and_fails_nothing(app, smtp_login, client, as_role):
    queue(app, 50)
    app.config["MAIL_PASSWORD"] = "mat-khau-da-bi-thu-hoi"  # a revoked app password
    with app.app_context():
        report = send_due()
        assert report.paused == "auth" and report.sent == report.failed == 0
        assert send_due().paused == "auth"  # still paused: no second login this minute
    # One login for the pass, not one per message: smtplib tries PLAIN, then LOGIN.
    assert smtp_login.login.attempts == 2
    assert rows(app) == [("queued", 0)] * 50
    as_role("viewer")
    page = client.get("/admin/").text
    assert "Không gửi được thư" in page and "mật khẩu ứng dụng" in page
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["outbox"]["reason"] == "auth"
    assert PASSWORD not in health.text and "mat-khau" not in health.text

    app.config["MAIL_PASSWORD"] = PASSWORD  # fixed: the new settings lift the pause at once
    with app.app_context():
        assert send_due().sent == 50
        assert send_due().sent == 0
    assert sorted(m.recipients[0] for m in smtp_login.messages) == sorted(
        f"donvi{n}@ninhthuan.example" for n in range(50)
    )
    assert smtp_login.login.attempts == 3  # and one more, which worked
    assert "Không gửi được thư" not in client.get("/admin/").text


def test_a_spent_quota_waits_for_the_next_day_acknowledgements_first(app, smtp_login):
    queue(app, 6, OutboundKind.REMINDER)
    queue(app, 6, OutboundKind.ACKNOWLEDGEMENT, start=100)
    smtp_login.handler.accept_only = 4  # the account's quota is spent after 4 messages
    now = dt.datetime(2026, 12, 4, 9, 0, tzinfo=VIETNAM).astimezone(dt.UTC)
    with app.app_context():
        report = send_due(now=now)
        assert (report.sent, report.failed, report.paused) == (4, 0, "quota")
        assert send_due(now=now + dt.timedelta(hours=10)).paused == "quota"  # still today
    sent_first = [m.recipients[0] for m in smtp_login.messages]
    assert all(r.startswith("donvi10") for r in sent_first)  # acknowledgements go first
    assert [s for s, _a in rows(app)].count("failed") == 0
    smtp_login.handler.accept_only = None  # a new day, a new quota
    with app.app_context():
        assert send_due(now=now + dt.timedelta(days=1)).sent == 8
    recipients = [m.recipients[0] for m in smtp_login.messages]
    assert len(recipients) == len(set(recipients)) == 12  # each once
    assert recipients[4:6] == ["donvi104@ninhthuan.example", "donvi105@ninhthuan.example"]


def test_the_daily_limit_keeps_the_rest_for_tomorrow(app, smtp_login, client, as_role):
    app.config["MAIL_DAILY_LIMIT"] = 5
    queue(app, 8)
    as_role("viewer")
    assert 'id="daily-limit"' not in client.get("/admin/").text
    with app.app_context():
        first = send_due()
        assert (first.sent, first.capped) == (5, True)
        assert send_due().sent == 0
    # Staff see why the rest has not gone.
    notice = client.get("/admin/").text.split('id="daily-limit"')[1].split("</div>")[0]
    assert "giới hạn" in notice and "5 thư" in notice and "3 thư" in notice
    with app.app_context():
        tomorrow = utcnow() + dt.timedelta(days=1)
        assert send_due(now=tomorrow).sent == 3
    assert len(smtp_login.messages) == 8


def test_one_message_that_breaks_is_failed_and_the_twenty_behind_it_go(
    app, smtp_login, monkeypatch
):
    queue(app, 21)
    real_compose = mailout.compose

    def fragile(outbound, config=None):
        if outbound.subject == "Thư 0":
            raise ValueError("a bug in composing this one")
        return real_compose(outbound, config)

    monkeypatch.setattr("portal.services.outbox.compose", fragile)
    with app.app_context():
        report = send_due()
        broken = db.session.scalar(
            select(OutboundMessage).where(OutboundMessage.subject == "Thư 0")
        )
        assert broken.state == OutboundState.FAILED and "a bug in composing" in broken.last_error
    assert (report.sent, report.failed) == (20, 1)
    assert len(smtp_login.messages) == 20


def test_a_refused_recipient_fails_that_message_alone(app, smtp_login):
    queue(app, 3)
    with app.app_context():
        db.session.execute(
            OutboundMessage.__table__.update()
            .where(OutboundMessage.subject == "Thư 1")
            .values(to_addresses="khong-ton-tai@ninhthuan.example")
        )
        db.session.commit()
    refusing = smtp_login.handler

    async def rcpt(server, session, envelope, address, options):
        if address.startswith("khong-ton-tai"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    refusing.handle_RCPT = rcpt
    with app.app_context():
        report = send_due()
    assert (report.sent, report.failed, report.paused) == (2, 1, "")
    assert [s for s, _a in rows(app)] == ["sent", "failed", "sent"]


def test_a_server_that_cannot_be_reached_pauses_with_growing_waits(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=SmtpServer().port)  # nobody there
    queue(app, 2)
    now = utcnow()
    with app.app_context():
        pauses = []
        for _ in range(3):
            assert send_due(now=now).paused == "connection"
            from portal.models import ServiceState

            state = db.session.scalar(select(ServiceState))
            pauses.append(state.paused_until - now)
            now = state.paused_until + dt.timedelta(seconds=1)
    assert pauses[0] < pauses[1] < pauses[2]
    assert rows(app) == [("queued", 0)] * 2
