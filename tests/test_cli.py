"""The command line: import-units, add-dispatch, create-user."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Dispatch, Recipient, Unit, User
from tests.conftest import DATA


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def units_by_code(app) -> dict[str, tuple[str, str | None, list[str]]]:
    with app.app_context():
        return {
            u.code: (u.name, u.parent.code if u.parent else None, u.email_list)
            for u in db.session.scalars(select(Unit))
        }


def test_import_units_from_xlsx_creates_units_with_parents_and_emails(app):
    result = run(app, "import-units", str(DATA / "units.xlsx"))
    assert result.exit_code == 0, result.output
    assert "Thêm mới 5, cập nhật 0, giữ nguyên 0, 0 dòng có lỗi." in result.output
    units = units_by_code(app)
    assert units["CS01"] == ("Đoàn xã Vĩnh Hải", "NHAI", ["doanxavinhhai@ninhthuan.example"])
    assert units["NHAI"][2] == [
        "huyendoan.ninhhai@ninhthuan.example",
        "bithu.ninhhai@ninhthuan.example",
    ]
    assert units["1234"] == ("Chi đoàn mã số", "NHAI", [])  # a numeric code stays "1234"
    assert units["TDNT"][1] is None


def test_a_second_import_changes_nothing(app):
    run(app, "import-units", str(DATA / "units.xlsx"))
    before = units_by_code(app)
    with app.app_context():
        events = db.session.scalar(select(func.count(AuditEvent.id)))
    result = run(app, "import-units", str(DATA / "units.xlsx"))
    assert result.exit_code == 0
    assert "Thêm mới 0, cập nhật 0, giữ nguyên 5" in result.output
    assert units_by_code(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_a_changed_line_updates_its_unit_and_is_audited(app, tmp_path):
    run(app, "import-units", str(DATA / "units.xlsx"))
    changed = tmp_path / "units.csv"
    changed.write_text(
        "code,name,parent_code,emails\nBACAI,Huyện Đoàn Bác Ái,TDNT,moi.bacai@ninhthuan.example\n",
        encoding="utf-8",
    )
    result = run(app, "import-units", str(changed))
    assert "Thêm mới 0, cập nhật 1, giữ nguyên 0" in result.output
    assert units_by_code(app)["BACAI"][2] == ["moi.bacai@ninhthuan.example"]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "update" and event.actor == "import-units"
    assert event.before["emails"] == ["huyendoan.bacai@ninhthuan.example"]
    assert event.after["emails"] == ["moi.bacai@ninhthuan.example"]


def test_bad_lines_are_reported_by_line_and_not_imported(app):
    result = run(app, "import-units", str(DATA / "units_bad.csv"))
    assert result.exit_code == 1
    out = result.output
    assert "units_bad.csv:4: Không có đơn vị cấp trên mang mã “KHONGCO”." in out
    assert "units_bad.csv:5: “ninhson@@ninhthuan” không phải là địa chỉ email hợp lệ" in out
    assert "units_bad.csv:6: Chưa có tên đơn vị." in out
    assert "units_bad.csv:7: Mã “NH” xuất hiện hai lần trong tệp." in out
    assert "units_bad.csv:8: Không có đơn vị cấp trên mang mã “YY”." in out
    assert "Thêm mới 2, cập nhật 0, giữ nguyên 0, 5 dòng có lỗi." in out
    assert set(units_by_code(app)) == {"TD", "NH"}
    assert units_by_code(app)["NH"][2] == [
        "ninhhai@ninhthuan.example",
        "bithu.ninhhai@ninhthuan.example",
    ]


def test_dry_run_reports_and_changes_nothing(app):
    result = run(app, "import-units", "--dry-run", str(DATA / "units.xlsx"))
    assert "(chạy thử, không lưu gì) Thêm mới 5" in result.output
    assert units_by_code(app) == {}


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "không có dữ liệu"),
        (b"ho ten;so dien thoai\n", "còn thiếu: code, name"),
    ],
)
def test_an_unusable_file_is_refused_clearly(app, tmp_path, content, message):
    path = tmp_path / "units.csv"
    path.write_bytes(content)
    result = run(app, "import-units", str(path))
    assert result.exit_code != 0
    assert message in result.output


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def windows_1258(text: str) -> bytes:
    """text as Vietnamese Windows saves it: precomposed vowels, tones as combining marks."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def test_a_windows_1258_csv_is_read(app, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(windows_1258("code,name\nNS,Huyện Đoàn Ninh Sơn\n"))
    assert run(app, "import-units", str(path)).exit_code == 0
    assert units_by_code(app)["NS"][0] == "Huyện Đoàn Ninh Sơn"


