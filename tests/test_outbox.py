"""Outgoing mail through a real SMTP server: acknowledgements, retries, reminders, bounces."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from portal.database import utcnow
from portal.extensions import db
from portal.models import (
    OutboundMessage,
    OutboundState,
    Recipient,
    RecipientState,
    ServiceState,
    Unit,
    UnitEmail,
)
from portal.services import mailout
from portal.services.outbox import send_due
from portal.services.reminders import send_scheduled
from tests.support.mailbox import NINH_HAI, append, poll, seed_roster
from tests.support.mails import (
    MACHINE_MAIL,
    delivery_report,
    form_attachment,
    make_mail,
    make_return,
)
from tests.support.smtp import SilentServer, SmtpServer, use_smtp


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


RETURN_ROWS = [
    ["Tuổi trẻ Ninh Hải", "facebook.com/tuoitreninhhai", "Huyện Đoàn"],
    ["Cổng thông tin huyện", "ninhhai.com", "UBND"],
    ["", "chưa có", ""],
]


def outbound(app, *where) -> list[OutboundMessage]:
    with app.app_context():
        return list(
            db.session.scalars(select(OutboundMessage).where(*where).order_by(OutboundMessage.id))
        )


def queue_outbound(**fields) -> None:
    """An outbox row as the services write them (committed; within an app context)."""
    defaults = {"to_addresses": "a@doan.example", "body_text": "x"}
    db.session.add(OutboundMessage(**(defaults | fields)))
    db.session.commit()


def make_due(app) -> None:
    with app.app_context():
        db.session.execute(update(OutboundMessage).values(next_attempt_at=None))
        db.session.commit()


def test_one_poll_acknowledges_exactly_the_returns(app, dovecot, folder, smtp):  # noqa: F811
    use_smtp(app, smtp.port)
    seed_roster(app)
    the_return = make_mail(
        subject="Báo cáo theo CV số 422",
        message_id="<r1@ninhthuan.example>",
        headers={"References": "<cv422@tinhdoan.ninhthuan.example>"},
        attachments=[form_attachment(rows=RETURN_ROWS)],
    )
    app.config["ACK_TRIAGE"] = True  # a stranger's readable form is told it waits for staff
    triaged = make_return(
        sender="ai.do@gmail.example", subject="Gửi báo cáo", message_id="<t1@gmail.example>"
    )
    bounce = make_mail(
        sender="MAILER-DAEMON@mx.example",
        subject="Undelivered Mail",
        body="Message-ID: <gone@portal.ninhthuan.example>",
    )
    append(
        dovecot,
        folder,
        the_return,
        triaged,
        make_mail(**MACHINE_MAIL["auto-replied"]),
        bounce,
        make_mail(**MACHINE_MAIL["list-id"]),
    )
    poll(app)
    assert sorted(m.message["To"] for m in smtp.messages) == ["ai.do@gmail.example", NINH_HAI]
    ack = next(m.message for m in smtp.messages if m.message["To"] == NINH_HAI)
    assert ack["Subject"] == "Re: Báo cáo theo CV số 422"
    assert ack["From"].addresses[0].display_name == "Ban Tuyên giáo, Tỉnh Đoàn Ninh Thuận"
    assert ack["In-Reply-To"] == "<r1@ninhthuan.example>"
    assert ack["References"] == "<cv422@tinhdoan.ninhthuan.example> <r1@ninhthuan.example>"
    assert ack["Auto-Submitted"] == "auto-replied" and ack["X-Auto-Response-Suppress"] == "All"
    assert ack["Message-ID"].endswith("@portal.ninhthuan.example>")
    text = ack.get_body(("plain",)).get_content()
    assert "Kính gửi Huyện Đoàn Ninh Hải" in text and "422-CV/TĐTN-TG" in text
    assert "ghi nhận 3 trang/kênh, có 2 lỗi cần sửa" in text
    assert "dòng 4: Thiếu tên trang (lỗi)" in text
    assert "Tên miền của trang không có đuôi .vn" in text
    assert "Hạn báo cáo: 27/06/2018" in text
    raw = next(m.data for m in smtp.messages if m.message["To"] == NINH_HAI)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    triage = next(m.message for m in smtp.messages if m.message["To"] != NINH_HAI)
    assert "chưa xác định được đơn vị gửi" in triage.get_body(("plain",)).get_content()
    poll(app)
    assert len(smtp.messages) == 2  # nothing twice


def test_a_scan_is_answered_with_the_blank_form_attached(app, dovecot, folder, smtp):  # noqa: F811
    use_smtp(app, smtp.port)
    seed_roster(app)
    append(dovecot, folder, make_mail(attachments=[("scan.pdf", b"%PDF-1.4\n", "application/pdf")]))
    poll(app)
    (received,) = smtp.messages
    (attachment,) = list(received.message.iter_attachments())
    assert attachment.get_filename() == "Mẫu báo cáo 422-CV-TĐTN-TG - NHAI.xlsx"
    # RFC 2231 (long names continue over numbered parameters), not Flask-Mail's UTF8''
    assert b"filename*0*=utf-8''M%E1%BA%ABu%20b%C3%A1o%20c%C3%A1o" in received.data
    assert (
        "Chưa đọc được biểu mẫu: Bản quét hoặc ảnh chụp"
        in received.message.get_body(("plain",)).get_content()
    )


def test_acknowledgements_to_one_sender_are_capped(app, dovecot, folder, smtp):  # noqa: F811
    use_smtp(app, smtp.port)
    app.config["ACK_LIMIT"] = 3
    seed_roster(app)
    append(dovecot, folder, *[make_return(subject=f"Báo cáo 422 lần {n}") for n in range(6)])
    poll(app)
    assert len(smtp.messages) == 3


def test_while_smtp_is_down_acknowledgements_wait_then_go_once(app, dovecot, folder):  # noqa: F811
    server = SmtpServer()
    use_smtp(app, server.port)  # nobody listens there yet
    seed_roster(app)
    append(
        dovecot, folder, make_return(), make_return(sender="huyendoan.ninhson@ninhthuan.example")
    )
    poll(app)
    # The server cannot be reached: the outbox pauses, nothing is counted against the rows.
    waiting = outbound(app)
    assert [(m.state, m.attempts) for m in waiting] == [("queued", 0), ("queued", 0)]
    server.start()
    try:
        with app.app_context():
            assert send_due().paused == "connection"  # paused: not even tried yet
            later = utcnow() + dt.timedelta(minutes=2)
            assert send_due(now=later).sent == 2
            assert send_due(now=later).sent == 0
        assert len(server.messages) == 2
        assert {m.state for m in outbound(app)} == {"sent"}
    finally:
        server.stop()


@pytest.mark.parametrize(
    "reply, state", [("451 4.3.0 try again later", "queued"), ("550 5.1.1 no such user", "failed")]
)
def test_4xx_is_retried_and_5xx_fails(app, reply, state, smtp):
    use_smtp(app, smtp.port)
    smtp.handler.reply = reply
    with app.app_context():
        queue_outbound(
            to_addresses="a@doan.example",
            subject="Thử",
            body_text="x",
            message_id="<x@portal.example>",
        )
        send_due()
    (message,) = outbound(app)
    assert message.state == state and reply.split()[0] in message.last_error


def test_a_server_that_says_nothing_times_out(app, monkeypatch):
    silent = SilentServer()
    monkeypatch.setattr(mailout, "SMTP_TIMEOUT", 1)
    use_smtp(app, silent.port)
    try:
        with app.app_context():
            queue_outbound(
                to_addresses="a@doan.example",
                subject="Thử",
                body_text="x",
                message_id="<y@portal.example>",
            )
            report = send_due()
            outbox = db.session.scalar(select(ServiceState))
    finally:
        silent.stop()
    # A server that never greets is the server's fault, not the message's: paused.
    assert report.paused == "connection" and "timed out" in outbox.last_error
    assert [(m.state, m.attempts) for m in outbound(app)] == [("queued", 0)]


def test_a_sent_message_is_never_sent_again(app, smtp):
    use_smtp(app, smtp.port)
    with app.app_context():
        queue_outbound(
            to_addresses="a@doan.example",
            subject="Một lần",
            body_text="x",
            message_id="<z@portal.example>",
        )
        send_due()
        db.session.execute(update(OutboundMessage).values(next_attempt_at=None))
        db.session.commit()
        send_due()
    assert len(smtp.messages) == 1


def test_a_bounce_of_our_acknowledgement_flags_the_address(app, dovecot, folder, smtp):  # noqa: F811
    use_smtp(app, smtp.port)
    seed_roster(app)
    append(dovecot, folder, make_return())
    poll(app)
    (ack,) = outbound(app)
    append(dovecot, folder, delivery_report(ack.message_id))
    poll(app)
    assert outbound(app)[0].state == OutboundState.BOUNCED
    with app.app_context():
        assert (
            db.session.scalar(select(UnitEmail.bounced_at).where(UnitEmail.address == NINH_HAI))
            is not None
        )


def queued_reminders(app) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(OutboundMessage.to_addresses).where(
                    OutboundMessage.kind == "reminder", OutboundMessage.state != "cancelled"
                )
            )
        )


def test_reminders_go_to_awaiting_units_once_per_step(app, dovecot, folder, smtp):  # noqa: F811
    use_smtp(app, smtp.port)
    seed_roster(app)
    deadline = dt.date(2018, 6, 27)
    append(dovecot, folder, make_return())  # Ninh Hải reports
    poll(app)
    with app.app_context():
        assert send_scheduled(today=deadline - dt.timedelta(days=5)) == 0  # not a step
        assert send_scheduled(today=deadline - dt.timedelta(days=3)) == 1
        assert send_scheduled(today=deadline - dt.timedelta(days=3)) == 0  # same step again
        assert send_scheduled(today=deadline - dt.timedelta(days=1)) == 1
        send_due()
    assert queued_reminders(app) == ["huyendoan.ninhson@ninhthuan.example"] * 2
    reminder = smtp.messages[-1].message
    assert reminder["Subject"] == "Nhắc báo cáo theo Công văn số 422-CV/TĐTN-TG (hạn 27/06/2018)"
    assert reminder["In-Reply-To"] == "<cv422@tinhdoan.ninhthuan.example>"
    assert "còn 1 ngày" in reminder.get_body(("plain",)).get_content()
    assert [a.get_filename() for a in reminder.iter_attachments()] == [
        "Mẫu báo cáo 422-CV-TĐTN-TG - NSON.xlsx"
    ]


def test_no_reminder_once_the_unit_has_reported(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    with app.app_context():
        send_scheduled(today=dt.date(2018, 6, 24))  # queued for both; SMTP is not reachable
    assert len(queued_reminders(app)) == 2
    append(dovecot, folder, make_return())  # Ninh Hải reports before the reminder goes out
    poll(app)
    assert queued_reminders(app) == ["huyendoan.ninhson@ninhthuan.example"]
    with app.app_context():
        send_scheduled(today=dt.date(2018, 6, 28))  # after the deadline
        states = dict(
            db.session.execute(
                select(Unit.code, Recipient.state).join(Recipient).where(Recipient.dispatch_id == 1)
            ).all()
        )
    # Ninh Hải's return had no form attached: it has reported, and waits for review.
    assert states == {"NHAI": RecipientState.RECEIVED, "NSON": RecipientState.LATE}


def test_staff_remind_the_selected_units_from_the_roster(app, client, as_role):
    seed_roster(app)
    token = as_role("editor")
    client.post(
        "/admin/recipient/action/",
        data={"csrf_token": token, "action": "remind", "rowid": ["1", "2"]},
    )
    assert len(queued_reminders(app)) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboundMessage.id))) == 2


def test_staff_send_a_failed_message_again_but_never_edit_one(app, client, as_role, smtp):
    use_smtp(app, smtp.port)
    with app.app_context():
        queue_outbound(
            to_addresses="a@doan.example",
            subject="Thử lại",
            body_text="x",
            message_id="<f@portal.example>",
            state="failed",
            last_error="550 no such user",
        )
    token = as_role("editor")
    assert client.get("/admin/outboundmessage/edit/?id=1").status_code in (302, 403)
    client.post(
        "/admin/outboundmessage/action/",
        data={"csrf_token": token, "action": "resend", "rowid": "1"},
    )
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "Đã gửi 1" in result.output
    assert [m.message["Subject"] for m in smtp.messages] == ["Thử lại"]


def test_the_remind_command_queues_todays_steps_and_sends_them(app, smtp, monkeypatch):
    use_smtp(app, smtp.port)
    seed_roster(app)
    today = dt.date(2018, 6, 24)  # three days before dispatch 422's deadline
    monkeypatch.setattr("portal.services.reminders.today_in_vietnam", lambda: today)
    result = app.test_cli_runner().invoke(args=["remind"])
    assert "Đã lập 2 thư nhắc; đã gửi 2 thư." in result.output
    assert len(smtp.messages) == 2


def queue_many(app, count: int) -> None:
    with app.app_context():
        for n in range(count):
            queue_outbound(
                to_addresses=f"don-vi-{n}@doan.example",
                subject=f"Thư {n}",
                body_text="x",
                message_id=f"<batch-{n}@portal.example>",
            )


def test_one_connection_carries_a_whole_batch(app, smtp):
    use_smtp(app, smtp.port)
    queue_many(app, 5)
    with app.app_context():
        assert send_due().sent == 5
    assert [m.message["Subject"] for m in smtp.messages] == [f"Thư {n}" for n in range(5)]
    assert len({m.peer for m in smtp.messages}) == 1
    assert {(m.state, m.attempts) for m in outbound(app)} == {("sent", 1)}


def test_a_connection_the_server_closes_is_opened_again_and_nothing_goes_twice(app, smtp):
    """The server takes two messages per connection, then answers 421 and hangs up: each
    message still goes once, on its first attempt, over three connections."""
    use_smtp(app, smtp.port)
    smtp.handler.per_connection = 2
    queue_many(app, 5)
    with app.app_context():
        assert send_due().sent == 5
    assert sorted(m.message["Message-ID"] for m in smtp.messages) == [
        f"<batch-{n}@portal.example>" for n in range(5)
    ]
    assert len({m.peer for m in smtp.messages}) == 3
    assert {(m.state, m.attempts) for m in outbound(app)} == {("sent", 1)}


def test_after_a_refusal_the_batch_goes_on_on_a_fresh_connection(app, smtp, monkeypatch):
    """A 550 fails its own message only; the next ones are sent (on a new connection)."""
    use_smtp(app, smtp.port)
    queue_many(app, 3)
    with app.app_context():
        original = mailout.SmtpConnection._send
        calls = []

        def refuse_the_second(self, message, recipients):
            calls.append(message["Subject"])
            if len(calls) == 2:
                smtp.handler.reply = "550 5.1.1 no such user"
            try:
                original(self, message, recipients)
            finally:
                smtp.handler.reply = "250 OK"

        monkeypatch.setattr(mailout.SmtpConnection, "_send", refuse_the_second)
        report = send_due()
    assert (report.sent, report.failed) == (2, 1)
    assert [m.message["Subject"] for m in smtp.messages] == ["Thư 0", "Thư 2"]
    assert len({m.peer for m in smtp.messages}) == 2
    assert [m.state for m in outbound(app)] == ["sent", "failed", "sent"]
