"""What the admin screens enforce beyond the forms: rosters, hierarchy, accounts, errors."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dispatch, ReportSettings, Unit, User
from portal.services.consolidated_reply.sending import report_settings
from tests.conftest import add_dispatch_in_admin, login
from tests.support.factories import make_dispatch, make_unit


def add_units(app, *codes: str) -> None:
    with app.app_context():
        for code in codes:
            make_unit(code)


def test_a_dispatch_added_in_the_admin_goes_to_every_active_unit(app, client, as_role):
    add_units(app, "A", "B")
    token = as_role("editor")
    response = add_dispatch_in_admin(
        client,
        token,
        message_id="<cv422@tinhdoan.example>\r\nBcc: evil@x.example",
        upstream_email="TuyenGiao@Example.org",
    )
    assert response.status_code == 302
    with app.app_context():
        dispatch = db.session.scalar(select(Dispatch))
        assert len(dispatch.recipients) == 2
        assert "\n" not in dispatch.message_id and "\r" not in dispatch.message_id
        assert dispatch.upstream_email == "tuyengiao@example.org"


def test_dispatch_search_ignores_case_and_diacritics(app, client, as_role):
    token = as_role("editor")
    add_dispatch_in_admin(client, token)
    for term in ("TIẾP CẬN", "tdtn", "422"):
        assert "tiếp cận" in client.get(f"/admin/dispatch/?search={term}").text, term
    assert "tiếp cận" not in client.get("/admin/dispatch/?search=fanpage").text


def test_a_unit_on_a_roster_is_not_deleted(app, client, as_role):
    with app.app_context():
        unit = make_unit("A")
        make_dispatch("1", "V/v", unit.created_at.date(), unit.created_at.date(), units=[unit])
    token = as_role("editor")
    page = client.post(
        "/admin/unit/delete/", data={"csrf_token": token, "id": 1}, follow_redirects=True
    )
    assert "Hãy bỏ chọn “Đang hoạt động” thay vì xóa." in page.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Unit.id))) == 1


def test_a_unit_cannot_be_put_under_itself(app, client, as_role):
    add_units(app, "A", "B")
    with app.app_context():
        a, b = db.session.scalars(select(Unit).order_by(Unit.code)).all()
        b.parent = a
        db.session.commit()
    token = as_role("editor")
    page = client.post(
        "/admin/unit/edit/?id=1",
        follow_redirects=True,
        data={
            "csrf_token": token,
            "code": "A",
            "name": "Đơn vị A",
            "parent": "2",
            "is_active": "y",
        },
    )
    assert "Không thể đặt đơn vị làm cấp dưới" in page.text
    with app.app_context():
        assert db.session.get(Unit, 1).parent is None


def test_staff_addresses_are_checked_and_stored_lower_case(app, client, as_role):
    token = as_role("admin")
    form = {
        "csrf_token": token,
        "role": "editor",
        "is_active": "y",
        "new_password": "a long enough password",
    }
    refused = client.post("/admin/user/new/", data=form | {"email": "not an email"})
    assert refused.status_code == 200 and "không phải là địa chỉ email hợp lệ" in refused.text
    client.post("/admin/user/new/", data=form | {"email": "Staff@Example.org"})
    with app.app_context():
        assert (
            db.session.scalar(
                select(User.email).where(User.role == "editor").order_by(User.id.desc())
            )
            == "staff@example.org"
        )
    other = app.test_client()
    assert login(other, "Staff@Example.org", "a long enough password").status_code == 302


def test_a_password_change_ends_the_other_sessions(app, client, as_role, users):
    viewer = app.test_client()
    login(viewer, "viewer@example.org")
    assert viewer.get("/admin/").status_code == 200
    token = as_role("admin")
    client.post(
        f"/admin/user/edit/?id={users['viewer']}",
        data={
            "csrf_token": token,
            "email": "viewer@example.org",
            "role": "viewer",
            "is_active": "y",
            "new_password": "another long password",
        },
    )
    assert viewer.get("/admin/").status_code == 302


def test_error_pages_are_in_vietnamese(client, as_role):
    as_role("viewer")
    assert "Không có trang này" in client.get("/admin/khong-co/").text
    forbidden = client.get("/admin/unit/new/")
    assert forbidden.status_code == 403 and "không có quyền" in forbidden.text
    editor = client.application.test_client()
    login(editor, "editor@example.org")
    expired = editor.post("/admin/unit/new/", data={"csrf_token": "het-han"})
    assert expired.status_code == 400 and "Biểu mẫu đã hết hạn" in expired.text


def test_the_blank_form_downloads_with_the_units_name_and_reads_back(app, client, as_role):
    from mailin.forms import read_form

    with app.app_context():
        make_unit("NHAI")
        make_dispatch()
    as_role("viewer")
    response = client.get("/admin/dispatch/form/1?unit=1")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert (
        "M%E1%BA%ABu%20b%C3%A1o%20c%C3%A1o%20422-CV-T%C4%90TN-TG%20-%20NHAI.xlsx"
        in response.headers["Content-Disposition"]
    )
    reading = read_form(response.data)
    assert (reading.status, reading.unit_line, reading.rows) == ("read", "Đơn vị NHAI", [])


def test_a_dispatch_added_in_the_admin_keeps_the_same_rules_as_the_command_line(
    app, client, as_role
):
    """The admin goes through the same check as `flask add-dispatch` (it used to skip the
    deadline): a deadline before the date of issue, or a number already used, is refused
    with the reason and nothing is saved."""
    add_units(app, "A")
    token = as_role("editor")
    page = add_dispatch_in_admin(client, token, deadline="01/01/2017")
    assert "Hạn báo cáo sớm hơn ngày ban hành." in page.text
    assert add_dispatch_in_admin(client, token).status_code == 302
    again = add_dispatch_in_admin(client, token, number=" 422-CV/TĐTN-TG ")
    assert "đã có trong hệ thống" in again.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Dispatch.id))) == 1


def test_report_settings_are_shown_without_writing_then_saved_once_from_the_defaults(
    app, client, as_role
):
    """Opening the settings writes nothing (no commit on a GET); staff save them once from
    the defaults the form shows, then only edit that row."""
    token = as_role("admin")
    listing = client.get("/admin/reportsettings/")
    assert listing.status_code == 200 and "/admin/reportsettings/new/" in listing.text
    new = client.get("/admin/reportsettings/new/")
    assert "Ban Tuyên giáo Trung ương Đoàn" in new.text  # the defaults, ready to save
    with app.app_context():
        assert db.session.scalar(select(func.count(ReportSettings.id))) == 0
        assert report_settings().addressee == "Ban Tuyên giáo Trung ương Đoàn"
    fields = {"csrf_token": token, "issuing_body": "BAN THƯỜNG VỤ", "signer_name": "Lê Văn B"}
    assert client.post("/admin/reportsettings/new/", data=fields).status_code == 302
    assert "/admin/reportsettings/new/" not in client.get("/admin/reportsettings/").text
    assert client.get("/admin/reportsettings/new/").status_code in (302, 403)
    with app.app_context():
        assert db.session.scalar(select(func.count(ReportSettings.id))) == 1
        assert report_settings().signer_name == "Lê Văn B"
