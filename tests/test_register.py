"""The register of pages ("Sổ theo dõi trang"): three sites-and-pages dispatches over a year
for the same units give each unit's current pages and what changed between its returns
(issue 19). Both engines."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import Site, Submission, SubmissionStatus
from portal.services.register import build_register
from portal.services.register_workbook import register_workbook
from tests.support.factories import make_dispatch, make_unit
from tests.support.form_specs import RESULTS

UTC = dt.UTC


def report(dispatch, unit, received: dt.datetime, pages, status=SubmissionStatus.RECEIVED):
    """The unit's current return to the dispatch: (name, url, admin) rows."""
    submission = Submission(
        dispatch=dispatch, unit=unit, version=1, received_at=received, status=status
    )
    submission.sites = [
        Site(
            position=position,
            name=name,
            url=f"https://{url}",
            url_normalized=url,
            platform="facebook_page" if url.startswith("facebook") else "other",
            admin_name=admin,
        )
        for position, (name, url, admin) in enumerate(pages)
    ]
    db.session.add(submission)
    db.session.commit()


@pytest.fixture
def year_of_returns(app):
    """Unit A's and unit B's returns to dispatches of December, June and December."""
    with app.app_context():
        a = make_unit("A", "Huyện Đoàn Ninh Hải")
        b = make_unit("B", "Huyện Đoàn Ninh Sơn")
        dates = [dt.date(2025, 12, 1), dt.date(2026, 6, 1), dt.date(2026, 12, 1)]
        first, second, third = (
            make_dispatch(number, "V/v thống kê trang", day, day + dt.timedelta(days=14))
            for number, day in zip(("422-CV", "15-CV", "431-CV"), dates, strict=True)
        )
        # A dispatch with its own form is not part of the register.
        other = make_dispatch("432-CV", "V/v khác", dates[2], dates[2], form=RESULTS)
        at = [dt.datetime(d.year, d.month, 5, 3, 0, tzinfo=UTC) for d in dates]
        page_1 = ("Tuổi trẻ Ninh Hải", "facebook.com/tuoitreninhhai", "Nguyễn Văn An")
        page_2 = ("Cổng thông tin Đoàn", "doan.ninhhai.gov.vn", "Lê Văn Bình")
        page_3 = ("Kênh YouTube Ninh Hải", "youtube.com/@ninhhai", "")
        page_3_moved = ("Kênh YouTube Ninh Hải", "youtube.com/@tuoitreninhhai", "")
        page_4 = ("TikTok Tuổi trẻ Ninh Hải", "tiktok.com/@tuoitreninhhai", "")
        report(first, a, at[0], [page_1, page_2, page_3])
        report(second, a, at[1], [(*page_1[:2], "Trần Thị Bé"), page_2, page_3_moved, page_4])
        report(third, a, at[2], [(*page_1[:2], "Trần Thị Bé"), page_3_moved, page_4])
        son = ("Tuổi trẻ Ninh Sơn", "facebook.com/tuoitreninhson", "")
        report(first, b, at[0], [son])
        # B did not answer in June.
        report(third, b, at[2], [son, ("Zalo Ninh Sơn", "zalo.me/ninhson", "")])
        report(other, a, at[2], [("Không thuộc sổ", "facebook.com/khac", "")])
    return at


def test_three_dispatches_over_a_year_give_the_current_pages_and_their_history(
    app, year_of_returns
):
    at = year_of_returns
    with app.app_context():
        found = build_register()
    pages = {entry.page.key: entry for entry in found.entries}
    assert set(pages) == {
        "facebook.com/tuoitreninhhai",
        "doan.ninhhai.gov.vn",
        "youtube.com/@tuoitreninhhai",
        "tiktok.com/@tuoitreninhhai",
        "facebook.com/tuoitreninhson",
        "zalo.me/ninhson",
    }
    fanpage = pages["facebook.com/tuoitreninhhai"]
    assert (fanpage.first_dispatch, fanpage.last_dispatch) == ("422-CV", "431-CV")
    assert fanpage.dispatches == ["422-CV", "15-CV", "431-CV"]
    assert fanpage.page.admin_name == "Trần Thị Bé" and fanpage.status == "active"
    portal_page = pages["doan.ninhhai.gov.vn"]
    assert (portal_page.status, portal_page.last_dispatch) == ("dropped", "15-CV")
    moved = pages["youtube.com/@tuoitreninhhai"]  # the same channel at a new address
    assert (moved.first_dispatch, moved.first_reported) == ("422-CV", at[0])
    assert moved.status == "active" and len(moved.dispatches) == 3
    assert pages["tiktok.com/@tuoitreninhhai"].first_dispatch == "15-CV"
    son = pages["facebook.com/tuoitreninhson"]
    assert son.dispatches == ["422-CV", "431-CV"] and son.status == "active"
    changes = [(c.unit_code, c.dispatch, c.kind, c.name, c.before, c.after) for c in found.changes]
    assert changes == [
        ("A", "15-CV", "admin_changed", "Tuổi trẻ Ninh Hải", "Nguyễn Văn An", "Trần Thị Bé"),
        (
            "A",
            "15-CV",
            "url_changed",
            "Kênh YouTube Ninh Hải",
            "https://youtube.com/@ninhhai",
            "https://youtube.com/@tuoitreninhhai",
        ),
        (
            "A",
            "15-CV",
            "added",
            "TikTok Tuổi trẻ Ninh Hải",
            "",
            "https://tiktok.com/@tuoitreninhhai",
        ),
        ("A", "431-CV", "dropped", "Cổng thông tin Đoàn", "https://doan.ninhhai.gov.vn", ""),
        ("B", "431-CV", "added", "Zalo Ninh Sơn", "", "https://zalo.me/ninhson"),
    ]


