"""Returns arriving by mail are read into rows, stored with their findings (real Dovecot)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Attachment,
    InboundMessage,
    Recipient,
    RecipientState,
    Site,
    Submission,
    Unit,
)
from tests.support.mailbox import append, poll, seed_roster
from tests.support.mails import NINH_HAI, XLSX, make_mail


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


HEADER = ["STT", "Tên trang", "Loại hình", "Địa chỉ trang (URL/tên miền)", "Cơ quan chủ quản"]


def xlsx(*rows, above=()) -> tuple[str, bytes, str]:
    workbook = Workbook()
    sheet = workbook.active
    for line in above:
        sheet.append(line)
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return "bao-cao.xlsx", buffer.getvalue(), XLSX


def submissions(app) -> list[Submission]:
    with app.app_context():
        found = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        for submission in found:
            _ = [(s.name, [f.code for f in s.findings]) for s in submission.sites]
        return found


def sites(app, submission_id: int) -> list[tuple[str, str, list[str]]]:
    with app.app_context():
        rows = db.session.scalars(
            select(Site).where(Site.submission_id == submission_id).order_by(Site.position)
        ).all()
        return [(s.name, s.url_normalized, [f.code for f in s.findings]) for s in rows]


def test_a_return_is_read_into_rows_with_their_findings(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    form = xlsx(
        [1, "Tuổi trẻ Ninh Hải", "Fanpage", "fb.com/tuoitreninhhai?fbclid=1", "HĐ"],
        [2, "Cổng thông tin huyện", "", "ninhhai.com", "UBND"],
        [3, "Ban Tuyên giáo TW Đoàn", "", "https://www.facebook.com/bantuyengiaotwd/", ""],
    )
    append(dovecot, folder, make_mail(attachments=[form]))
    poll(app)
    (submission,) = submissions(app)
    assert (submission.row_count, submission.error_count) == (3, 0)
    assert submission.status == "received"
    assert sites(app, submission.id) == [
        ("Tuổi trẻ Ninh Hải", "facebook.com/tuoitreninhhai", []),
        ("Cổng thông tin huyện", "ninhhai.com", ["non_vn_domain", "not_youth_union_name"]),
        ("Ban Tuyên giáo TW Đoàn", "facebook.com/bantuyengiaotwd", ["official_page"]),
    ]


def test_a_return_whose_rows_all_fail_is_still_a_return(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    form = xlsx([1, "Tuổi trẻ Ninh Hải", "", "", ""], [2, "", "", "chưa có", ""])
    append(dovecot, folder, make_mail(attachments=[form]))
    poll(app)
    (submission,) = submissions(app)
    assert submission.status == "needs_review" and submission.error_count == 3
    assert [codes for _n, _u, codes in sites(app, submission.id)] == [
        ["missing_url"],
        ["missing_name", "bad_url"],
    ]
    with app.app_context():
        state = db.session.scalar(select(Recipient.state).join(Unit).where(Unit.code == "NHAI"))
    assert state == RecipientState.NEEDS_REVIEW


def test_a_form_with_its_header_and_no_rows_is_a_return_without_rows(app, dovecot, folder):  # noqa: F811
    """The form, filled in with nothing: recorded, to review ("no_rows"), and the message
    processed like any other (no row is written, not even an empty one)."""
    seed_roster(app)
    append(dovecot, folder, make_mail(attachments=[xlsx()]))
    poll(app)
    (submission,) = submissions(app)
    assert (submission.row_count, submission.read_error) == (0, "no_rows")
    assert submission.status == "needs_review" and sites(app, submission.id) == []
    with app.app_context():
        assert db.session.scalar(select(InboundMessage.status)) == "processed"


def test_a_scan_is_kept_for_manual_entry(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    pdf = ("scan.pdf", b"%PDF-1.4\n%scan\n", "application/pdf")
    append(dovecot, folder, make_mail(attachments=[pdf]))
    poll(app)
    (submission,) = submissions(app)
    assert (submission.status, submission.read_error, submission.row_count) == (
        "needs_review",
        "manual_entry",
        0,
    )
    with app.app_context():
        assert db.session.scalar(select(Attachment.status)) == "manual_entry"


def test_a_table_pasted_in_the_email_is_read(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    raw = make_mail(body="x")
    html = (
        "<p>Đơn vị: Huyện Đoàn Ninh Hải</p><table><tr><th>STT</th><th>Tên trang</th>"
        "<th>Đường dẫn</th></tr><tr><td>1</td><td>Đoàn xã Vĩnh Hải</td>"
        "<td>facebook.com/doanxavinhhai</td></tr></table>"
    )
    raw = raw.replace(
        b'Content-Type: text/plain; charset="utf-8"', b'Content-Type: text/html; charset="utf-8"'
    )
    raw = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" + html.encode()
    raw = raw.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit")
    append(dovecot, folder, raw)
    poll(app)
    (submission,) = submissions(app)
    assert sites(app, submission.id) == [("Đoàn xã Vĩnh Hải", "facebook.com/doanxavinhhai", [])]


def test_an_unknown_sender_is_matched_by_the_forms_unit_line_and_reviewed(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    form = xlsx(
        [1, "Tuổi trẻ Ninh Sơn", "", "facebook.com/tuoitreninhson", ""],
        above=[["ĐOÀN TNCS HỒ CHÍ MINH"], ["Đơn vị: HUYỆN ĐOÀN NINH SƠN"], []],
    )
    append(dovecot, folder, make_mail(sender="bi.thu@gmail.example", attachments=[form]))
    poll(app)
    (submission,) = submissions(app)
    assert submission.status == "needs_review"
    with app.app_context():
        assert db.session.get(Unit, submission.unit_id).code == "NSON"
        assert db.session.scalar(select(InboundMessage.status)) == "processed"


def test_a_page_already_reported_by_another_unit_is_flagged(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    shared = [1, "Tuổi trẻ huyện", "", "facebook.com/tuoitrechung", ""]
    append(
        dovecot,
        folder,
        make_mail(attachments=[xlsx(shared)]),
        make_mail(sender="huyendoan.ninhson@ninhthuan.example", attachments=[xlsx(shared)]),
    )
    poll(app)
    first, second = submissions(app)
    assert sites(app, first.id)[0][2] == []
    assert sites(app, second.id)[0][2] == ["duplicate_other_unit"]


def test_pages_stored_by_another_unit_are_flagged_across_a_fetch_batch(app, dovecot, folder):  # noqa: F811
    """The batch asks once for the addresses of the forms already read ahead
    (reading._reports_of): each later return must still get its own unit's answer."""
    seed_roster(app)
    ninh_son = "huyendoan.ninhson@ninhthuan.example"
    pages = [
        [1, "Tuổi trẻ xã A", "", "facebook.com/tuoitre.a", ""],
        [2, "Đoàn xã B", "", "doanxab.vn", ""],
    ]
    append(dovecot, folder, make_mail(attachments=[xlsx(*pages)]))  # Ninh Hải's, stored first
    poll(app)
    append(
        dovecot,
        folder,
        make_mail(sender=ninh_son, attachments=[xlsx(pages[0])]),
        make_mail(attachments=[xlsx(*pages)]),  # Ninh Hải again: A is Ninh Sơn's now too
        make_mail(
            sender=ninh_son, attachments=[xlsx(pages[1], [2, "Đoàn xã C", "", "doanxac.vn", ""])]
        ),
        make_mail(sender=ninh_son, attachments=[xlsx([1, "Đoàn xã D", "", "doanxad.vn", ""])]),
    )
    assert poll(app) == 4
    _first, son_1, hai_2, son_2, son_3 = submissions(app)
    assert [codes for _, _, codes in sites(app, son_1.id)] == [["duplicate_other_unit"]]
    assert [codes for _, _, codes in sites(app, hai_2.id)] == [["duplicate_other_unit"], []]
    assert [codes for _, _, codes in sites(app, son_2.id)] == [["duplicate_other_unit"], []]
    assert [codes for _, _, codes in sites(app, son_3.id)] == [[]]


