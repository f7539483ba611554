"""The consolidated reply: workbook and letter agree with the database; it is sent once."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from portal import ROOT
from portal.extensions import db
from portal.models import (
    AuditEvent,
    ConsolidatedReport,
    Dispatch,
    Finding,
    OutboundMessage,
    RecipientState,
    Site,
    Submission,
    SubmissionStatus,
)
from portal.services.consolidated_reply.documents import text
from portal.services.consolidated_reply.figures import consolidate, figures
from portal.services.consolidated_reply.sending import build, send_report
from portal.services.triage import accept, reject
from tests.support.factories import make_dispatch, make_unit

FORMULA = '=HYPERLINK("http://evil.example","bấm vào đây")'
ON_TIME = dt.datetime(2018, 6, 25, 3, 0, tzinfo=dt.UTC)
LATE = dt.datetime(2018, 6, 29, 3, 0, tzinfo=dt.UTC)


def site(name, url, key, platform, errors=(), warnings=()):
    return Site(
        name=name,
        url=url,
        url_normalized=key,
        platform=platform,
        findings=[Finding(severity="error", code=c) for c in errors]
        + [Finding(severity="warning", code=c) for c in warnings],
    )


@pytest.fixture
def dispatch_422(app):
    """Four units: on time (2 rows), late (a formula-looking name), errors only, silent."""
    with app.app_context():
        units = {
            code: make_unit(code, name)
            for code, name in [
                ("A", "Huyện Đoàn Ninh Hải"),
                ("B", "Huyện Đoàn Ninh Sơn"),
                ("C", "Huyện Đoàn Bác Ái"),
                ("D", "Huyện Đoàn Thuận Nam"),
            ]
        }
        dispatch = make_dispatch(
            units=list(units.values()),
            upstream_email="bantuyengiao@trunguongdoan.example",
            message_id="<cv422@tinhdoan.example>",
        )
        states = {
            "A": RecipientState.RECEIVED,
            "B": RecipientState.RECEIVED,
            "C": RecipientState.NEEDS_REVIEW,
            "D": RecipientState.AWAITING,
        }
        for recipient in dispatch.recipients:
            recipient.state = states[recipient.unit.code]
        db.session.add_all(
            [
                Submission(
                    dispatch=dispatch,
                    unit=units["A"],
                    received_at=ON_TIME,
                    sites=[
                        site(
                            "Tuổi trẻ Ninh Hải",
                            "fb.com/tuoitreninhhai",
                            "facebook.com/tuoitreninhhai",
                            "facebook_page",
                        ),
                        site(
                            "Cổng TTĐT Đoàn",
                            "doanninhhai.com",
                            "doanninhhai.com",
                            "website",
                            warnings=["non_vn_domain"],
                        ),
                    ],
                ),
                Submission(
                    dispatch=dispatch,
                    unit=units["B"],
                    received_at=LATE,
                    sites=[
                        site(
                            FORMULA,
                            "facebook.com/profile.php?id=1",
                            "facebook.com/profile.php?id=1",
                            "facebook_profile",
                            warnings=["facebook_profile"],
                        )
                    ],
                ),
                Submission(
                    dispatch=dispatch,
                    unit=units["C"],
                    received_at=ON_TIME,
                    status="needs_review",
                    sites=[site("", "chưa có", "", "other", errors=["missing_name", "bad_url"])],
                ),
            ]
        )
        db.session.commit()
        return dispatch.id


def test_the_json_export_is_the_contract(app, dispatch_422):
    result = app.test_cli_runner().invoke(args=["export", "422-CV/TĐTN-TG", "--format", "json"])
    data = json.loads(result.output)
    assert data["dispatch"] == {
        "number": "422-CV/TĐTN-TG",
        "subject": "V/v tiếp cận thông tin",
        "issued": "2018-06-20",
        "deadline": "2018-06-27",
    }
    by_code = {unit["code"]: unit for unit in data["units"]}
    assert (by_code["A"]["late"], by_code["B"]["late"]) == (False, True)
    assert by_code["D"]["status"] == "awaiting" and by_code["D"]["rows"] == []
    assert by_code["C"]["rows"][0]["errors"] == ["missing_name", "bad_url"]
    assert by_code["A"]["rows"][1]["warnings"] == ["non_vn_domain"]


def test_the_workbook_agrees_with_the_database(app, dispatch_422, tmp_path):
    path = tmp_path / "tong-hop.xlsx"
    app.test_cli_runner().invoke(
        args=["export", "422-CV/TĐTN-TG", "--format", "xlsx", "-o", str(path)]
    )
    with app.app_context():
        accepted = db.session.scalar(
            select(func.count(Site.id)).where(~Site.findings.any(Finding.severity == "error"))
        )
    book = load_workbook(path)
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(values_only=True) if row[0]}
    assert summary["Số đơn vị nhận công văn"] == 4
    assert (summary["Đã báo cáo đúng hạn"], summary["Báo cáo sau hạn"]) == (2, 1)
    assert summary["Chưa báo cáo"] == 1
    assert summary["Tổng số trang/kênh được ghi nhận"] == accepted == 3
    assert summary["Hạn báo cáo"] == dt.datetime(2018, 6, 27)  # a date, not text
    rows = book["Danh sách trang"]
    assert rows.freeze_panes == "A2" and rows.auto_filter.ref
    names = [row[2] for row in rows.iter_rows(min_row=2, values_only=True)]
    assert names == ["Tuổi trẻ Ninh Hải", "Cổng TTĐT Đoàn", FORMULA]
    formula_cell = rows.cell(row=4, column=3)
    assert formula_cell.data_type == "s"  # text, inert in Excel
    missing = [row[1] for row in book["Chưa báo cáo"].iter_rows(min_row=2, values_only=True)]
    assert missing == ["Huyện Đoàn Thuận Nam"]
    calamine = CalamineWorkbook.from_path(str(path))
    assert calamine.get_sheet_by_name("Danh sách trang").to_python()[3][2] == FORMULA


def test_an_empty_text_is_a_blank_cell_and_text_keeps_all_but_control_characters(app, dispatch_422):
    """A field the unit left empty is no cell at all (Excel counts a cell holding "" as
    filled); what a cell holds loses only its control characters, whichever way it goes."""
    with app.app_context():
        data = build(db.session.get(Dispatch, dispatch_422)).workbook
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rows_sheet = archive.read("xl/worksheets/sheet2.xml").decode()
        missing_sheet = archive.read("xl/worksheets/sheet3.xml").decode()
    assert 'r="C2"' in rows_sheet and 'r="G2"' not in rows_sheet  # a name, no agency
    assert "<t></t>" not in rows_sheet and "<t/>" not in rows_sheet
    assert 'r="B2"' in missing_sheet and 'r="C2"' not in missing_sheet  # unit D: no address
    book = load_workbook(io.BytesIO(data))
    assert book["Danh sách trang"]["G2"].value is None
    assert text("Trang\u00a0Đoàn\x01\x1f\tmới\n\x7f") == "Trang\u00a0Đoàn\tmới\n"
    assert text("x" * 40_000) == "x" * 32_767 and text(None) == "" and text(5) == "5"


def test_the_cover_letter_states_the_figures(app, dispatch_422):
    with app.app_context():
        letter = build(db.session.get(Dispatch, dispatch_422)).letter
    text = "\n".join(p.text for p in Document(io.BytesIO(letter)).paragraphs)
    cells = " ".join(
        c.text for t in Document(io.BytesIO(letter)).tables for row in t.rows for c in row.cells
    )
    assert "ĐOÀN TNCS HỒ CHÍ MINH" in cells and "TM. BAN THƯỜNG VỤ TỈNH ĐOÀN" in cells
    assert "V/v báo cáo kết quả thực hiện Công văn số 422-CV/TĐTN-TG ngày 20/06/2018" in cells
    assert "Kính gửi: Ban Tuyên giáo Trung ương Đoàn" in text
    assert (
        "Số đơn vị được đề nghị báo cáo: 4; đã báo cáo: 3 (đúng hạn 2, sau hạn 1); "
        "chưa báo cáo: 1 (Huyện Đoàn Thuận Nam)."
    ) in text
    assert "1 trang thông tin điện tử chưa dùng tên miền có đuôi .vn" in text
    assert "1 trang là trang cá nhân Facebook thay vì Fanpage" in text


def test_two_staff_sending_at_once_make_one_email(app, dispatch_422):
    results = []

    def send():
        with app.app_context():
            report = send_report(db.session.get(Dispatch, dispatch_422), 0, "a@example.org")
            results.append(report.version if report else None)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [1, None]
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboundMessage.id))) == 1


def test_the_send_button_sends_once_and_again_only_when_confirmed(
    app, client, as_role, dispatch_422
):
    token = as_role("editor")
    page = client.get(f"/admin/dispatch/report/{dispatch_422}")
    assert "Gửi báo cáo tổng hợp" in page.text and "Huyện Đoàn Thuận Nam" in page.text
    url = f"/admin/dispatch/report/{dispatch_422}/send"
    for _ in range(2):  # a double click, or the same POST replayed
        client.post(url, data={"csrf_token": token, "after_version": "0"})
    again = client.post(
        url, data={"csrf_token": token, "after_version": "1"}, follow_redirects=True
    )
    assert "đánh dấu xác nhận" in again.text
    client.post(url, data={"csrf_token": token, "after_version": "1", "confirm_again": "yes"})
    with app.app_context():
        reports = db.session.scalars(select(ConsolidatedReport)).all()
        assert [(r.version, r.sent_by) for r in reports] == [
            (1, "editor@example.org"),
            (2, "editor@example.org"),
        ]
        message = db.session.scalar(select(OutboundMessage))
        assert message.headers["In-Reply-To"] == "<cv422@tinhdoan.example>"
        assert [a.filename for a in message.attachments] == [
            "Tổng hợp 422-CV-TĐTN-TG.xlsx",
            "Báo cáo 422-CV-TĐTN-TG.docx",
        ]
        assert (
            db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "send"))
            == 2
        )


def test_a_viewer_cannot_send(client, as_role, dispatch_422):
    token = as_role("viewer")
    response = client.post(
        f"/admin/dispatch/report/{dispatch_422}/send",
        data={"csrf_token": token, "after_version": "0"},
    )
    assert response.status_code == 403


def test_a_rejected_return_is_not_sent_upstream(app, client, as_role, users, dispatch_422):
    """Staff rejected unit B's return (the roster line goes back to needs_review): B counts
    as not reported, marked as rejected, and none of its rows goes upstream. Accepted and
    not-yet-reviewed returns count as before."""
    with app.app_context():
        returns = {
            s.unit.code: s
            for s in db.session.scalars(select(Submission).where(Submission.is_current))
        }
        assert reject(returns["B"], "Sai mẫu, đề nghị gửi lại.", users["editor"])
        accept(returns["A"], "", users["editor"])
        dispatch = db.session.get(Dispatch, dispatch_422)
        result = consolidate(dispatch)
        counted = figures(result)
        documents = build(dispatch)

    by_code = {unit["code"]: unit for unit in result["units"]}
    rejected = by_code["B"]
    assert rejected["status"] == "needs_review"  # the roster line: keys kept as documented
    assert rejected["return_status"] == SubmissionStatus.REJECTED == "rejected"
    assert (rejected["rows"], rejected["submitted_at"], rejected["late"]) == ([], None, False)
    assert [by_code[c]["return_status"] for c in "ACD"] == ["accepted", "needs_review", None]
    assert len(by_code["A"]["rows"]) == 2 and len(by_code["C"]["rows"]) == 1
    exported = json.loads(
        app.test_cli_runner().invoke(args=["export", "422-CV/TĐTN-TG", "--format", "json"]).output
    )
    assert exported["units"] == json.loads(json.dumps(result["units"]))

    assert (counted.units, counted.on_time, counted.late, counted.rows) == (4, 2, 0, 2)
    assert counted.missing == ["Huyện Đoàn Ninh Sơn", "Huyện Đoàn Thuận Nam"]
    assert [(u["code"], u["return_status"]) for u in counted.not_reported] == [
        ("B", "rejected"),
        ("D", None),
    ]
    assert counted.by_platform == {"facebook_page": 1, "website": 1}
    assert counted.by_warning == {"non_vn_domain": 1} and counted.with_warnings == 1

    book = load_workbook(io.BytesIO(documents.workbook))
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(values_only=True) if row[0]}
    assert (summary["Đã báo cáo đúng hạn"], summary["Báo cáo sau hạn"]) == (2, 0)
    assert summary["Chưa báo cáo"] == 2
    assert summary["Tổng số trang/kênh được ghi nhận"] == 2
    assert not any("cá nhân" in str(label) for label in summary)
    listed = list(book["Danh sách trang"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in listed] == ["A", "A"]
    assert FORMULA not in [cell for row in listed for cell in row]
    missing = list(book["Chưa báo cáo"].iter_rows(values_only=True))
    assert missing == [
        ("Mã đơn vị", "Đơn vị", "Địa chỉ liên hệ", "Tình trạng"),
        ("B", "Huyện Đoàn Ninh Sơn", None, "Báo cáo bị trả lại"),
        ("D", "Huyện Đoàn Thuận Nam", None, "Chưa gửi báo cáo"),
    ]

    letter = "\n".join(p.text for p in Document(io.BytesIO(documents.letter)).paragraphs)
    assert (
        "Số đơn vị được đề nghị báo cáo: 4; đã báo cáo: 2 (đúng hạn 2, sau hạn 0); "
        "chưa báo cáo: 2 (Huyện Đoàn Ninh Sơn (báo cáo bị trả lại), Huyện Đoàn Thuận Nam)."
    ) in letter
    assert "Tổng số trang/kênh được thống kê: 2," in letter
    assert "trang cá nhân Facebook" not in letter

    as_role("viewer")
    page = client.get(f"/admin/dispatch/report/{dispatch_422}").text
    assert "Huyện Đoàn Ninh Sơn (báo cáo bị trả lại)" in page
    assert "<li>Huyện Đoàn Thuận Nam</li>" in page
    assert "Đơn vị chưa báo cáo (2)" in page


def test_the_email_upstream_says_what_its_templates_say(app, dispatch_422):
    with app.app_context():
        report = send_report(db.session.get(Dispatch, dispatch_422), 0, "a@example.org")
        assert report.outbound.subject == "Báo cáo tổng hợp theo Công văn số 422-CV/TĐTN-TG"
        assert report.outbound.body_text == (
            "Kính gửi: Ban Tuyên giáo Trung ương Đoàn,\n\n"
            "Ban Thường vụ gửi báo cáo tổng hợp kết quả thực hiện Công văn số 422-CV/TĐTN-TG "
            "ngày 20/06/2018 (văn bản và danh sách chi tiết đính kèm).\n"
            "Số đơn vị đã báo cáo: 3/4; số trang/kênh được thống kê: 3.\n\nTrân trọng."
        )


def test_a_staff_edit_of_the_templates_changes_what_is_sent(app, dispatch_422):
    """The letter, the workbook and the email upstream say what their templates say: staff
    who adapt a text in the instance folder's templates/ (kept when the code is updated)
    change what is sent."""
    adapted = Path(app.instance_path) / "templates"

    def adapt(name: str, old: str, new: str) -> None:
        path = adapted / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / "templates" / name, path)
        source = path.read_text(encoding="utf-8")
        assert source.count(old) == 1, name
        path.write_text(source.replace(old, new), encoding="utf-8")

    adapt("documents/cover_letter.txt", "Ban Thường vụ báo cáo", "Ban Chấp hành báo cáo")
    adapt("documents/cover_letter.txt", "Nơi nhận:", "Nơi nhận văn bản:")
    adapt("documents/workbook.txt", "Đã báo cáo đúng hạn", "Báo cáo trong hạn")
    adapt("documents/workbook.txt", "Chưa gửi báo cáo", "Chưa gửi")
    adapt("email/consolidated.subject.txt", "Báo cáo tổng hợp theo", "Tổng hợp\r\nBcc: theo")
    with app.app_context():
        report = send_report(db.session.get(Dispatch, dispatch_422), 0, "a@example.org")
        subject, letter, workbook = report.outbound.subject, report.letter, report.workbook

    assert subject == "Tổng hợp Bcc: theo Công văn số 422-CV/TĐTN-TG"  # one line, whatever
    document = Document(io.BytesIO(letter))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "Ban Chấp hành báo cáo kết quả thống kê" in paragraphs
    assert "Ban Thường vụ báo cáo" not in paragraphs
    assert document.tables[1].cell(0, 0).paragraphs[0].text == "Nơi nhận văn bản:"
    book = load_workbook(io.BytesIO(workbook))
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(values_only=True) if row[0]}
    assert summary["Báo cáo trong hạn"] == 2 and "Đã báo cáo đúng hạn" not in summary
    assert ("D", "Huyện Đoàn Thuận Nam", None, "Chưa gửi") in book["Chưa báo cáo"].iter_rows(
        values_only=True
    )