def test_the_register_is_searchable_and_a_rejected_return_does_not_count(app, year_of_returns):
    with app.app_context():
        assert [e.page.name for e in build_register("youtube").entries] == ["Kênh YouTube Ninh Hải"]
        assert {e.unit_code for e in build_register("ninh son").entries} == {"B"}
        assert [e.page.name for e in build_register(status="dropped").entries] == [
            "Cổng thông tin Đoàn"
        ]
        rejected = db.session.query(Submission).filter(Submission.unit.has(code="B")).all()[-1]
        rejected.status = SubmissionStatus.REJECTED
        db.session.commit()
        son = {e.page.key: e for e in build_register("ninh son").entries}
        assert set(son) == {"facebook.com/tuoitreninhson"}
        assert son["facebook.com/tuoitreninhson"].last_dispatch == "422-CV"


def test_staff_mark_a_page_closed_and_export_the_register(app, year_of_returns, client, as_role):
    token = as_role("admin")
    with app.app_context():
        tiktok = next(
            e for e in build_register().entries if e.page.key == "tiktok.com/@tuoitreninhhai"
        )
    page = client.get("/admin/register/?q=ninh hai")
    assert page.status_code == 200 and "Kênh YouTube Ninh Hải" in page.text
    assert "Tuổi trẻ Ninh Sơn" not in page.text.split('id="register"')[1].split("</table>")[0]
    closed = client.post(
        "/admin/register/",
        data={
            "csrf_token": token,
            "unit_id": tiktok.unit_id,
            "key": tiktok.page.key,
            "action": "close",
            "note": "Đơn vị báo đã ngừng hoạt động",
        },
    )
    assert closed.status_code == 302
    with app.app_context():
        entry = next(e for e in build_register(status="closed").entries)
        assert entry.page.key == tiktok.page.key
        assert entry.closed_note == "Đơn vị báo đã ngừng hoạt động"
        workbook = load_workbook(io.BytesIO(register_workbook(build_register())))
    rows = list(workbook["Sổ theo dõi trang"].iter_rows(values_only=True))
    assert len(rows) == 1 + 6 and rows[0][:3] == ("Mã đơn vị", "Đơn vị", "Tên trang")
    assert ("TikTok Tuổi trẻ Ninh Hải", "đã đóng") == (
        next(r for r in rows if r[2] == "TikTok Tuổi trẻ Ninh Hải")[2],
        next(r for r in rows if r[2] == "TikTok Tuổi trẻ Ninh Hải")[9],
    )
    assert len(list(workbook["Thay đổi"].iter_rows(values_only=True))) == 1 + 5
    download = client.get("/admin/register/export.xlsx?q=youtube")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    reopened = client.post(
        "/admin/register/",
        data={
            "csrf_token": token,
            "unit_id": tiktok.unit_id,
            "key": tiktok.page.key,
            "action": "reopen",
        },
    )
    assert reopened.status_code == 302
    with app.app_context():
        assert build_register(status="closed").entries == []


def test_a_viewer_sees_the_register_but_cannot_close_a_page(app, year_of_returns, client, as_role):
    token = as_role("viewer")
    assert client.get("/admin/register/").status_code == 200
    refused = client.post(
        "/admin/register/",
        data={"csrf_token": token, "unit_id": 1, "key": "zalo.me/ninhson", "action": "close"},
    )
    assert refused.status_code == 403
