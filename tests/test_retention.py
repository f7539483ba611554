"""Retention (issue 16): old machine mail, duplicates, forgeries and programs lose their
bytes and keep their headers and outcome; returns, correspondence and strangers' mail keep
everything; nothing else changes. Real Dovecot (arrival dates set by APPEND), both engines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, InboundMessage, InboundStatus, Site, Submission
from portal.services.retention import drop_old_bytes, headers_only
from tests.support.mailbox import poll, seed_roster
from tests.support.mails import form_attachment, make_mail, make_return

AUTHSERV = "mx.ninhthuan.example"
FORGED = (
    f"{AUTHSERV}; spf=fail smtp.mailfrom=ninhthuan.example; "
    "dmarc=fail header.from=ninhthuan.example"
)


@pytest.fixture
def extra_config(dovecot, folder) -> dict:
    return {**dovecot.settings(folder), "MAILIN_AUTHSERV_ID": AUTHSERV, "ACK_MAX_AGE_DAYS": 7}


@pytest.fixture
def folder(dovecot) -> str:
    from imapclient import IMAPClient

    name = f"Giu {uuid.uuid4().hex[:8]}"
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    client.login(dovecot.user, dovecot.password)
    client.create_folder(name)
    client.logout()
    return name


def append(dovecot, folder: str, message: bytes, days_ago: int) -> None:
    """A message that reached the mailbox `days_ago` days ago (its INTERNALDATE)."""
    from imapclient import IMAPClient

    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    client.login(dovecot.user, dovecot.password)
    arrived = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    client.append(folder, message, msg_time=arrived)
    client.logout()


def state(app) -> dict[str, tuple]:
    """Each message by subject: status, raw digest, body, files' digests, size, headers."""
    with app.app_context():
        found = {}
        for message in db.session.scalars(select(InboundMessage)):
            files = tuple(
                (a.filename, a.size, a.sha256, hashlib.sha256(a.content or b"").hexdigest())
                for a in message.attachments
            )
            found[message.subject] = (
                message.status,
                hashlib.sha256(message.raw or b"").hexdigest(),
                message.body_text,
                files,
                message.from_address,
                message.hold_reason,
                message.purged_at is not None,
            )
        return found


def test_old_machine_mail_loses_its_bytes_and_returns_keep_theirs(
    app, dovecot, folder, client, as_role
):
    seed_roster(app)
    old = 200
    mails = {
        "return": make_return(subject="Báo cáo CV 422 (cũ)", message_id="<bc422@ninhhai.example>"),
        "machine": make_mail(
            subject="Trả lời tự động: Báo cáo", headers={"Auto-Submitted": "auto-replied"}
        ),
        "forged": make_mail(
            subject="Báo cáo giả mạo",
            headers={"Authentication-Results": FORGED},
            attachments=[form_attachment()],
        ),
        "program": make_mail(
            sender="la@nguoi-la.example",
            subject="Hóa đơn",
            attachments=[
                ("hoa-don.exe", b"MZ\x90\x00" + b"\x00" * 4000, "application/octet-stream")
            ],
        ),
        "correspondence": make_mail(subject="Hỏi về mẫu báo cáo", body="Cho hỏi mẫu nào ạ?"),
        "stranger": make_mail(
            sender="ai.do@gmail.example", subject="Gửi báo cáo", attachments=[form_attachment()]
        ),
    }
    for message in mails.values():
        append(dovecot, folder, message, old)
    # The same Message-ID again with other bytes (a copy a relay re-wrote): a duplicate.
    copy = make_return(subject="Báo cáo CV 422 (bản sao)", message_id="<bc422@ninhhai.example>")
    append(dovecot, folder, copy, old)
    recent = make_mail(subject="Thư tự động gần đây", headers={"Auto-Submitted": "auto-replied"})
    append(dovecot, folder, recent, 10)
    assert poll(app) == 8

    before = state(app)
    assert before["Trả lời tự động: Báo cáo"][0] == InboundStatus.IGNORED
    assert before["Báo cáo giả mạo"][5] == "sender_not_proven"
    assert before["Hóa đơn"][5] == "dangerous"
    with app.app_context():
        sites_before = sorted(db.session.scalars(select(Site.url)))
        assert db.session.scalar(select(Submission)) is not None
        dry = drop_old_bytes(180, dry_run=True)
    assert state(app) == before  # a dry run changes nothing
    assert dry.messages == 4  # machine, duplicate, forged, program

    with app.app_context():
        done = drop_old_bytes(180)
        assert drop_old_bytes(180).messages == 0  # a second run finds nothing left
    assert (done.messages, done.bytes_dropped) == (dry.messages, dry.bytes_dropped)
    after = state(app)
    dropped = {subject for subject in after if after[subject] != before[subject]}
    with app.app_context():
        duplicate = db.session.scalar(
            select(InboundMessage).where(InboundMessage.status == InboundStatus.DUPLICATE)
        )
        kept_return = db.session.scalar(
            select(InboundMessage).where(InboundMessage.status == InboundStatus.PROCESSED)
        )
        assert duplicate.purged_at is not None and duplicate.raw == headers_only(copy)
        assert kept_return.purged_at is None and kept_return.raw == mails["return"]
        assert all(a.content for a in kept_return.attachments)
        assert sorted(db.session.scalars(select(Site.url))) == sites_before
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention"))
            is not None
        )
    assert dropped == {
        "Trả lời tự động: Báo cáo",
        "Báo cáo giả mạo",
        "Hóa đơn",
        "Báo cáo CV 422 (bản sao)",
    }
    for subject in ("Trả lời tự động: Báo cáo", "Báo cáo giả mạo", "Hóa đơn"):
        status, _raw, body, files, sender, hold, purged = after[subject]
        old_status, _r, _b, old_files, old_sender, old_hold, _p = before[subject]
        assert purged and body == ""
        assert (status, sender, hold) == (old_status, old_sender, old_hold)  # what became of it
        # Each file's name, size and digest stay; its content goes.
        assert [f[:3] for f in files] == [f[:3] for f in old_files]
        assert all(f[3] == hashlib.sha256(b"").hexdigest() for f in files)
    with app.app_context():
        forged = db.session.scalar(
            select(InboundMessage).where(InboundMessage.subject == "Báo cáo giả mạo")
        )
        assert forged.raw.startswith(b"Authentication-Results:") or b"Subject:" in forged.raw
        assert b"\r\n\r\n" not in forged.raw.rstrip(b"\r\n") and b"Subject:" in forged.raw


def test_headers_only_cuts_at_the_first_blank_line():
    assert headers_only(b"Subject: a\r\nFrom: b\r\n\r\nbody\r\n\r\nmore") == (
        b"Subject: a\r\nFrom: b\r\n"
    )
    assert headers_only(b"Subject: a\n\nbody") == b"Subject: a\r\n"
    assert headers_only(b"") == b"" and headers_only(None) == b""


def test_a_dropped_message_still_shows_what_it_was(app, dovecot, folder, client, as_role):
    append(
        dovecot,
        folder,
        make_mail(subject="Thư báo vắng mặt", headers={"Auto-Submitted": "auto-replied"}),
        400,
    )
    assert poll(app) == 1
    with app.app_context():
        assert drop_old_bytes(180).messages == 1
        message_id = db.session.scalar(select(InboundMessage.id))
    as_role("viewer")
    page = client.get(f"/admin/inboundmessage/details/?id={message_id}")
    assert page.status_code == 200
    assert "Thư báo vắng mặt" in page.text and "lưu giữ" in page.text
