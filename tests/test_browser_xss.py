"""Hostile mail in a real browser: nothing a unit sent runs or loads anything (Chromium).

Every page staff open on such mail is visited with Playwright; the test records every
request the browser makes and every dialog, and the payloads set a window flag if run.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD
from tests.support.browser import log_in
from tests.support.mailbox import append, poll, seed_roster
from tests.support.mails import form_attachment, make_mail


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

FLAG = "<img src=x onerror=\"window.pwned=(window.pwned||0)+1;alert('xss')\">"
HTML_BODY = f"""<html><head>
<link rel="stylesheet" href="http://203.0.113.7/style.css">
<script src="http://203.0.113.7/evil.js"></script>
<script>window.pwned = 1; alert('script');</script>
<style>body {{ background: url(http://203.0.113.7/bg.png) }}</style>
</head><body onload="window.pwned=1">
<p>Kính gửi Ban Tuyên giáo {FLAG}</p>
<a href="javascript:window.pwned=1">bấm vào đây</a>
<img src="http://203.0.113.7/track.png" width="1" height="1">
<iframe src="http://203.0.113.7/frame"></iframe>
<svg onload="window.pwned=1"><circle r="1"/></svg>
<table><tr><th>STT</th><th>Tên trang</th><th>Đường dẫn</th></tr>
<tr><td>1</td><td onmouseover="window.pwned=1">Đoàn xã {FLAG}</td>
<td>javascript:window.pwned=1</td></tr></table>
</body></html>"""


def html_mail(**kwargs) -> bytes:
    raw = make_mail(body="x", **kwargs)
    head = raw.split(b"\r\n\r\n", 1)[0].replace(
        b'Content-Type: text/plain; charset="utf-8"', b'Content-Type: text/html; charset="utf-8"'
    )
    head = head.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit")
    return head + b"\r\n\r\n" + HTML_BODY.encode()


def test_hostile_mail_runs_and_loads_nothing_on_any_page(
    app,
    live_server,  # noqa: F811
    browser_page,  # noqa: F811
    users,
    dovecot,
    folder,  # noqa: F811
):

    page = browser_page
    seed_roster(app)
    append(
        dovecot,
        folder,
        html_mail(sender=f'"{FLAG}" <huyendoan.ninhhai@ninhthuan.example>'),
        make_mail(
            sender=f'"Bí thư {FLAG}" <bi.thu@gmail.example>',
            subject=f"Báo cáo {FLAG}",
            body=f"{FLAG}\n<script>window.pwned=1</script>\njavascript:window.pwned=1",
            attachments=[
                form_attachment(
                    f"bao cao {FLAG}.xlsx",
                    rows=[[f"Tuổi trẻ {FLAG}", "javascript:window.pwned=1", FLAG]],
                )
            ],
        ),
        make_mail(
            sender="huyendoan.ninhson@ninhthuan.example",
            attachments=[
                form_attachment(rows=[[f"Đoàn xã {FLAG}", f"doanxa.vn/{FLAG}", f"{FLAG}"]]),
                (f"{FLAG}.html", HTML_BODY.encode(), "text/html"),
                (f"{FLAG}.svg", b'<svg onload="window.pwned=1"/>', "image/svg+xml"),
            ],
        ),
    )
    poll(app)

    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    log_in(page, live_server, "editor@example.org", PASSWORD)

    pages = [
        "/admin/",
        "/admin/inboundmessage/",
        "/admin/inboundmessage/details/?id=1",
        "/admin/inboundmessage/details/?id=2",
        "/admin/inboundmessage/details/?id=3",
        "/admin/inboundmessage/assign/2",
        "/admin/submission/",
        "/admin/submission/review/1",
        "/admin/submission/review/2",
        "/admin/submission/details/?id=1",
        "/admin/site/",
        "/admin/site/?search=doan",
        "/admin/unit/",
        "/admin/recipient/?flt0_0=1",
        "/admin/outboundmessage/",
        "/admin/outboundmessage/details/?id=1",
        "/admin/auditevent/",
        "/admin/dispatch/report/1",
    ]
    for path in pages:
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
        page.mouse.move(400, 300)  # hover handlers, had any survived
        assert page.evaluate("window.pwned") is None, path
        assert page.alerts == [], path
    # The payload is on the pages, as text.
    page.goto(f"{live_server}/admin/inboundmessage/assign/2")
    assert FLAG in page.inner_text("body")
    # Staff triage the stranger's message: the hostile names come back on the next pages.
    page.select_option("#unit", label="Huyện Đoàn Ninh Sơn (NSON)")
    page.select_option("#dispatch", label="422-CV/TĐTN-TG")
    page.click("#assign")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.pwned") is None and page.alerts == []

    hosts = {urlsplit(url).hostname for url in requests if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}, sorted(set(requests))
