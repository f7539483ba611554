"""Logging in: passwords, rate limit, safe redirects, cookie flags, logging out, language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from tests.conftest import PASSWORD, login


def test_passwords_are_stored_hashed_with_scrypt(app, users):
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.id == users["admin"]))
    assert stored.startswith("scrypt:")
    assert PASSWORD not in stored


def test_a_wrong_password_is_refused_in_vietnamese(client, users):
    response = login(client, "admin@example.org", "wrong password")
    assert response.status_code == 401
    assert "Sai địa chỉ email hoặc mật khẩu." in response.text
    assert client.get("/admin/").status_code == 302


def test_an_inactive_account_cannot_log_in(app, client, users):
    with app.app_context():
        db.session.get(User, users["editor"]).is_active = False
        db.session.commit()
    assert login(client, "editor@example.org").status_code == 401


def test_repeated_failures_block_even_the_right_password(client, users):
    for _ in range(5):
        assert login(client, "admin@example.org", "guess").status_code == 401
    response = login(client, "admin@example.org")
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.text
    # another account from the same office is not locked out by these five
    assert login(client, "viewer@example.org").status_code == 302


def test_failures_across_accounts_from_one_address_are_limited(app, client, users):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    for n in range(3):
        login(client, f"nobody{n}@example.org", "guess")
    assert login(client, "admin@example.org").status_code == 429


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/admin",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "admin/unit/",
        "/%0d%0aSet-Cookie:x=1",
    ],
)
def test_login_never_redirects_off_site(client, users, target):
    response = login(client, "admin@example.org", url=f"/login?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/today/"


def test_a_login_and_the_site_root_open_todays_work(client, users):
    """Staff start on "Việc cần làm hôm nay" (issue 20), not on the overview."""
    assert client.get("/").headers["Location"] == "/admin/today/"
    response = login(client, "admin@example.org")
    assert response.headers["Location"] == "/admin/today/"
    assert "Việc cần làm hôm nay" in client.get("/admin/today/").text


def test_login_returns_to_the_page_asked_for(client, users):
    first = client.get("/admin/unit/?search=ninh")
    assert first.status_code == 302
    next_url = first.headers["Location"].split("next=", 1)[1]
    response = login(client, "admin@example.org", url=f"/login?next={next_url}")
    assert response.headers["Location"] == "/admin/unit/?search=ninh"


def session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_session_cookie_is_httponly_and_lax(client, users):
    response = login(client, "admin@example.org")
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app, users):
    response = login(app.test_client(), "admin@example.org", base_url="https://portal.example")
    assert response.status_code == 302
    assert "Secure" in session_cookie(response)


def test_logout_is_a_post_with_the_token(client, as_role):
    token = as_role("viewer")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_english_can_be_chosen_and_vietnamese_is_the_default(client, as_role):
    as_role("admin")
    assert "Tổng quan" in client.get("/admin/").text
    client.get("/lang/en?next=/admin/")
    assert "Overview" in client.get("/admin/").text
    client.get("/lang/vi")
    assert "Tổng quan" in client.get("/admin/").text
