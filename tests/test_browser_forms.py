"""A dispatch with its own form and the register of pages in a real browser (Debian's
Chromium): the form learned from a template uploaded on its page, a column corrected,
a return reviewed by the form's columns, a page closed in the register. Hostile strings
stay text. Screenshots in tests/artifacts/."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Dispatch, Submission
from tests.conftest import PASSWORD
from tests.support.browser import shot
from tests.support.form_templates import results_xlsx
from tests.test_dispatch_forms import NUMBER, mail_returns, seed
from tests.test_register import year_of_returns  # noqa: F401 (a fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


def log_in(page, live_server) -> None:
    page.goto(f"{live_server}/admin/")
    page.fill("#email", "editor@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Công văn đang thu báo cáo")


def test_a_form_learned_corrected_and_a_return_reviewed_by_its_columns(
    app, live_server, browser_page, users, dovecot, folder, tmp_path
):
    page = browser_page
    seed(app)
    mail_returns(app, dovecot, folder)
    with app.app_context():
        dispatch_id = db.session.scalar(select(Dispatch.id).where(Dispatch.number == NUMBER))
        submission_id = db.session.scalar(
            select(Submission.id).where(Submission.unit.has(code="NHAI"))
        )
    log_in(page, live_server)
    template = tmp_path / "mau-ket-qua.xlsx"
    template.write_bytes(results_xlsx())
    page.goto(f"{live_server}/admin/dispatch/columns/{dispatch_id}")
    page.set_input_files("#template", str(template))
    page.click("button[value=learn]")
    page.wait_for_selector("text=Đã nhận diện 8 cột")
    shot(page, "forms-1-columns-learned")
    page.fill("input[name=header-1]", "Đường dẫn <img src=x onerror=alert(1)>")
    page.click("#save-form")
    page.wait_for_selector("text=Đã lưu biểu mẫu")
    assert page.input_value("input[name=header-1]").startswith("Đường dẫn <img")
    page.goto(f"{live_server}/admin/submission/review/{submission_id}")
    table = page.inner_text("#form-rows")
    assert "Số tin bài đăng trong quý" in table and "1.250" in table
    assert "Lượt tiếp cận: không phải là số" in table
    shot(page, "forms-2-review")
    assert page.alerts == [] and page.csp_violations == []


def test_the_register_of_pages_in_a_browser(app, live_server, browser_page, users, year_of_returns):  # noqa: F811
    page = browser_page
    log_in(page, live_server)
    page.goto(f"{live_server}/admin/register/")
    assert "Kênh YouTube Ninh Hải" in page.inner_text("#register")
    assert "đổi địa chỉ" in page.inner_text("#register-changes")
    shot(page, "forms-3-register")
    row = page.locator("#register tr", has_text="TikTok Tuổi trẻ Ninh Hải")
    row.locator("input[name=note]").fill("Ngừng hoạt động <script>alert(1)</script>")
    row.locator("button[value=close]").click()
    page.wait_for_selector("text=Đã đánh dấu trang đã đóng")
    closed = page.locator("#register tr", has_text="TikTok Tuổi trẻ Ninh Hải").inner_text()
    assert "đã đóng" in closed and "<script>alert(1)</script>" in closed
    shot(page, "forms-4-register-closed")
    assert page.alerts == [] and page.csp_violations == []
