"""The real mailbox (issue 14): correspondence is not a return, strangers and forgeries get
no reply, old mail and late polls change nothing. Real Dovecot, SMTP, both engines.

The messages are the corpus of tests/data/mail (as Gmail, Outlook, Apple Mail, Zimbra and
phones write them) and mail written here for the cases that need a unit's own data.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select

from mailin.message import parse_message
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import (
    Dispatch,
    HoldReason,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    Site,
    Submission,
    SubmissionStatus,
    Unit,
)
from portal.services import correspondence
from portal.services.consolidated_reply.figures import consolidate, figures
from portal.services.consolidated_reply.sending import build
from portal.services.outbox import send_due
from portal.services.overview import open_dispatches
from tests.support.mailbox import NINH_HAI, count, imap, poll, seed_roster
from tests.support.mails import form_attachment, make_mail
from tests.support.smtp import use_smtp


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


CORPUS = Path(__file__).parent / "data" / "mail"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
NINH_SON = "huyendoan.ninhson@ninhthuan.example"
GMAIL = "mx.google.com"


def corpus(expect: str) -> list[bytes]:
    return [(CORPUS / e["file"]).read_bytes() for e in MANIFEST if e["expect"] == expect]


def append_at(dovecot, folder: str, *messages: tuple[bytes, dt.datetime | None]) -> None:
    """APPEND each message with its arrival time (the INTERNALDATE the server keeps)."""
    with imap(dovecot) as client:
        for message, arrived in messages:
            client.append(folder, message, msg_time=arrived)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def outbound_count(app, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(OutboundMessage.id)).where(*where))


def delivered(app, smtp) -> list:
    """Everything the SMTP server received (the poller sends after each pass; this sends
    anything still due)."""
    with app.app_context():
        send_due()
    return smtp.messages


def return_mail(sender: str = NINH_HAI, **kwargs) -> bytes:
    rows = [
        ["Tuổi trẻ Ninh Hải", "facebook.com/tuoitreninhhai", "Huyện Đoàn Ninh Hải"],
        ["Cổng thông tin Ninh Hải", "ninhhai.ninhthuan.gov.vn", "UBND huyện"],
    ]
    kwargs.setdefault("attachments", [form_attachment(rows=rows)])
    return make_mail(sender=sender, **kwargs)


def test_a_return_then_thanks_logo_question_and_delay_leave_one_return(app, dovecot, folder, smtp):
    use_smtp(app, smtp.port)
    seed_roster(app)
    replies = corpus("correspondence")
    append_at(dovecot, folder, (return_mail(), None), *[(m, None) for m in replies])
    poll(app)
    with app.app_context():
        submissions = db.session.scalars(select(Submission)).all()
        assert [(s.version, s.row_count, s.is_current) for s in submissions] == [(1, 2, True)]
        queue = db.session.scalars(
            select(InboundMessage).where(InboundMessage.status == InboundStatus.CORRESPONDENCE)
        ).all()
        assert len(queue) == len(replies) >= 15
        assert all(m.needs_answer and m.unit_id is not None for m in queue)
        assert {m.unit.code for m in queue} == {"NHAI", "NSON"}
    sent = delivered(app, smtp)
    assert len(sent) == 1  # the return's acknowledgement, nothing for the others
    assert "2 trang/kênh" in sent[0].message.get_body(("plain",)).get_content()


def test_staff_record_a_units_words_as_a_return_with_no_pages(app, dovecot, folder, users, smtp):
    use_smtp(app, smtp.port)
    seed_roster(app)
    words = make_mail(
        sender=NINH_SON,
        subject="Re: Công văn 422",
        body="Huyện Đoàn Ninh Sơn báo cáo: đơn vị hiện không quản lý trang nào.",
    )
    append_at(dovecot, folder, (words, None))
    poll(app)
    with app.app_context():
        message = db.session.scalar(select(InboundMessage))
        assert message.status == InboundStatus.CORRESPONDENCE
        dispatch = db.session.scalar(select(Dispatch))
        submission = correspondence.record_as_no_pages(message, dispatch, users["editor"])
        assert (submission.row_count, submission.status) == (0, SubmissionStatus.ACCEPTED)
        assert message.status == InboundStatus.PROCESSED and not message.needs_answer
        with pytest.raises(InvalidInput):  # a second click (or a colleague) records nothing
            correspondence.record_as_no_pages(message, dispatch, users["editor"])
        assert db.session.scalar(select(func.count(Submission.id))) == 1
        result = consolidate(dispatch)
        ninh_son = next(u for u in result["units"] if u["code"] == "NSON")
        assert ninh_son["submitted_at"] is not None and ninh_son["rows"] == []
        assert "Huyện Đoàn Ninh Sơn" not in figures(result).missing
    sent = delivered(app, smtp)
    assert len(sent) == 1
    body = sent[0].message.get_body(("plain",)).get_content()
    assert "không quản lý trang" in body
    assert list(sent[0].message.iter_attachments()) == []  # no blank form: nothing to redo


def test_a_thank_you_does_not_supersede_and_replay_keeps_it_so(app, dovecot, folder):
    from portal.services.intake import process_stored

    seed_roster(app)
    thanks = make_mail(subject="Re: Báo cáo theo CV số 422", body="Đã nhận, cảm ơn Ban.")
    append_at(dovecot, folder, (return_mail(), None), (thanks, None))
    poll(app)
    with app.app_context():
        ids = db.session.scalars(select(InboundMessage.id).order_by(InboundMessage.id)).all()
        for message_id in ids:
            process_stored(message_id)
        assert db.session.scalar(select(func.count(Submission.id))) == 1
        assert db.session.scalar(select(func.count(Site.id))) == 2


def test_forty_strangers_spammers_and_attackers_get_no_reply(app, dovecot, folder, smtp):
    use_smtp(app, smtp.port)
    seed_roster(app)
    strangers = corpus("stranger")
    assert len(strangers) >= 40
    append_at(dovecot, folder, *[(m, None) for m in strangers])
    poll(app)
    assert count(app) == len(strangers)  # every one stored
    assert count(app, InboundMessage.status == InboundStatus.PROCESSED) == 0
    assert outbound_count(app) == 0
    assert delivered(app, smtp) == []


def test_with_triage_replies_on_only_a_readable_form_gets_one(app, dovecot, folder, smtp):
    use_smtp(app, smtp.port)
    app.config["ACK_TRIAGE"] = True
    seed_roster(app)
    form_from_stranger = make_mail(
        sender="Chi đoàn thôn Mỹ Tân <chidoan.mytan@gmail.example>",
        attachments=[form_attachment()],
    )
    append_at(dovecot, folder, *[(m, None) for m in corpus("stranger")], (form_from_stranger, None))
    poll(app)
    sent = delivered(app, smtp)
    with app.app_context():
        answered = db.session.scalars(
            select(InboundMessage)
            .join(OutboundMessage, OutboundMessage.inbound_message_id == InboundMessage.id)
            .order_by(InboundMessage.id)
        ).all()
        assert len(sent) == len(answered)
        assert "chidoan.mytan@gmail.example" in [m.from_address for m in answered]
        for message in answered:  # each carried a readable form; none spoofed or dangerous
            assert message.attachments[0].status == "read"
            assert not {"executable_file", "path_in_file_name", "address_in_name"} & set(
                message.reasons.split(",")
            )
    malicious = {
        parse_message((CORPUS / e["file"]).read_bytes()).sender.address
        for e in MANIFEST
        if e["expect"] == "stranger" and e.get("malicious")
    }
    assert not malicious & {r.recipients[0] for r in sent}


def forged_return(results: list[str], sender: str = NINH_HAI, **kwargs) -> bytes:
    """A return whose Authentication-Results headers are `results`, top-most first (as
    each receiving server prepends its own)."""
    raw = return_mail(sender, **kwargs)
    return b"".join(f"Authentication-Results: {r}\r\n".encode() for r in results) + raw


PASS = (
    f"{GMAIL}; dkim=pass header.i=@ninhthuan.example header.s=s1; spf=pass "
    "(google.com: domain of x@ninhthuan.example designates 203.0.113.5 as permitted sender) "
    "smtp.mailfrom=huyendoan.ninhson@ninhthuan.example; dmarc=pass (p=REJECT) "
    "header.from=ninhthuan.example"
)
FAIL = (
    f"{GMAIL}; spf=fail (google.com: domain of huyendoan.ninhhai@ninhthuan.example does not "
    "designate 198.51.100.7 as permitted sender) smtp.mailfrom=ninhthuan.example; "
    "dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=ninhthuan.example"
)


@pytest.fixture
def trusting_gmail(app):
    app.config["MAILIN_AUTHSERV_ID"] = GMAIL
    return app


def test_only_the_genuine_return_is_filed_and_the_forged_get_no_reply(
    trusting_gmail, dovecot, folder, smtp
):
    app = trusting_gmail
    use_smtp(app, smtp.port)
    seed_roster(app)
    append_at(
        dovecot,
        folder,
        (forged_return([FAIL], subject="Báo cáo 422 (giả 1)"), None),
        (forged_return([PASS], sender=NINH_SON, subject="Báo cáo 422 thật"), None),
        # The forger wrote a "pass" of its own; our server's "fail" sits above it.
        (forged_return([FAIL, PASS], subject="Báo cáo 422 (giả 2)"), None),
    )
    poll(app)
    with app.app_context():
        filed = db.session.scalars(select(Submission)).all()
        assert [s.unit.code for s in filed] == ["NSON"]
        held = db.session.scalars(
            select(InboundMessage).where(InboundMessage.status == InboundStatus.TRIAGE)
        ).all()
        assert len(held) == 2
        assert {m.hold_reason for m in held} == {HoldReason.SENDER_NOT_PROVEN}
        assert {m.unit_id for m in held} == {None}
        assert {m.sender_proof for m in held} == {"not_proven"}
    sent = delivered(app, smtp)
    assert [r.recipients for r in sent] == [[NINH_SON]]


def test_the_triage_page_says_the_sender_is_not_authenticated(
    trusting_gmail, dovecot, folder, client, as_role
):
    app = trusting_gmail
    seed_roster(app)
    append_at(dovecot, folder, (forged_return([FAIL]), None))
    poll(app)
    as_role("editor")
    with app.app_context():
        message_id = db.session.scalar(select(InboundMessage.id))
    page = client.get(f"/admin/inboundmessage/assign/{message_id}")
    assert "Người gửi không được xác thực" in page.text


def test_a_forged_message_staff_assign_is_recorded(trusting_gmail, dovecot, folder, users):
    from portal.services.triage import assign

    app = trusting_gmail
    seed_roster(app)
    append_at(dovecot, folder, (forged_return([FAIL]), None))
    poll(app)
    with app.app_context():
        message = db.session.scalar(select(InboundMessage))
        unit = db.session.scalar(select(Unit).where(Unit.code == "NHAI"))
        submission = assign(message, unit, db.session.scalar(select(Dispatch)))
        assert submission.row_count == 2


def old_inbox(count_: int) -> list[tuple[bytes, dt.datetime]]:
    """Years of mail: returns, questions and strangers, 30 to 400 days old."""
    kinds = [
        lambda n: return_mail(subject=f"Báo cáo CV 422 lần {n}"),
        lambda n: make_mail(sender=NINH_SON, subject=f"Hỏi về công văn {n}", body="Xin hỏi."),
        lambda n: make_mail(sender=f"nguoi.la{n}@example.net", subject=f"Chào {n}"),
        lambda n: return_mail(sender=f"chidoan{n}@gmail.example", subject=f"Gửi báo cáo {n}"),
    ]
    mail = []
    for n in range(count_):
        days = 30 + (370 * n) // max(count_ - 1, 1)
        message = kinds[n % len(kinds)](n)
        mail.append((message.replace(b"Subject:", f"X-Seq: {n}\r\nSubject:".encode(), 1), days))
    return [(m, now() - dt.timedelta(days=d, hours=3)) for m, d in mail]


def test_the_first_run_over_an_old_inbox_files_everything_and_answers_nothing(
    app, dovecot, folder, smtp
):
    use_smtp(app, smtp.port)
    app.config["ACK_TRIAGE"] = True  # even with triage replies on
    seed_roster(app)
    append_at(dovecot, folder, *old_inbox(200))
    poll(app)
    assert count(app) == 200
    assert count(app, InboundMessage.status == InboundStatus.NEW) == 0
    assert count(app, InboundMessage.status == InboundStatus.PROCESSED) == 50
    assert count(app, InboundMessage.status == InboundStatus.CORRESPONDENCE) == 50
    assert count(app, InboundMessage.status == InboundStatus.TRIAGE) == 100
    with app.app_context():
        oldest = db.session.scalar(select(func.min(InboundMessage.received_at)))
        assert now() - oldest > dt.timedelta(days=399)
        versions = db.session.scalar(select(func.max(Submission.version)))
        assert versions == 50
    assert outbound_count(app) == 0
    assert delivered(app, smtp) == []


def test_imap_since_leaves_older_mail_alone_on_the_first_run(app, dovecot, folder):
    app.config["IMAP_SINCE"] = (now() - dt.timedelta(days=60)).date().isoformat()
    seed_roster(app)
    append_at(dovecot, folder, *old_inbox(20))
    poll(app)
    with app.app_context():
        oldest = db.session.scalar(select(func.min(InboundMessage.received_at)))
    assert 0 < count(app) < 20
    assert now() - oldest < dt.timedelta(days=61)
    with imap(dovecot) as client:
        client.select_folder(folder, readonly=True)
        assert len(client.search(["UNSEEN"])) == 20 - count(app)  # untouched


@pytest.fixture
def deadline_passed(app):
    """Dispatch 422 whose deadline was five days ago (Vietnam time)."""
    seed_roster(app)
    with app.app_context():
        dispatch = db.session.scalar(select(Dispatch))
        today = now().astimezone(dt.timezone(dt.timedelta(hours=7))).date()
        dispatch.issued_on = today - dt.timedelta(days=20)
        dispatch.deadline = today - dt.timedelta(days=5)
        dispatch.upstream_email = "tuyengiaotd@gmail.com"
        db.session.commit()
        return dispatch.deadline


def test_a_return_that_arrived_on_time_but_was_read_late_is_on_time_everywhere(
    app, dovecot, folder, deadline_passed, smtp
):
    use_smtp(app, smtp.port)
    deadline = deadline_passed
    vietnam = dt.timezone(dt.timedelta(hours=7))
    arrived = dt.datetime.combine(deadline, dt.time(16, 30), vietnam)  # the deadline's afternoon
    late = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(8, 0), vietnam)
    append_at(
        dovecot,
        folder,
        (return_mail(subject="Báo cáo CV 422"), arrived),
        (return_mail(sender=NINH_SON, subject="Báo cáo CV 422 (muộn)"), late),
    )
    poll(app)  # read days after both arrived (the poller was down)
    with app.app_context():
        dispatch = db.session.scalar(select(Dispatch))
        result = consolidate(dispatch)
        by_code = {u["code"]: u for u in result["units"]}
        assert by_code["NHAI"]["late"] is False
        assert by_code["NSON"]["late"] is True
        assert dt.datetime.fromisoformat(by_code["NHAI"]["submitted_at"]) == arrived
        counted = figures(result)
        assert (counted.on_time, counted.late) == (1, 1)
        documents = build(dispatch)
        summary = load_workbook(io.BytesIO(documents.workbook)).worksheets[0]
        cells = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row[0]}
        assert (cells["Đã báo cáo đúng hạn"], cells["Báo cáo sau hạn"]) == (1, 1)
        letter = "\n".join(p.text for p in Document(io.BytesIO(documents.letter)).paragraphs)
        assert "(đúng hạn 1, sau hạn 1)" in letter
        (progress,) = open_dispatches()  # the overview's per-day chart: arrival days
        assert dict(progress.returns_by_day) == {deadline: 1, deadline + dt.timedelta(days=1): 1}
    sent = delivered(app, smtp)
    # Both arrived within ACK_MAX_AGE_DAYS: each acknowledged, with the right lateness.
    bodies = {r.recipients[0]: r.message.get_body(("plain",)).get_content() for r in sent}
    assert "gửi trong hạn" in bodies[NINH_HAI]
    assert "gửi sau hạn" in bodies[NINH_SON]


def test_a_too_large_message_from_a_stranger_gets_no_notice(app, dovecot, folder):
    app.config["MAILIN_MAX_BYTES"] = 50_000
    seed_roster(app)
    big = b"x" * 80_000
    append_at(
        dovecot,
        folder,
        (
            make_mail(sender="spam@bulk.example", attachments=[("a.pdf", big, "application/pdf")]),
            None,
        ),
        (make_mail(attachments=[("b.pdf", big, "application/pdf")]), None),
    )
    poll(app)
    with app.app_context():
        notices = db.session.scalars(select(OutboundMessage.to_addresses)).all()
    assert notices == [NINH_HAI]


def test_the_correspondence_page_marks_answered_records_no_pages_and_refuses_viewers(
    app, dovecot, folder, client, as_role
):

    seed_roster(app)
    question = make_mail(sender=NINH_SON, subject="Hỏi về CV 422", body="Xin hỏi hạn nộp?")
    words = make_mail(sender=NINH_HAI, subject="Re: CV 422", body="Đơn vị không có trang nào.")
    append_at(dovecot, folder, (question, None), (words, None))
    poll(app)
    token = as_role("viewer")
    listing = client.get("/admin/correspondence/").text
    assert "Hỏi về CV 422" in listing and "Cần trả lời" in listing
    assert (
        client.post("/admin/correspondence/read/1", data={"csrf_token": token}).status_code == 403
    )
    client.post("/logout", data={"csrf_token": token})
    token = as_role("editor")
    done = client.post("/admin/correspondence/read/1", data={"csrf_token": token, "do": "answered"})
    assert done.status_code == 302
    recorded = client.post(
        "/admin/correspondence/read/2",
        data={"csrf_token": token, "do": "no_pages", "dispatch_id": "1"},
    )
    assert recorded.status_code == 302 and "/admin/submission/review/" in recorded.location
    with app.app_context():
        first, second = db.session.scalars(select(InboundMessage).order_by(InboundMessage.id))
        assert (first.status, first.needs_answer) == (InboundStatus.CORRESPONDENCE, False)
        assert second.status == InboundStatus.PROCESSED
        (submission,) = db.session.scalars(select(Submission)).all()
        assert (submission.unit.code, submission.row_count) == ("NHAI", 0)
