"""Staff finish what the intake could not: triage a message, review a return."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    InboundMessage,
    OutboundMessage,
    Recipient,
    Submission,
    Unit,
)
from tests.support.factories import make_unit
from tests.support.mailbox import append, poll, seed_roster
from tests.support.mails import form_attachment, make_mail


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


STRANGER = "bi.thu.ninhhai@gmail.example"


def test_a_triaged_message_is_assigned_and_runs_the_normal_intake(
    app,
    client,
    as_role,
    dovecot,
    folder,  # noqa: F811
):
    app.config["ACK_TRIAGE"] = True
    seed_roster(app)
    append(
        dovecot,
        folder,
        make_mail(sender=STRANGER, subject="Gửi báo cáo", attachments=[form_attachment()]),
    )
    poll(app)
    token = as_role("editor")
    page = client.get("/admin/inboundmessage/assign/1")
    assert page.status_code == 200 and STRANGER in page.text
    response = client.post(
        "/admin/inboundmessage/assign/1",
        data={"csrf_token": token, "unit_id": "1", "dispatch_id": "1", "remember": "yes"},
    )
    assert response.status_code == 302 and "/admin/submission/review/" in response.location
    with app.app_context():
        message = db.session.get(InboundMessage, 1)
        assert (message.status, message.unit_id, message.dispatch_id) == ("processed", 1, 1)
        (submission,) = db.session.scalars(select(Submission)).all()
        assert submission.row_count == 1
        assert STRANGER in db.session.get(Unit, 1).email_list
        kinds = db.session.scalars(select(OutboundMessage.kind).order_by(OutboundMessage.id))
        assert list(kinds) == ["other", "acknowledgement"]  # the triage reply, then the ack


def test_a_return_is_reviewed_accepted_or_rejected_with_a_note(
    app,
    client,
    as_role,
    dovecot,
    folder,  # noqa: F811
):
    seed_roster(app)
    append(
        dovecot,
        folder,
        make_mail(attachments=[form_attachment("Báo cáo <img src=x onerror=alert(1)>.xlsx")]),
    )
    poll(app)
    token = as_role("editor")
    page = client.get("/admin/submission/review/1")
    assert page.status_code == 200 and "Tuổi trẻ Ninh Hải" in page.text
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text
    download = client.get("/admin/submission/attachment/1")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "application/octet-stream"
    refused = client.post(
        "/admin/submission/review/1",
        follow_redirects=True,
        data={"csrf_token": token, "decision": "reject", "note": ""},
    )
    assert "Hãy nêu lý do" in refused.text
    client.post(
        "/admin/submission/review/1",
        data={"csrf_token": token, "decision": "reject", "note": "Thiếu cột địa chỉ liên hệ."},
    )
    with app.app_context():
        assert db.session.get(Submission, 1).status == "rejected"
        reply = db.session.scalar(select(OutboundMessage).where(OutboundMessage.kind == "other"))
        assert "Thiếu cột địa chỉ liên hệ." in reply.body_text
    client.post(
        "/admin/submission/review/1",
        data={"csrf_token": token, "decision": "accept", "note": "Đã bổ sung qua điện thoại."},
    )
    client.post("/admin/submission/review/1", data={"csrf_token": token, "decision": "reread"})
    with app.app_context():
        submission = db.session.get(Submission, 1)
        assert submission.status == "received" and submission.row_count == 1  # re-read
        state = db.session.scalar(select(Recipient.state).where(Recipient.unit_id == 1))
        assert state == "received"


def test_a_viewer_reads_the_review_page_but_cannot_decide(app, client, as_role, dovecot, folder):  # noqa: F811
    seed_roster(app)
    append(dovecot, folder, make_mail(attachments=[form_attachment()]))
    poll(app)
    token = as_role("viewer")
    page = client.get("/admin/submission/review/1")
    assert page.status_code == 200 and 'id="accept"' not in page.text
    assert (
        client.post(
            "/admin/submission/review/1", data={"csrf_token": token, "decision": "accept"}
        ).status_code
        == 403
    )
    with app.app_context():
        assert db.session.get(Submission, 1).status == "received"  # the refusal changed nothing


def test_the_roster_board_filters_by_parent_and_state_and_shows_rows(
    app,
    client,
    as_role,
    dovecot,
    folder,  # noqa: F811
):

    seed_roster(app)
    with app.app_context():
        province = make_unit("TD", "Tỉnh Đoàn Ninh Thuận")
        db.session.get(Unit, 1).parent_id = province.id  # Ninh Hải under the province
        db.session.commit()
        province_id = province.id
    append(dovecot, folder, make_mail(attachments=[form_attachment()]))
    poll(app)
    as_role("viewer")
    page = client.get("/admin/recipient/?flt0_0=1").text
    assert "1 dòng, 0 lỗi, 0 cảnh báo" in page
    under = client.get(f"/admin/recipient/?flt0_0=1&flt1_2={province_id}").text
    assert "Huyện Đoàn Ninh Hải" in under and "Huyện Đoàn Ninh Sơn" not in under
    awaiting = client.get("/admin/recipient/?flt0_0=1&flt1_1=awaiting").text
    assert "Huyện Đoàn Ninh Sơn" in awaiting and "Huyện Đoàn Ninh Hải" not in awaiting
    search = client.get("/admin/recipient/?flt0_0=1&search=ninh son").text
    assert "Huyện Đoàn Ninh Sơn" in search and "Huyện Đoàn Ninh Hải" not in search


def test_a_row_is_edited_in_place_and_audited(app, client, as_role, dovecot, folder):  # noqa: F811
    from portal.models import AuditEvent, Site

    seed_roster(app)
    append(dovecot, folder, make_mail(attachments=[form_attachment()]))
    poll(app)
    token = as_role("editor")
    response = client.post(
        "/admin/site/ajax/update/",
        data={"csrf_token": token, "list_form_pk": "1", "name": "Tuổi trẻ huyện Ninh Hải"},
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Site, 1).name == "Tuổi trẻ huyện Ninh Hải"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "Site"))
        assert event.before == {"name": "Tuổi trẻ Ninh Hải"}
