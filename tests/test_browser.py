"""A staff member's day in a real browser (Debian's Chromium driven by Playwright).

Screenshots of each step are saved in tests/artifacts/ (kept out of git).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ConsolidatedReport, Dispatch, OutboundMessage, Site
from tests.conftest import PASSWORD
from tests.support.browser import log_in, shot
from tests.support.mailbox import append, poll, seed_roster
from tests.support.mails import form_attachment, make_mail


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


HOSTILE = "<img src=x onerror=alert(1)>"
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_staff_members_day(app, live_server, browser_page, users, dovecot, folder):  # noqa: F811
    page = browser_page
    seed_roster(app)
    append(
        dovecot,
        folder,
        make_mail(
            attachments=[
                form_attachment(
                    rows=[
                        ["Tuổi trẻ Ninh Hải", "facebook.com/tuoitreninhhai", "Huyện Đoàn"],
                        [f"Đoàn xã {HOSTILE}", "doanxa.vn", "Đoàn xã"],
                    ]
                )
            ]
        ),
        make_mail(
            sender="bi.thu@gmail.example",
            subject=f"Báo cáo {HOSTILE}",
            attachments=[form_attachment(f"bao cao {HOSTILE}.xlsx")],
        ),
    )
    poll(app)
    with app.app_context():
        dispatch = db.session.scalar(select(Dispatch).order_by(Dispatch.id))
        dispatch.upstream_email = "bantuyengiao@trunguongdoan.example"
        dispatch_id = dispatch.id
        db.session.commit()

    page.goto(f"{live_server}/admin/")
    assert page.url.startswith(f"{live_server}/login")
    page.fill("#email", "editor@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Công văn đang thu báo cáo")
    overview = page.inner_text("body")
    assert "1/2 đơn vị đã báo cáo" in overview and "Chưa báo cáo (1)" in overview
    assert page.inner_text("#triage-count") == "1"
    shot(page, "1-overview")
    page.click("#remind-1")  # remind the unit that has not reported
    page.wait_for_selector("text=Đã lập thư nhắc cho 1 đơn vị")

    page.click('a:has-text("đơn vị đã báo cáo")')
    page.wait_for_url("**/admin/recipient/**")
    assert "Huyện Đoàn Ninh Hải" in page.content() and "Đã nhận" in page.content()
    shot(page, "2-roster")

    page.goto(f"{live_server}/admin/inboundmessage/")
    assert f"Báo cáo {HOSTILE}" in page.inner_text("body")  # shown as text
    page.click("text=Chờ phân loại: ghi nhận")
    page.wait_for_selector("#assign")
    assert f"bao cao {HOSTILE}.xlsx" in page.inner_text("body")
    page.select_option("#unit", label="Huyện Đoàn Ninh Sơn (NSON)")
    page.select_option("#dispatch", label="422-CV/TĐTN-TG")
    shot(page, "3-triage")
    page.click("#assign")
    page.wait_for_selector("text=Đã ghi nhận là báo cáo của Huyện Đoàn Ninh Sơn")

    page.goto(f"{live_server}/admin/submission/review/1")
    assert f"Đoàn xã {HOSTILE}" in page.inner_text("body")
    shot(page, "4-review")
    page.fill("#note", "Đã kiểm tra.")
    page.click("#accept")
    page.wait_for_selector("text=Đã chấp nhận báo cáo.")

    page.click("text=Sửa >> nth=0")
    page.wait_for_selector("input#name")
    page.fill("input#name", "Tuổi trẻ huyện Ninh Hải")
    page.click("input[type=submit] >> nth=0")
    page.wait_for_load_state()
    with app.app_context():
        assert "Tuổi trẻ huyện Ninh Hải" in db.session.scalars(select(Site.name)).all()

    page.goto(f"{live_server}/admin/dispatch/report/{dispatch_id}")
    page.wait_for_selector("#send-report")
    shot(page, "5-consolidated")
    page.click("#send-report")
    page.wait_for_selector("text=đã được đưa vào hàng đợi")
    with app.app_context():
        assert db.session.scalar(select(func.count(ConsolidatedReport.id))) == 1
        kinds = set(db.session.scalars(select(OutboundMessage.kind)))
    assert "consolidated" in kinds
    assert page.alerts == []  # no script from a unit's file, subject or name ever ran
    # Overview, roster, triage, review, edit and report pages: nothing the CSP refused.
    assert page.csp_violations == []


def test_the_date_pickers_speak_vietnamese(app, live_server, browser_page, users):
    """Flask-Admin's date filter opens bootstrap-daterangepicker, drawn by JavaScript with
    moment.js's English names unless told otherwise (static/portal.js)."""
    page = browser_page
    log_in(page, live_server, "editor@example.org", PASSWORD)
    page.goto(f"{live_server}/admin/dispatch/")
    page.click("a.dropdown-toggle.nav-link:below(h1)")
    page.click(".field-filters a.filter:has-text('Hạn báo cáo')")
    page.click("table.filters input.filter-val[data-date-format]")
    picker = page.locator(".daterangepicker:visible").first
    picker.wait_for(state="visible")
    text = picker.inner_text()
    shot(page, "date-picker")
    assert "Tháng 12" in text and "T2" in text and "CN" in text, text
    for english in ("Mo", "Su", "Jan", "Dec"):
        assert english not in text, (english, text)
    # The week starts on Monday, as Vietnamese calendars print it.
    days = [day.strip() for day in picker.locator("thead tr").last.locator("th").all_inner_texts()]
    assert [day for day in days if day][:2] == ["T2", "T3"], days
    # The date still goes to the server as Flask-Admin reads it.
    picker.locator("td.available:not(.off)", has_text="15").first.click()
    value = page.input_value("table.filters input.filter-val[data-date-format]")
    assert re.fullmatch(r"\d{4}-\d{2}-15", value), value
    # "trong khoảng" (between): a range picker, with its buttons.
    page.keyboard.press("Escape")
    page.eval_on_selector(
        "table.filters select.filter-op",
        "el => { el.value = '6'; window.jQuery(el).trigger('change'); }",
    )
    page.click("table.filters input.filter-val[data-date-format]")
    picker = page.locator(".daterangepicker:visible").first
    picker.wait_for(state="visible")
    text = picker.inner_text()
    shot(page, "date-range-picker")
    assert "Áp dụng" in text and "Hủy" in text, text
    assert "Apply" not in text and "Cancel" not in text, text