def test_add_dispatch_puts_every_active_unit_on_its_roster(app):
    run(app, "import-units", str(DATA / "units.xlsx"))
    result = run(
        app,
        "add-dispatch",
        "--number",
        "422-CV/TĐTN-TG",
        "--subject",
        "V/v tiếp cận thông tin",
        "--issued",
        "2018-06-20",
        "--deadline",
        "2018-06-27",
        "--message-id",
        "<abc@mail.example>\r\nBcc: x@evil.example",
        "--upstream",
        "TuyenGiao@Example.org",
    )
    assert result.exit_code == 0, result.output
    assert "gửi tới 5 đơn vị" in result.output
    with app.app_context():
        dispatch = db.session.scalar(select(Dispatch))
        assert dispatch.deadline == dt.date(2018, 6, 27)
        assert dispatch.upstream_email == "tuyengiao@example.org"
        assert "\n" not in dispatch.message_id and "\r" not in dispatch.message_id
        assert db.session.scalar(select(func.count(Recipient.id))) == 5


def test_add_dispatch_with_chosen_units_and_unknown_codes(app):
    run(app, "import-units", str(DATA / "units.xlsx"))
    args = [
        "add-dispatch",
        "--number",
        "1",
        "--subject",
        "V/v",
        "--issued",
        "2021-10-27",
        "--deadline",
        "2021-11-10",
    ]
    refused = run(app, *args, "--units", "NHAI,NOPE")
    assert refused.exit_code != 0 and "NOPE" in refused.output
    assert run(app, *args, "--units", "NHAI,CS01").exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Recipient.id))) == 2
    again = run(app, *args)
    assert again.exit_code != 0 and "đã có trong hệ thống" in again.output


def test_add_dispatch_refuses_a_deadline_before_issue(app):
    result = run(
        app,
        "add-dispatch",
        "--number",
        "1",
        "--subject",
        "V/v",
        "--issued",
        "2021-10-27",
        "--deadline",
        "2021-10-01",
    )
    assert result.exit_code != 0 and "Hạn báo cáo sớm hơn ngày ban hành" in result.output


def test_create_user_reads_the_password_from_stdin(app):
    result = run(
        app,
        "create-user",
        "Staff@Example.org",
        "--role",
        "admin",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
    assert (user.email, user.role) == ("staff@example.org", "admin")
    short = run(app, "create-user", "x@example.org", "--password-stdin", input="short\n")
    assert short.exit_code != 0 and "ít nhất 10 ký tự" in short.output


def test_load_demo_is_idempotent(app):
    first = run(app, "load-demo")
    assert first.exit_code == 0, first.output
    counts = units_by_code(app)
    assert run(app, "load-demo").exit_code == 0
    assert units_by_code(app) == counts
    with app.app_context():
        numbers = sorted(d.number for d in db.session.scalars(select(Dispatch)))
        assert numbers == ["422-CV/TĐTN-TG", "DK-FANPAGE-2021"]
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_load_demo_refuses_a_database_with_real_units(app, tmp_path):
    live = tmp_path / "live.csv"
    live.write_text("code,name\nHDPR,Huyện Đoàn Phan Rang\n", encoding="utf-8")
    assert run(app, "import-units", str(live)).exit_code == 0
    refused = run(app, "load-demo")
    assert refused.exit_code != 0 and "HDPR" in refused.output and "--force" in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Dispatch.id))) == 0  # nothing added
        assert db.session.scalar(select(func.count(User.id))) == 0
    assert run(app, "load-demo", "--force").exit_code == 0


def test_a_file_with_fewer_columns_leaves_the_others_alone(app, tmp_path):
    run(app, "import-units", str(DATA / "units.xlsx"))
    names_only = tmp_path / "names.csv"
    names_only.write_text("code,name\nNHAI,Huyện Đoàn Ninh Hải (mới)\n", encoding="utf-8")
    assert run(app, "import-units", str(names_only)).exit_code == 0
    name, parent, emails = units_by_code(app)["NHAI"]
    assert name == "Huyện Đoàn Ninh Hải (mới)" and parent == "TDNT" and len(emails) == 2


def test_a_parent_that_makes_a_loop_is_refused(app, tmp_path):
    run(app, "import-units", str(DATA / "units.xlsx"))
    looped = tmp_path / "loop.csv"
    looped.write_text(
        "code,name,parent_code\nTDNT,Tỉnh Đoàn Ninh Thuận,CS01\n"
        "AAA,Đơn vị A,BBB\nBBB,Đơn vị B,AAA\n",
        encoding="utf-8",
    )
    result = run(app, "import-units", str(looped))
    assert result.exit_code == 1
    assert (
        result.output.count("would make the hierarchy a loop") + result.output.count("vòng lặp")
        == 3
    )
    assert units_by_code(app)["TDNT"][1] is None and "AAA" not in units_by_code(app)


def test_values_too_long_for_the_database_are_refused_per_line(app, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        f"code,name\n{'X' * 60},Đơn vị\nOK,{'Đ' * 300}\nGOOD,Đơn vị tốt\n", encoding="utf-8"
    )
    result = run(app, "import-units", str(path))
    assert result.exit_code == 1
    assert set(units_by_code(app)) == {"GOOD"}
