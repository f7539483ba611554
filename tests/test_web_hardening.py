"""The staff web screens under attack: hostile URLs and values, replayed and doubled POSTs,
sessions, passwords and the audit trail (issue 8, "Web"). On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEvent,
    InboundMessage,
    Mailbox,
    OutboundMessage,
    ReportSettings,
    Site,
    Submission,
    Unit,
    User,
)
from tests.conftest import PASSWORD, csrf_token, login
from tests.support.database import all_text_in_database
from tests.support.factories import make_dispatch, make_unit

HOSTILE_VALUES = [
    "%",
    "_",
    "'",
    "\\",
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "' OR 1=1 --",
    "%' OR '1'='1",
    "ninh hải",
]
HOSTILE_LIST_ARGS = [
    {"page": "-1"},
    {"page": str(10**20)},
    {"page": "abc"},
    {"sort": "999"},
    {"sort": "-1"},
    {"sort": "abc", "desc": "1"},
    {"flt0_999": "x"},
    {"flt999_0": "x"},
    {"fltx_y": "x"},
    {"page_size": str(10**9)},
    {"search": "x", "page": str(2**63)},
]


def list_views(app) -> list[str]:
    """The endpoint of every admin list (one per model view)."""
    names = [
        rule.endpoint.rsplit(".", 1)[0]
        for rule in app.url_map.iter_rules()
        if rule.endpoint.endswith(".index_view")
    ]
    assert len(names) >= 10
    return names


def admin_view(app, endpoint: str):
    admin = app.extensions["admin"][0]
    return next(v for v in admin._views if v.endpoint == endpoint)


@pytest.fixture
def some_records(app, users):
    """One of each record, so the lists have rows to show and filters something to match."""
    with app.app_context():
        unit = make_unit("NHAI", "Huyện Đoàn Ninh Hải", emails=["ninhhai@doan.example"])
        dispatch = make_dispatch(upstream_email="bantuyengiao@trunguongdoan.example")
        message = InboundMessage(
            subject="Báo cáo", from_address="ninhhai@doan.example", raw=b"x", sha256="0" * 64
        )
        db.session.add(message)
        db.session.flush()
        submission = Submission(unit=unit, dispatch=dispatch, inbound_message_id=message.id)
        submission.sites = [Site(name="Tuổi trẻ Ninh Hải", url="facebook.com/tuoitreninhhai")]
        db.session.add_all(
            [submission, OutboundMessage(subject="x", to_addresses="a@b.example", state="sent")]
        )
        db.session.commit()


def test_hostile_search_filter_page_and_sort_values_never_give_a_500(
    app, client, as_role, some_records
):
    as_role("admin")
    for endpoint in list_views(app):
        filters = len(admin_view(app, endpoint)._filters or [])
        queries = [{"search": value} for value in HOSTILE_VALUES] + HOSTILE_LIST_ARGS
        for index in range(filters):
            queries += [{f"flt0_{index}": value} for value in HOSTILE_VALUES]
        for query in queries:
            response = client.get(f"/admin/{endpoint}/", query_string=query)
            shown = {k: v[:20] for k, v in query.items()}
            assert response.status_code == 200, (endpoint, shown, response.status_code)


def test_hostile_ids_on_detail_edit_and_action_urls_never_give_a_500(
    app, client, as_role, some_records
):
    token = as_role("admin")
    for endpoint in list_views(app):
        for value in ["abc", "-1", str(10**20), "1' OR '1'='1", "\x00", ""]:
            for page in ("details", "edit"):
                response = client.get(f"/admin/{endpoint}/{page}/", query_string={"id": value})
                assert response.status_code in (200, 302, 403, 404), (endpoint, page, value)
            for action in admin_view(app, endpoint)._actions_data or ["delete"]:
                response = client.post(
                    f"/admin/{endpoint}/action/",
                    data={"csrf_token": token, "action": action, "rowid": [value]},
                )
                assert response.status_code in (200, 302, 403, 404), (endpoint, action, value)
            response = client.post(
                f"/admin/{endpoint}/delete/", data={"csrf_token": token, "id": value}
            )
            assert response.status_code in (200, 302, 403, 404), (endpoint, "delete", value)
    assert client.get("/admin/").status_code == 200  # still logged in: every answer counted


# --- Redirect targets: next= (login, language) and url= (Flask-Admin's return target) ---

OFF_SITE = [
    "//evil.example",
    "//evil.example/admin/",
    "/\\evil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "https://evil.example",
    "http:/evil.example",
    "///evil.example",
]


def stays_on_site(location: str, page: str = "http://localhost/admin/") -> bool:
    """Whether a link or redirect, resolved as a browser does, leads to a page of this site.

    (Browsers drop tabs and line breaks from URLs and read a backslash as a slash.)"""
    from urllib.parse import urljoin, urlsplit

    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").strip()
    resolved = urlsplit(urljoin(page, cleaned))
    return resolved.scheme == "http" and resolved.netloc == "localhost"


def as_link(target: str) -> str:
    """target as an attacker writes it into a link (%09 stays an escape the server decodes)."""
    from urllib.parse import quote

    return quote(target, safe="%/:\\()")


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_and_language_links_never_send_staff_off_site(client, users, target):
    response = login(client, "admin@example.org", url=f"/login?next={as_link(target)}")
    assert response.status_code == 302 and stays_on_site(response.location), response.location
    language = client.get(f"/lang/en?next={as_link(target)}")
    assert stays_on_site(language.location), language.location


def links_off_site(html: str) -> list[str]:
    """The links and form targets of a page that lead off the site."""
    from html import unescape

    targets = [unescape(t) for t in re.findall(r'(?:href|action|formaction)="([^"]*)"', html)]
    return [t for t in targets if t != "javascript:void(0)" and not stays_on_site(t)]


def test_admin_forms_never_return_off_site(app, client, as_role, some_records):
    token = as_role("editor")
    unit = {"csrf_token": token, "code": "NHAI", "name": "Huyện Đoàn Ninh Hải", "is_active": "y"}
    for n, target in enumerate(OFF_SITE):
        link = as_link(target)
        for page in (f"/admin/unit/new/?url={link}", f"/admin/unit/edit/?id=1&url={link}"):
            assert links_off_site(client.get(page).text) == [], page
        created = client.post(f"/admin/unit/new/?url={link}", data=unit | {"code": f"X{n}"})
        edited = client.post(f"/admin/unit/edit/?id=1&url={link}", data=unit)
        deleted = client.post(
            "/admin/unit/delete/", data={"csrf_token": token, "id": "999", "url": target}
        )
        acted = client.post(
            "/admin/recipient/action/",
            data={"csrf_token": token, "action": "remind", "rowid": "999", "url": target},
        )
        for response in (created, edited, deleted, acted):
            assert response.status_code == 302, (target, response.status_code)
            assert stays_on_site(response.location), (target, response.location)


# --- Logging in ---


def as_answered(html: str, email: str) -> str:
    """A login page without what differs by nature: its form token and the typed address."""
    return re.sub(r'value="[^"]{20,}"|content="[^"]{20,}"', "", html).replace(email, "EMAIL")


def test_ten_wrong_passwords_are_throttled_and_known_and_unknown_users_answer_alike(app, users):
    known, unknown = app.test_client(), app.test_client()
    answers = []
    for _ in range(10):
        mine = login(known, "admin@example.org", "wrong password")
        theirs = login(unknown, "nobody@example.org", "wrong password")
        assert mine.status_code == theirs.status_code
        assert as_answered(mine.text, "admin@example.org") == as_answered(
            theirs.text, "nobody@example.org"
        )
        answers.append(mine.status_code)
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    # Throttled: even the right password is refused for now.
    assert login(known, "admin@example.org").status_code == 429


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_the_session_changes_at_login_and_dies_at_logout(app, client, users):
    client.get("/login")
    before = session_cookie(client)
    login(client, "editor@example.org")
    during = session_cookie(client)
    assert before and during and during != before
    assert client.get("/admin/").status_code == 200
    # The cookie from before logging in opens nothing.
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/admin/").status_code == 302
    token = csrf_token(client.get("/admin/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302
    # Someone who copied the cookie while logged in cannot use it after the logout.
    copied = app.test_client()
    copied.set_cookie("session", during)
    response = copied.get("/admin/")
    assert response.status_code == 302 and "/login" in response.location


def test_extra_form_fields_are_ignored(app, client, users, some_records):
    viewer = app.test_client()
    page = viewer.get("/login")
    viewer.post(
        "/login",
        data={
            "email": "viewer@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.text),
            "role": "admin",
            "is_admin": "1",
            "user_id": str(users["admin"]),
        },
    )
    assert viewer.get("/admin/unit/new/").status_code == 403  # still a viewer
    editor = app.test_client()
    login(editor, "editor@example.org")
    token = csrf_token(editor.get("/admin/").text)
    editor.post(
        "/admin/unit/edit/?id=1",
        data={
            "csrf_token": token,
            "code": "NHAI",
            "name": "Huyện Đoàn Ninh Hải",
            "is_active": "y",
            "id": "99",
            "role": "admin",
            "name_folded": "bi sua",
            "created_at": "2000-01-01 00:00:00",
        },
    )
    editor.post(
        "/admin/submission/edit/?id=1",
        data={
            "csrf_token": token,
            "status": "accepted",
            "review_note": "",
            "unit": "2",
            "version": "9",
            "is_current": "",
            "inbound_message_id": "99",
        },
    )
    with app.app_context():
        unit = db.session.get(Unit, 1)
        assert unit is not None and unit.name_folded == "huyen doan ninh hai"
        assert unit.created_at.year > 2000
        submission = db.session.get(Submission, 1)
        assert submission.status == "accepted"  # the one field the form has
        assert (submission.unit_id, submission.version, submission.is_current) == (1, 1, True)
        roles = dict(db.session.execute(select(User.email, User.role)).all())
    assert roles["editor@example.org"] == "editor" and roles["viewer@example.org"] == "viewer"


def test_a_viewer_gets_403_on_every_create_edit_and_delete_url(app, client, as_role, some_records):
    as_role("viewer")
    for endpoint in list_views(app):
        for url in (f"/admin/{endpoint}/new/", f"/admin/{endpoint}/edit/?id=1"):
            assert client.get(url).status_code == 403, url


# --- Passwords ---


def test_passwords_are_stored_only_as_strong_hashes(app, client, as_role, users):
    secret = "một mật khẩu rất dài 2024"
    token = as_role("admin")
    client.post(
        "/admin/user/new/",
        data={
            "csrf_token": token,
            "email": "new.staff@example.org",
            "role": "editor",
            "is_active": "y",
            "new_password": secret,
        },
    )
    client.post(
        f"/admin/user/edit/?id={users['viewer']}",
        data={
            "csrf_token": token,
            "email": "viewer@example.org",
            "role": "viewer",
            "is_active": "y",
            "new_password": secret + " khác",
        },
    )
    result = app.test_cli_runner().invoke(
        args=["create-user", "cli@example.org", "--role", "viewer", "--password-stdin"],
        input=secret + " cli\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        hashes = db.session.scalars(select(User.password_hash)).all()
        everything = all_text_in_database()
    assert len(hashes) == 5
    for stored in hashes:
        method, _salt, _digest = stored.split("$")
        name, *cost = method.split(":")
        assert name == "scrypt" and int(cost[0]) >= 2**15, stored  # N >= 32768
    for typed in (secret, secret + " khác", secret + " cli", PASSWORD):
        assert typed not in everything
    assert not any(h in everything.replace(h, "", 1) for h in hashes)  # hashes only once


# --- The audit trail ---


def audit_rows(app) -> list[tuple]:
    with app.app_context():
        return [
            (e.id, e.actor, e.action, e.object_type, e.object_id, str(e.before), str(e.after))
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_nobody_can_change_the_audit_trail(app, client, users, role):
    token = login(client, "admin@example.org") and csrf_token(client.get("/admin/").text)
    client.post(
        "/admin/unit/new/",
        data={"csrf_token": token, "code": "A", "name": "Đơn vị A", "is_active": "y"},
    )
    trail = audit_rows(app)
    assert len(trail) == 1
    if role != "admin":
        client.post("/logout", data={"csrf_token": token})
        login(client, f"{role}@example.org")
        token = csrf_token(client.get("/admin/").text)
    event = {"csrf_token": token, "id": "1", "actor": "ai-do", "action": "delete", "summary": "x"}
    responses = [
        client.get("/admin/auditevent/new/"),
        client.get("/admin/auditevent/edit/?id=1"),
        client.post("/admin/auditevent/new/", data=event),
        client.post("/admin/auditevent/edit/?id=1", data=event),
        client.post("/admin/auditevent/delete/", data={"csrf_token": token, "id": "1"}),
        client.post(
            "/admin/auditevent/action/",
            data={"csrf_token": token, "action": "delete", "rowid": "1"},
        ),
    ]
    assert [r.status_code for r in responses] == [403] * len(responses)
    assert audit_rows(app) == trail


# --- Double submissions: each send is one email at the SMTP server ---


def logged_in_clients(app, role: str, count: int = 2) -> list[tuple]:
    """count browsers of the same member of staff: (client, token) each."""
    found = []
    for _ in range(count):
        browser = app.test_client()
        login(browser, f"{role}@example.org")
        found.append((browser, csrf_token(browser.get("/admin/").text)))
    return found


def post_together(app, url: str, data: dict, times: int = 2) -> list[int]:
    """POST the same form from `times` browsers at once (a double click, two colleagues)."""
    clients = logged_in_clients(app, "editor", times)
    statuses: list[int] = []
    start = threading.Barrier(times)

    def post(browser, token):
        start.wait()
        try:
            statuses.append(browser.post(url, data=data | {"csrf_token": token}).status_code)
        except Exception:  # the test app raises what production answers with a 500
            statuses.append(500)

    threads = [threading.Thread(target=post, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # ...and once more a little later (another second), as a replayed POST.
    time.sleep(1.1)
    browser, token = clients[0]
    statuses.append(browser.post(url, data=data | {"csrf_token": token}).status_code)
    return statuses


def deliver(app, smtp) -> list:
    from portal.services.outbox import send_due

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    with app.app_context():
        send_due()
    return smtp.messages


@pytest.mark.parametrize(
    "url, data",
    [
        ("/admin/dispatch/report/1/send", {"after_version": "0"}),
        ("/admin/recipient/action/", {"action": "remind", "rowid": "1"}),
        ("/admin/remind/1", {}),
    ],
    ids=["consolidated report", "roster reminder", "overview reminder"],
)
def test_a_doubled_send_makes_one_email(app, users, some_records, smtp, url, data):
    statuses = post_together(app, url, data)
    assert statuses == [302, 302, 302], statuses
    assert len(deliver(app, smtp)) == 1
    with app.app_context():  # the send is in the audit trail, once, with who sent it
        sends = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "send")).all()
    assert [event.actor for event in sends] == ["editor@example.org"]


def test_a_doubled_resend_of_a_failed_message_makes_one_email(app, users, smtp):
    with app.app_context():
        db.session.add(
            OutboundMessage(
                to_addresses="a@doan.example",
                subject="Gửi lại",
                body_text="x",
                message_id="<f@portal.example>",
                state="failed",
                last_error="550 no such user",
            )
        )
        db.session.commit()
    post_together(app, "/admin/outboundmessage/action/", {"action": "resend", "rowid": "1"})
    assert [m.message["Subject"] for m in deliver(app, smtp)] == ["Gửi lại"]


def test_a_doubled_rejection_tells_the_unit_once(app, users, some_records, smtp):
    url = "/admin/submission/review/1"
    statuses = post_together(app, url, {"decision": "reject", "note": "Thiếu cột địa chỉ trang."})
    assert statuses == [302, 302, 302], statuses
    sent = deliver(app, smtp)
    assert [m.recipients for m in sent] == [["ninhhai@doan.example"]]


def test_a_doubled_new_record_form_makes_one_record(app, users):
    form = {"code": "NHAI", "name": "Huyện Đoàn Ninh Hải", "is_active": "y"}
    statuses = post_together(app, "/admin/unit/new/", form)
    assert 500 not in statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(Unit.id))) == 1


# --- What units send is shown as text, and downloaded, never rendered ---

PAYLOAD = "<img src=x onerror=alert(1)>"


@pytest.fixture
def hostile_records(app):
    """Everything a unit can put text into, holding PAYLOAD (and one triaged message)."""
    from portal.models import Attachment, AuditEvent, Finding

    with app.app_context():
        unit = make_unit(
            "XSS",
            f"Đoàn xã {PAYLOAD}",
            emails=["xss@doan.example"],
            contact_name=PAYLOAD,
            address=PAYLOAD,
        )
        dispatch = make_dispatch(
            f"9-CV {PAYLOAD}"[:100],
            f"V/v {PAYLOAD}",
            upstream_email="bantuyengiao@trunguongdoan.example",
        )
        message = InboundMessage(
            subject=f"Báo cáo {PAYLOAD}",
            from_address="xss@doan.example",
            from_name=PAYLOAD,
            body_text=f"<script>alert(2)</script> {PAYLOAD}",
            problems=PAYLOAD,
            error=PAYLOAD,
            status="triage",
            kind="person",
            raw=b"x",
            sha256="1" * 64,
        )
        message.attachments = [
            Attachment(filename=f"{PAYLOAD}.xlsx", content_type="text/html", content=b"x")
        ]
        db.session.add(message)
        db.session.flush()
        submission = Submission(
            unit=unit,
            dispatch=dispatch,
            inbound_message_id=message.id,
            attachment_id=message.attachments[0].id,
            review_note=PAYLOAD,
        )
        site = Site(
            name=f"Tuổi trẻ {PAYLOAD}",
            url=f"javascript:alert(3)//{PAYLOAD}",
            agency=PAYLOAD,
            note=PAYLOAD,
            sheet=PAYLOAD,
        )
        site.findings = [Finding(severity="warning", code=PAYLOAD)]
        submission.sites = [site]
        db.session.add_all(
            [
                submission,
                OutboundMessage(subject=f"Re: {PAYLOAD}", to_addresses=PAYLOAD, last_error=PAYLOAD),
                # Saved by staff (the page shows the defaults, unsaved, until then).
                ReportSettings(signer_name=PAYLOAD, addressee=PAYLOAD, copies_to=PAYLOAD),
                Mailbox(
                    name=PAYLOAD, host=PAYLOAD, user=PAYLOAD, folder=PAYLOAD, secret_from=PAYLOAD
                ),
                AuditEvent(
                    action="update",
                    object_type="Unit",
                    summary=PAYLOAD,
                    actor=PAYLOAD,
                    before={"name": PAYLOAD},
                    after={"name": PAYLOAD},
                ),
            ]
        )
        db.session.commit()


def every_admin_page(app) -> list[str]:
    pages = ["/admin/"]
    for endpoint in list_views(app):
        pages += [f"/admin/{endpoint}/{p}" for p in ("", "details/?id=1", "edit/?id=1")]
    return pages + [
        "/admin/submission/review/1",
        "/admin/inboundmessage/assign/1",
        "/admin/dispatch/report/1",
        "/admin/recipient/?flt0_0=1",
    ]


def test_what_units_typed_is_escaped_on_every_page(app, client, as_role, hostile_records):
    as_role("admin")
    escaped = 0
    for url in every_admin_page(app):
        response = client.get(url)
        assert response.status_code in (200, 403), url
        assert "<img src=x" not in response.text and "<script>alert" not in response.text, url
        assert 'href="javascript:alert' not in response.text, url
        escaped += "&lt;img src=x onerror=alert(1)&gt;" in response.text
    assert escaped >= 15  # the payload is shown (as text) on most pages


@pytest.mark.parametrize(
    "filename, content_type, content",
    [
        ("bao-cao.html", "text/html", b"<html><script>alert(1)</script></html>"),
        ("anh.svg", "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>'),
        ("bao-cao.xlsx", "text/html", b"<script>alert(1)</script>"),
    ],
)
def test_an_html_or_svg_attachment_is_downloaded_never_rendered(
    app, client, as_role, some_records, filename, content_type, content
):
    from portal.models import Attachment

    with app.app_context():
        attachment = Attachment(
            inbound_message_id=1, filename=filename, content_type=content_type, content=content
        )
        db.session.add(attachment)
        db.session.commit()
        attachment_id = attachment.id
    as_role("viewer")
    response = client.get(f"/admin/submission/attachment/{attachment_id}")
    assert response.status_code == 200 and response.data == content
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/octet-stream"
