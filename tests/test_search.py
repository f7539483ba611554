"""Searching unit and page names ignores case and Vietnamese diacritics, on both engines."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from portal.extensions import db
from portal.models import Site, Submission
from tests.support.factories import make_dispatch, make_unit

NAMES = [
    "Huyện Đoàn Ninh Hải",
    "Huyện Đoàn Ninh Sơn",
    "Thành Đoàn Phan Rang – Tháp Chàm",
    "Đoàn Khối các cơ quan và doanh nghiệp tỉnh",
]


@pytest.fixture
def units(app):
    with app.app_context():
        for n, name in enumerate(NAMES):
            make_unit(f"U{n}", name)


def listed(client, url: str) -> set[str]:
    page = client.get(url)
    assert page.status_code == 200
    return {name for name in NAMES if name in page.text}


@pytest.mark.parametrize(
    "term, expected",
    [
        ("ninh hai", {"Huyện Đoàn Ninh Hải"}),
        ("NINH HẢI", {"Huyện Đoàn Ninh Hải"}),
        (unicodedata.normalize("NFD", "ninh hải"), {"Huyện Đoàn Ninh Hải"}),
        ("doan", set(NAMES)),
        ("Đoàn khối", {"Đoàn Khối các cơ quan và doanh nghiệp tỉnh"}),
        ("thap cham", {"Thành Đoàn Phan Rang – Tháp Chàm"}),
        ("ninh son", {"Huyện Đoàn Ninh Sơn"}),
        ("bac ai", set()),
    ],
)
def test_unit_search_ignores_case_and_diacritics(client, as_role, units, term, expected):
    as_role("viewer")
    assert listed(client, f"/admin/unit/?search={term}") == expected


def test_page_name_search_ignores_diacritics(app, client, as_role):
    with app.app_context():
        unit = make_unit("U1", "Huyện Đoàn Ninh Hải")
        dispatch = make_dispatch("1", "V/v", dt.date(2024, 1, 1), dt.date(2024, 1, 9))
        submission = Submission(unit=unit, dispatch=dispatch)
        submission.sites = [
            Site(name="Tuổi trẻ Ninh Hải", url="facebook.com/tuoitreninhhai"),
            Site(name="Cổng thông tin huyện", url="ninhhai.ninhthuan.gov.vn"),
        ]
        db.session.add(submission)
        db.session.commit()
    as_role("viewer")
    page = client.get("/admin/site/?search=tuoi tre").text
    assert "Tuổi trẻ Ninh Hải" in page and "Cổng thông tin huyện" not in page
