"""Staff see Vietnamese everywhere: complete catalogs, no English left on any admin page."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import flask_admin
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal.database import utcnow
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Finding,
    InboundMessage,
    Mailbox,
    OutboundMessage,
    Site,
    Submission,
)
from tests.support.factories import make_dispatch, make_unit

CATALOGS = Path("portal/translations/vi/LC_MESSAGES")
JINJA = "jinja2.ext:babel_extract"
ADMIN_KEYWORDS = {
    "_gettext": None,
    "_ngettext": (1, 2),
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
}
OUR_KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
WRONG_STRINGS = ["Kỷ lục", "mặt hàng", "sản phẩm nào"]


def catalog(domain: str) -> dict[str, str]:
    with open(CATALOGS / f"{domain}.po", "rb") as handle:
        return {
            m.id if isinstance(m.id, str) else m.id[0]: m.string
            if isinstance(m.string, str)
            else m.string[0]
            for m in read_po(handle)
            if m.id
        }


def extracted(directory: str, keywords: dict, templates: str = "**/templates/**.html") -> set[str]:
    """The messages of a directory's Python files and of its templates (matched by
    `templates`, a path relative to the directory)."""
    methods = [(templates, JINJA), ("**.py", "python")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        directory, methods, keywords=keywords, options_map={templates: {}}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_flask_admin_string_has_a_vietnamese_translation():
    translations = catalog("admin")
    package = Path(flask_admin.__file__).parent
    missing = sorted(m for m in extracted(str(package), ADMIN_KEYWORDS) if not translations.get(m))
    assert missing == []


def test_every_string_of_ours_has_a_vietnamese_translation():
    translations = catalog("messages")
    ours = extracted("portal", OUR_KEYWORDS) | extracted("templates", OUR_KEYWORDS, "**.html")
    assert len(ours) > 100
    assert sorted(m for m in ours if not translations.get(m)) == []


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


@pytest.mark.parametrize("domain", ["admin", "messages", "wtforms"])
def test_catalogs_are_nfc_keep_placeholders_and_avoid_known_wrong_words(domain):
    with open(CATALOGS / f"{domain}.po", "rb") as handle:
        messages = [m for m in read_po(handle) if m.id]
    assert messages and not any(m.fuzzy for m in messages)
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert unicodedata.is_normalized("NFC", text), ids
            assert not any(wrong in text for wrong in WRONG_STRINGS), ids
            # Vietnamese has one plural form: it may use the singular's or the plural's.
            assert any(
                sorted(PLACEHOLDER.findall(i)) == sorted(PLACEHOLDER.findall(text)) for i in ids
            ), ids


class VisibleText(HTMLParser):
    """The text a person reads on a page: text nodes, titles, placeholders, button values."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label", "data-original-title") and value:
                self.texts.append(value.strip())
            if (
                name == "value"
                and tag in ("input", "button")
                and dict(attrs).get("type") in ("submit", "button")
            ):
                self.texts.append((value or "").strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def english_left(html: str, english: set[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return sorted({text for text in parser.texts if text in english})


@pytest.fixture
def one_of_everything(app):
    """A record of every kind, so list, details and edit pages all have something to show."""
    with app.app_context():
        unit = make_unit("NHAI", "Huyện Đoàn Ninh Hải")
        dispatch = make_dispatch()
        message = InboundMessage(sha256="0" * 64, subject="Báo cáo", from_address="a@b.vn")
        submission = Submission(unit=unit, dispatch=dispatch)
        site = Site(name="Tuổi trẻ Ninh Hải", url="facebook.com/tuoitreninhhai")
        site.findings = [Finding(severity="warning", code="non_vn_domain")]
        submission.sites = [site]
        db.session.add_all(
            [
                message,
                submission,
                OutboundMessage(subject="Re: Báo cáo"),
                AuditEvent(action="update", object_type="Unit", at=utcnow()),
            ]
        )
        db.session.commit()


def admin_pages(app) -> list[str]:
    """Every admin list, and the create, details and edit page of every model screen."""
    pages = ["/admin/"]
    for rule in app.url_map.iter_rules():
        if (
            rule.endpoint.endswith(".index_view")
            and rule.rule.startswith("/admin/")
            and rule.rule != "/admin/"
        ):
            base = rule.rule
            pages += [base, f"{base}new/", f"{base}details/?id=1", f"{base}edit/?id=1"]
    # The pages of our own: review, triage, consolidated report, a dispatch's columns, the
    # register of pages.
    return pages + [
        "/admin/submission/review/1",
        "/admin/inboundmessage/assign/1",
        "/admin/dispatch/report/1",
        "/admin/dispatch/columns/1",
        "/admin/register/",
    ]


def test_no_english_is_left_on_any_admin_page(app, client, as_role, one_of_everything):
    english = {m for m, t in (catalog("admin") | catalog("messages")).items() if m != t}
    english |= {
        "Submit",
        "Save",
        "Cancel",
        "Delete",
        "Edit",
        "Create",
        "List",
        "Search",
        "Home",
        "Logout",
        "Yes",
        "No",
        "Actions",
    }
    as_role("admin")
    checked = 0
    for url in admin_pages(app):
        response = client.get(url)
        if response.status_code == 302:
            continue
        # A screen's create or edit page that it never allows answers 403 (in Vietnamese).
        assert response.status_code in (200, 403), url
        assert english_left(response.text, english) == [], url
        assert not any(wrong in response.text for wrong in WRONG_STRINGS), url
        checked += 1
    assert checked > 30


def test_the_login_page_is_vietnamese(client):
    page = client.get("/login").text
    assert "Đăng nhập" in page and "Mật khẩu" in page
    assert english_left(page, {"Log in", "Password", "Email address"}) == []


def test_success_and_failure_messages_are_right(app, client, as_role, one_of_everything):
    token = as_role("admin")
    created = client.post(
        "/admin/unit/new/",
        follow_redirects=True,
        data={"csrf_token": token, "code": "NSON", "name": "Huyện Đoàn Ninh Sơn", "is_active": "y"},
    )
    assert "Đã thêm bản ghi." in created.text
    duplicate = client.post(
        "/admin/unit/edit/?id=2",
        follow_redirects=True,
        data={"csrf_token": token, "code": "NHAI", "name": "Huyện Đoàn Ninh Sơn", "is_active": "y"},
    )
    assert "NHAI" in duplicate.text and "Đã lưu" not in duplicate.text
    assert "tạo" not in duplicate.text.split("alert")[1][:200]


def test_dates_are_shown_dd_mm_yyyy_in_vietnam_time(app, client, as_role):
    with app.app_context():
        db.session.add(
            AuditEvent(
                action="update",
                object_type="Unit",
                at=dt.datetime(2026, 11, 21, 18, 30, tzinfo=dt.UTC),
            )
        )
        db.session.commit()
    as_role("viewer")
    page = client.get("/admin/auditevent/").text
    assert "22/11/2026 01:30" in page  # 18:30 UTC is 01:30 the next day in Hà Nội


def test_invalid_unit_addresses_are_refused_in_vietnamese(client, as_role):
    token = as_role("editor")
    page = client.post(
        "/admin/unit/new/",
        data={
            "csrf_token": token,
            "code": "NSON",
            "name": "Huyện Đoàn Ninh Sơn",
            "emails_text": "ninhson@@ninhthuan.example",
        },
    )
    assert page.status_code == 200
    assert "không phải là địa chỉ email hợp lệ" in page.text


def test_form_validation_messages_are_vietnamese(client, as_role):
    token = as_role("editor")
    page = client.post("/admin/dispatch/new/", data={"csrf_token": token, "subject": "V/v"})
    assert page.status_code == 200
    assert "Trường này là bắt buộc." in page.text
    assert "This field is required." not in page.text


def test_time_filters_read_what_staff_type_as_vietnam_time(app, client, as_role):
    with app.app_context():
        db.session.add(
            AuditEvent(
                action="update",
                object_type="Unit",
                summary="buổi tối",
                at=dt.datetime(2026, 11, 21, 18, 30, tzinfo=dt.UTC),
            )
        )
        db.session.commit()
    as_role("viewer")
    # The "When" filters come after action (0), kind (1) and the 7 text filters on actor.
    filters = {"greater": 11, "smaller": 12}
    after = client.get(f"/admin/auditevent/?flt0_{filters['greater']}=2026-11-22+01:00:00")
    before = client.get(f"/admin/auditevent/?flt0_{filters['smaller']}=2026-11-22+01:00:00")
    assert after.status_code == before.status_code == 200
    assert "buổi tối" in after.text and "buổi tối" not in before.text


def test_every_admin_page_declares_its_language_a_main_landmark_and_one_h1(
    app, client, as_role, one_of_everything
):
    """Screen readers read Vietnamese with Vietnamese rules and jump to the page's content
    and title (issue 20); lang="en" once a member of staff switches to English."""
    as_role("admin")
    checked = 0
    for url in admin_pages(app):
        response = client.get(url)
        if response.status_code != 200:
            continue
        page = response.text
        assert '<html lang="vi">' in page, url
        assert page.count("<main") == 1 and page.count("<h1") == 1, url
        checked += 1
    assert checked >= 30
    client.get("/lang/en")
    assert '<html lang="en">' in client.get("/admin/").text


def test_numbers_in_the_lists_are_written_the_vietnamese_way(app, client, as_role):
    """1.250 rows, not 1250 as Python prints it (issue 20); a port stays a port."""
    with app.app_context():
        unit = make_unit("NHAI", "Huyện Đoàn Ninh Hải")
        db.session.add(Submission(unit=unit, dispatch=make_dispatch(), row_count=1250))
        db.session.add(
            Mailbox(name="Gmail", host="imap.gmail.com", port=1993, user="tg@gmail.example")
        )
        db.session.commit()
    as_role("admin")
    assert ">1.250<" in client.get("/admin/submission/").text.replace("\n", "").replace(" ", "")
    details = client.get("/admin/mailbox/details/?id=1").text
    assert "1993" in details and "1.993" not in details
