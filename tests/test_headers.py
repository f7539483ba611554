"""Security headers on every page (issue 16, safety rails): a Content-Security-Policy the
admin's pages satisfy, no framing, HSTS behind HTTPS; and a reverse proxy PROXY_FIX does
not trust is noticed, since every client would then share 127.0.0.1's login limit."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboundMessage, OutboundState, Unit
from tests.conftest import PASSWORD
from tests.support.browser import log_in
from tests.support.mailbox import seed_roster


def admin_pages(app) -> list[str]:
    """Every admin page reachable without an argument (lists, forms, the overview)."""
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in rule.methods or not rule.rule.startswith("/admin"):
            continue
        if "/ajax/" in rule.rule:  # Flask-Admin's lookups, which want a query
            continue
        pages.append(rule.rule)
    return sorted(pages)


def assert_protected(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self' 'nonce-" in policy
        and "'unsafe-inline'" not in policy.split("style-src")[0]
    )
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_admin_page_sends_the_security_headers(app, client, as_role):
    as_role("admin")
    pages = admin_pages(app)
    assert len(pages) > 20, pages
    for url in pages:
        response = client.get(url)
        assert response.status_code < 500, url  # some need an id (403, 302): headers all the same
        assert_protected(response)
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    login_page = client.get("/login")
    assert_protected(login_page)
    # Each answer has its own nonce, and Flask-Admin's inline scripts carry it.
    first, second = client.get("/admin/unit/"), client.get("/admin/unit/")
    nonce = first.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert nonce not in second.headers["Content-Security-Policy"]
    assert f'nonce="{nonce}"' in first.text


def test_hsts_only_behind_https(app, client):
    app.config["PROXY_FIX"] = True  # not applied to this app: the test client says https
    secure = client.get("/login", base_url="https://portal.tinhdoan.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_proxy_that_is_not_trusted_is_warned_about(app, client, as_role, caplog):
    as_role("admin")
    assert "PROXY_FIX" not in client.get("/admin/").text
    with caplog.at_level(logging.WARNING, logger="portal.headers"):
        # nginx on the same machine, forwarding two visitors
        client.get("/login", headers={"X-Forwarded-For": "203.0.113.7"})
        client.get("/login", headers={"X-Forwarded-For": "203.0.113.8"})
    warnings = [r for r in caplog.records if "PROXY_FIX" in r.getMessage()]
    assert len(warnings) == 1  # once per process, not per request
    as_role("admin")  # again: Flask-Login ties a session to X-Forwarded-For, which changed
    page = client.get("/admin/").text
    assert 'id="proxy-warning"' in page and "PROXY_FIX" in page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_confirmations_and_bulk_actions_work_under_the_policy(
    app,
    users,
    live_server,  # noqa: F811
    browser_page,  # noqa: F811
):
    """Flask-Admin's inline onclick handlers, which the policy refuses, are replaced by
    static/portal.js: the delete button still asks first, a bulk action still runs."""
    page = browser_page
    seed_roster(app)
    with app.app_context():
        db.session.add(
            OutboundMessage(
                to_addresses="huyendoan.ninhhai@ninhthuan.example",
                subject="Thư không gửi được",
                body_text="Nội dung",
                message_id="<failed.1@portal.ninhthuan.example>",
                state=OutboundState.FAILED,
            )
        )
        db.session.commit()
    log_in(page, live_server, "admin@example.org", PASSWORD)

    page.goto(f"{live_server}/admin/unit/")
    page.confirm_answer = False  # "Cancel"
    page.click("form.icon button[data-portal-confirm] >> nth=0")
    assert page.confirms, "the delete button did not ask"
    with app.app_context():
        assert db.session.scalar(select(Unit).where(Unit.code == "NHAI")) is not None

    page.goto(f"{live_server}/admin/outboundmessage/")
    page.check("input.action-checkbox >> nth=0")
    page.click("text=Với bản ghi đã chọn")
    page.confirm_answer = True
    page.click("[data-portal-action=resend]")
    page.wait_for_load_state()
    with app.app_context():
        assert db.session.scalar(select(OutboundMessage.state)) == OutboundState.QUEUED
    assert page.csp_violations == []
