"""Every page a member of staff can open, checked by axe-core (WCAG 2.1 AA) in Debian's
Chromium on seeded data with hostile strings: no serious or critical violation (issue 20)."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from portal.extensions import db
from portal.models import Dispatch, InboundMessage, Site, Submission
from tests.conftest import PASSWORD
from tests.support.axe import serious_violations
from tests.support.browser import CHROMIUM, log_in, shot
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


def log_in_as_admin(page, live_server) -> None:
    log_in(page, live_server, "admin@example.org", PASSWORD)


# The fields named by nothing but a placeholder or a title (axe lets those pass).
UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(f => !['hidden', 'submit', 'button', 'reset', 'image'].includes(f.type))
  .filter(f => f.getClientRects().length && !f.closest('[aria-hidden=true]'))
  .filter(f => !f.labels.length && !f.getAttribute('aria-label')
               && !f.getAttribute('aria-labelledby'))
  .map(f => f.outerHTML.slice(0, 120))"""
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
        db.session.add(
            InboundMessage(
                sha256="1" * 64,
                subject=HOSTILE,
                from_address="x@y.vn",
                status="correspondence",
                needs_answer=True,
                body_text=f"Kính gửi Ban, {HOSTILE}",
            )
        )
        db.session.commit()
        return dispatch.id


def test_no_serious_violation_on_any_staff_page(app, live_server, axe_page, users, hostile_records):
    page = axe_page
    page.goto(f"{live_server}/login")
    found = {"/login": serious_violations(page)}
    log_in_as_admin(page, live_server)
    own_form = [f"/admin/dispatch/columns/{hostile_records}", "/admin/submission/review/2"]
    others = ["/admin/today/", "/admin/correspondence/read/2", "/admin/no-such-page/"]
    for url in [*admin_pages(app), *own_form, *others]:
        response = page.goto(f"{live_server}{url}")
        if response.status not in (200, 404):  # the error page is one staff can meet
            continue
        found[url] = serious_violations(page)
        unnamed = page.evaluate(UNLABELLED)
        assert unnamed == [], (url, unnamed)
    assert len(found) >= 40  # every page was opened, not a login page forty times
    found = {url: violations for url, violations in found.items() if violations}
    assert found == {}


PHONE = {"width": 390, "height": 844}
SCROLLED_INSIDE = """() => Array.from(
    document.querySelectorAll('main .table-responsive, main table')
  ).filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className)"""


def test_the_today_page_fits_a_phone(app, live_server, axe_page, users, hostile_records):
    """At 390 px nothing runs off to the side, and every task is a link on the screen."""
    page = axe_page
    log_in_as_admin(page, live_server)
    for size, name in ((PHONE, "phone"), ({"width": 1300, "height": 900}, "desktop")):
        page.set_viewport_size(size)
        page.goto(f"{live_server}/admin/today/")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= size["width"], (name, width)
        for task in ("review", "correspondence", "triage", "failed-mail"):
            box = page.locator(f"#task-{task}").bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= size["width"]
        assert serious_violations(page) == []
        shot(page, f"today-{name}")


# The pages staff use away from a desk (issue 20), and the action each must show.
PHONE_PAGES = {
    "/admin/": None,
    "/admin/today/": "#task-review",
    "/admin/correspondence/": None,
    "/admin/correspondence/read/2": None,
    "/admin/inboundmessage/": None,
    "/admin/inboundmessage/assign/1": "#assign",
    "/admin/submission/review/1": "#accept",
    "/admin/recipient/": None,
    "/admin/dispatch/report/1": "#send-report",
}


def test_the_pages_used_away_from_a_desk_fit_a_phone(
    app, live_server, axe_page, users, hostile_records
):
    """At 390 px: no page runs off to the side, and its main action is on the screen."""
    with app.app_context():
        db.session.get(Dispatch, 1).upstream_email = "bantuyengiao@trunguongdoan.example"
        db.session.commit()
    page = axe_page
    log_in_as_admin(page, live_server)
    page.set_viewport_size(PHONE)
    for url, action in PHONE_PAGES.items():
        page.goto(f"{live_server}{url}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (url, width)
        # Nor inside the page: a list or the review's rows are cards, not a wide table
        # scrolled within its box.
        assert page.evaluate(SCROLLED_INSIDE) == [], url
        if action:
            box = page.locator(action).bounding_box()
            assert box and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], url
        assert serious_violations(page) == [], url
        shot(page, "phone" + url.rstrip("/").replace("/", "-"))


def test_the_review_can_be_decided_from_the_keyboard_with_a_visible_focus(
    app, live_server, axe_page, users, hostile_records
):
    page = axe_page
    log_in_as_admin(page, live_server)
    page.goto(f"{live_server}/admin/submission/review/1")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "accept":
            break
    else:
        pytest.fail("the Accept button is not reachable with Tab")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none" and outline[1] != "0px", outline
