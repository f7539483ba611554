"""Every change made through the admin leaves an audit event: who, when, what, before/after."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Unit


def events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_create_edit_and_delete_through_the_admin_are_audited(app, client, as_role):
    token = as_role("editor")
    client.post(
        "/admin/unit/new/",
        data={
            "csrf_token": token,
            "code": "NHAI",
            "name": "Huyện Đoàn Ninh Hải",
            "emails_text": "ninhhai@ninhthuan.example",
            "is_active": "y",
        },
    )
    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id))
    client.post(
        f"/admin/unit/edit/?id={unit_id}",
        data={
            "csrf_token": token,
            "code": "NHAI",
            "name": "Huyện Đoàn Ninh Hải",
            "emails_text": "bithu.ninhhai@ninhthuan.example\nninhhai@ninhthuan.example",
            "contact_name": "Nguyễn Văn A",
            "is_active": "y",
        },
    )
    client.post("/admin/unit/delete/", data={"csrf_token": token, "id": unit_id})

    created, changed, deleted = events(app)
    assert [e.action for e in (created, changed, deleted)] == ["create", "update", "delete"]
    assert {e.actor for e in (created, changed, deleted)} == {"editor@example.org"}
    assert created.object_type == "Unit" and created.object_id == str(unit_id)
    assert created.after["name"] == "Huyện Đoàn Ninh Hải"
    assert changed.before == {"contact_name": "", "emails": ["ninhhai@ninhthuan.example"]}
    assert changed.after == {
        "contact_name": "Nguyễn Văn A",
        "emails": ["bithu.ninhhai@ninhthuan.example", "ninhhai@ninhthuan.example"],
    }
    assert deleted.before["code"] == "NHAI"


def test_saving_without_a_change_writes_no_event(app, client, as_role):
    token = as_role("editor")
    form = {"csrf_token": token, "code": "NSON", "name": "Huyện Đoàn Ninh Sơn", "is_active": "y"}
    client.post("/admin/unit/new/", data=form)
    client.post("/admin/unit/edit/?id=1", data=form)
    assert [e.action for e in events(app)] == ["create"]


def test_a_password_change_is_audited_without_the_hash(app, client, as_role, users):
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
    (event,) = events(app)
    assert event.before == {"password_hash": "***"}
    assert "scrypt" not in str(event.after)