def test_replay_rereads_rows_without_a_new_version(app, dovecot, folder):  # noqa: F811
    seed_roster(app)
    append(dovecot, folder, make_mail(attachments=[xlsx([1, "Tuổi trẻ", "", "doan.vn", ""])]))
    poll(app)
    with app.app_context():
        db.session.execute(Site.__table__.delete())
        db.session.commit()
    app.test_cli_runner().invoke(args=["mailin", "replay"])
    (submission,) = submissions(app)
    assert submission.version == 1 and submission.row_count == 1
    assert sites(app, submission.id) == [("Tuổi trẻ", "doan.vn", [])]


def test_one_fetch_batch_of_a_busy_morning_is_filed_as_one_message_at_a_time_would_be(
    app, dovecot, folder
):
    """One fetch batch (intake.py) asks the database once for what filing each message
    would ask (batch_lookups.py): what the batch itself writes must still count for the
    messages after it in the same batch."""
    from portal.models import InboundStatus, OutboundMessage, ReminderLog
    from portal.services.reminders import remind

    seed_roster(app)
    app.config["ACK_LIMIT"] = 2
    with app.app_context():
        assert remind(list(db.session.scalars(select(Recipient))), "day-1") == 2
    row = [1, "Tuổi trẻ Ninh Hải", "", "facebook.com/tuoitreninhhai", ""]
    ninh_son = "huyendoan.ninhson@ninhthuan.example"
    same_bytes = make_mail(attachments=[xlsx(row)], message_id="<same@ninhhai.example>")
    append(
        dovecot,
        folder,
        make_mail(attachments=[xlsx(row)]),  # Ninh Hải's first return
        same_bytes,  # its correction, delivered twice (stored once)
        same_bytes,
        make_mail(
            attachments=[xlsx([1, "Khác", "", "khac.vn", ""])], message_id="<same@ninhhai.example>"
        ),
        *(make_mail(sender=ninh_son, attachments=[xlsx(row)]) for _ in range(3)),
    )
    assert poll(app) == 7
    with app.app_context():
        statuses = db.session.scalars(select(InboundMessage.status).order_by(InboundMessage.id))
        assert list(statuses) == ["processed"] * 2 + [InboundStatus.DUPLICATE] + ["processed"] * 3
        versions = db.session.execute(
            select(Unit.code, Submission.version, Submission.is_current)
            .join(Unit)
            .order_by(Submission.id)
        ).all()
        assert versions == [
            ("NHAI", 1, False),
            ("NHAI", 2, True),
            ("NSON", 1, False),
            ("NSON", 2, False),
            ("NSON", 3, True),
        ]
        assert db.session.scalar(select(func.count(Recipient.id))) == 2
        acknowledged = db.session.scalars(
            select(OutboundMessage.to_addresses).where(OutboundMessage.kind == "acknowledgement")
        ).all()
        # ACK_LIMIT 2: Ninh Sơn's third return is not answered; Ninh Hải's two are.
        assert sorted(acknowledged) == sorted([NINH_HAI, NINH_HAI, ninh_son, ninh_son])
        reminders = db.session.scalars(
            select(OutboundMessage.state).join(
                ReminderLog, ReminderLog.outbound_message_id == OutboundMessage.id
            )
        ).all()
        assert reminders == ["cancelled", "cancelled"]
    first, second, *ninh_son_returns = submissions(app)
    # Ninh Hải's page is Ninh Sơn's too: flagged on each of Ninh Sơn's returns (not on
    # Ninh Hải's own correction: its first return is the same unit's).
    assert sites(app, second.id)[0][2] == []
    assert [sites(app, s.id)[0][2] for s in ninh_son_returns] == [["duplicate_other_unit"]] * 3
