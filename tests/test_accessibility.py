"""Every page a member of staff can open, checked by axe-core (WCAG 2.1 AA) in Debian's
Chromium on seeded data with hostile strings: no serious or critical violation (issue 20)."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from portal.extensions import db
from portal.models import InboundMessage, Site, Submission
from tests.conftest import PASSWORD
from tests.support.axe import serious_violations
from tests.support.browser import CHROMIUM
from tests.support.factories import make_dispatch, make_unit
from tests.support.form_specs import RESULTS
from tests.test_i18n import admin_pages, one_of_everything  # noqa: F401 (a fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def axe_page():
    """A Chromium page allowed to run axe's script beside the portal's Content-Security-
    Policy (the portal's own pages are not changed by it)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        context = browser.new_context(
            viewport={"width": 1300, "height": 900}, locale="vi-VN", bypass_csp=True
        )
        yield context.new_page()
        browser.close()


def log_in(page, live_server) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/")


HOSTILE = '<img src=x onerror=alert(1)>"><b>'


@pytest.fixture
def hostile_records(app, one_of_everything):  # noqa: F811
    """What units type, hostile: in a unit's name, a page's name and address, a subject; a
    dispatch with its own form, and a unit's pages in the register."""
    with app.app_context():
        unit = make_unit("XSS", f"Đoàn xã {HOSTILE}", emails=["xss@ninhthuan.example"])
        dispatch = make_dispatch("15-CV", f"V/v {HOSTILE}", units=[unit], form=RESULTS)
        site = Site(name=f"Trang {HOSTILE}", url=f"https://x.vn/{HOSTILE}", url_normalized="x.vn")
        site.form_values = {"ten_trang": HOSTILE, "so_tin_bai_dang_trong_quy": 1250}
        db.session.add(Submission(unit=unit, dispatch=dispatch, sites=[site]))
        db.session.add(InboundMessage(sha256="1" * 64, subject=HOSTILE, from_address="x@y.vn"))
        db.session.commit()
        return dispatch.id


def test_no_serious_violation_on_any_staff_page(app, live_server, axe_page, users, hostile_records):
    page = axe_page
    page.goto(f"{live_server}/login")
    found = {"/login": serious_violations(page)}
    log_in(page, live_server)
    own_form = [f"/admin/dispatch/columns/{hostile_records}", "/admin/submission/review/2"]
    for url in [*admin_pages(app), *own_form]:
        response = page.goto(f"{live_server}{url}")
        if response.status != 200:
            continue
        found[url] = serious_violations(page)
    assert len(found) >= 40  # every page was opened, not a login page forty times
    found = {url: violations for url, violations in found.items() if violations}
    assert found == {}
