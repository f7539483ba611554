"""Staff login guards every admin screen; roles and CSRF guard every change."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dispatch, Unit
from tests.conftest import add_dispatch_in_admin

RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")
# Values for the URL converters of admin rules (e.g. /admin/unit/export/<export_type>/).
ARGUMENT_VALUES = {"export_type": "csv", "filename": "x", "path": "x", "id": "1"}


def admin_rules(app, method: str):
    """Every admin URL (static files aside) answering `method`, built with sample arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint.endswith("static"):
            continue
        if method in rule.methods:
            found.append(
                RULE_ARGUMENT.sub(lambda m: ARGUMENT_VALUES.get(m.group(1), "1"), rule.rule)
            )
    assert found, f"no admin rule answers {method}"
    return found


def post_rules(app):
    """Every POST rule of the app: admin screens, logout, login."""
    rules = [
        RULE_ARGUMENT.sub(lambda m: ARGUMENT_VALUES.get(m.group(1), "1"), r.rule)
        for r in app.url_map.iter_rules()
        if "POST" in r.methods
    ]
    assert "/login" in rules and "/logout" in rules
    return rules


def test_anonymous_is_sent_to_login_from_every_admin_url(app, client):
    gets, posts = admin_rules(app, "GET"), admin_rules(app, "POST")
    assert len(gets) + len(posts) > 40  # ten model views, five to nine URLs each
    for url, method in [(u, "GET") for u in gets] + [(u, "POST") for u in posts]:
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login", url


def test_a_viewer_reads_but_every_admin_post_is_refused(app, client, as_role):
    token = as_role("viewer")
    assert client.get("/admin/unit/").status_code == 200
    for url in admin_rules(app, "POST"):
        response = client.post(
            url,
            data={
                "csrf_token": token,
                "id": "1",
                "code": "X",
                "name": "X",
                "action": "delete",
                "rowid": "1",
            },
        )
        assert response.status_code == 403, url


def test_a_viewer_gets_no_create_or_edit_form(app, client, as_role):
    as_role("viewer")
    for url in ("/admin/unit/new/", "/admin/unit/edit/?id=1", "/admin/dispatch/new/"):
        assert client.get(url).status_code == 403, url
    assert "Thêm mới" not in client.get("/admin/unit/").text


def test_staff_accounts_are_for_administrators_only(client, as_role):
    as_role("editor")
    assert client.get("/admin/user/").status_code == 403


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_every_post_without_a_csrf_token_is_refused(app, client, as_role, role):
    as_role(role)
    for url in post_rules(app):
        if url == "/login":
            continue  # logged in: the login page redirects; covered below
        response = client.post(url, data={"id": "1", "code": "X", "name": "X"})
        admin_only = role == "editor" and url.startswith(("/admin/user/", "/admin/mailbox/"))
        assert response.status_code == (403 if admin_only else 400), url
    assert client.get("/admin/").status_code == 200  # the CSRF-less logout did not log out


def test_login_without_csrf_token_is_refused(client, users):
    response = client.post(
        "/login", data={"email": "admin@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_an_editor_creates_a_unit_only_with_the_token(app, client, as_role):
    token = as_role("editor")
    form = {
        "code": "NHAI",
        "name": "Huyện Đoàn Ninh Hải",
        "emails_text": "a@doan.example",
        "is_active": "y",
    }
    assert client.post("/admin/unit/new/", data=form).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Unit.id))) == 0
    response = client.post("/admin/unit/new/", data=form | {"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Unit.name)) == "Huyện Đoàn Ninh Hải"


def test_dispatch_dates_are_typed_dd_mm_yyyy(app, client, as_role):
    token = as_role("editor")
    response = add_dispatch_in_admin(client, token)
    assert response.status_code == 302
    with app.app_context():
        dispatch = db.session.scalar(select(Dispatch))
        assert (dispatch.issued_on.isoformat(), dispatch.deadline.isoformat()) == (
            "2018-06-20",
            "2018-06-27",
        )
    edit = client.get(f"/admin/dispatch/edit/?id={dispatch.id}").text
    assert 'value="20/06/2018"' in edit
