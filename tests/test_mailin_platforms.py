"""docs/form.md, "Platforms": the URL wins when it says what it is; the column decides otherwise."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from mailin.forms import ReadingStatus, read_form
from mailin.forms.values import platform_from_words, platform_of
from mailin.urls import normalize_url

# (what the unit wrote in the platform column, the URL as typed, the platform stored)
URL_WINS = [
    ("Fanpage", "https://www.facebook.com/profile.php?id=100012345678", "facebook_profile"),
    ("Fanpage", "m.facebook.com/profile.php?id=100012345678&ref=bookmarks", "facebook_profile"),
    ("Trang Facebook", "fb.com/people/Nguyen-Van-A/100012345678/", "facebook_profile"),
    ("Fanpage", "https://www.facebook.com/groups/doanxaphuochai/", "facebook_group"),
    ("Trang cá nhân", "m.facebook.com/groups/123456789", "facebook_group"),
    ("Nhóm Zalo", "https://zalo.me/g/abcd123", "zalo"),
    ("nhóm", "zalo.me/g/abc", "zalo"),
    ("Group", "zalo.me/g/abc", "zalo"),
    ("Fanpage", "oa.zalo.me/123", "zalo"),
    ("Trang cá nhân", "https://zalo.me/0912345678", "zalo"),
    ("Fanpage", "https://vt.tiktok.com/ZSabc123/", "tiktok"),
    ("Website", "https://www.tiktok.com/@tuoitreninhhai", "tiktok"),
    ("Fanpage", "https://www.youtube.com/@tuoitreninhthuan", "youtube"),
    ("Website", "m.youtube.com/channel/UC1234567890abcdef", "youtube"),
    ("Nhóm", "youtube.com/c/DoanThanhNien", "youtube"),
    ("Fanpage", "https://youtu.be/dQw4w9WgXcQ", "youtube"),
]
COLUMN_DECIDES = [
    ("Nhóm", "facebook.com/doanxaphuochai", "facebook_group"),
    ("Nhóm Facebook", "https://www.facebook.com/doanxaphuochai/", "facebook_group"),
    ("Trang cá nhân", "fb.com/nguyenvana", "facebook_profile"),
    ("Website", "facebook.com/doanxaphuochai", "website"),
    ("Fanpage", "m.facebook.com/tuoitreninhhai?ref=share", "facebook_page"),
    ("Trang thông tin điện tử", "doanthanhnienninhthuan.org.vn", "website"),
    ("Fanpage", "doanthanhnienninhthuan.org.vn", "facebook_page"),
    ("Zalo OA", "doanthanhnienninhthuan.org.vn", "zalo"),
]
NEITHER_SAYS = [
    ("", "facebook.com/doanxaphuochai", "facebook_page"),
    ("Khác", "https://fb.com/doanxaphuochai", "facebook_page"),
    ("", "http://www.doanthanhnienninhthuan.org.vn", "website"),
    ("", "doanninhhai.com", "website"),
    ("", "", "other"),
    ("", "chưa có", "other"),
]


@pytest.mark.parametrize(("column", "url", "platform"), URL_WINS)
def test_a_url_that_says_what_it_is_wins_over_the_column(column, url, platform):
    assert platform_of(column, normalize_url(url)) == platform


@pytest.mark.parametrize(("column", "url", "platform"), COLUMN_DECIDES)
def test_the_column_decides_when_the_url_does_not(column, url, platform):
    assert platform_of(column, normalize_url(url)) == platform


@pytest.mark.parametrize(("column", "url", "platform"), NEITHER_SAYS)
def test_with_neither_the_url_kind_is_taken(column, url, platform):
    assert platform_of(column, normalize_url(url)) == platform


def test_the_normalised_keys_are_the_ones_the_rules_expect():
    """The rules read normalize_url's keys: aliases folded, www. dropped, id kept."""
    assert normalize_url("https://m.facebook.com/profile.php?id=42&ref=x") == (
        "facebook.com/profile.php?id=42"
    )
    assert normalize_url("https://vt.tiktok.com/ZSabc/") == "tiktok.com/zsabc"
    assert normalize_url("https://www.youtube.com/@Doan") == "youtube.com/@doan"
    assert normalize_url("https://zalo.me/g/abcd123") == "zalo.me/g/abcd123"
    assert normalize_url("oa.zalo.me/123") == "oa.zalo.me/123"
    # www. before an alias: the short host is still Facebook, and one page has one key.
    assert normalize_url("www.fb.com/doanxa") == normalize_url("facebook.com/doanxa")


@pytest.mark.parametrize(
    ("column", "platform"),
    [
        ("Nhóm Zalo", "zalo"),
        ("Zalo OA", "zalo"),
        ("Group Zalo", "zalo"),
        ("Nhóm", "facebook_group"),
        ("Nhóm Facebook", "facebook_group"),
        ("Fanpage", "facebook_page"),
        ("Trang cá nhân", "facebook_profile"),
        ("Kênh TikTok", "tiktok"),
        ("Kênh YouTube", "youtube"),
        ("Trang thông tin điện tử", "website"),
        ("", ""),
    ],
)
def test_the_column_alone(column, platform):
    assert platform_from_words(column) == platform
    assert platform_of(column, "") == (platform or "other")


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Tên trang", "Loại hình", "Địa chỉ trang (URL/tên miền)"])
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_fanpage_beside_a_profile_url_is_read_as_a_profile_with_its_warning():
    data = _xlsx(
        [
            ["Đoàn xã Phước Hải", "Fanpage", "https://www.facebook.com/profile.php?id=1000123"],
            ["Chi đoàn thôn 1", "Nhóm Zalo", "https://zalo.me/g/abcd123"],
            ["Tuổi trẻ Ninh Hải", "Fanpage", "fb.com/tuoitreninhhai"],
        ]
    )
    reading = read_form(data)
    assert reading.status == ReadingStatus.READ
    profile, zalo_group, page = reading.rows
    assert profile.url_normalized == "facebook.com/profile.php?id=1000123"
    assert profile.platform == "facebook_profile"
    assert "facebook_profile" in profile.warnings
    assert profile.values["platform"] == "Fanpage"  # what the unit wrote is kept as written
    assert zalo_group.platform == "zalo" and "facebook_profile" not in zalo_group.warnings
    assert page.platform == "facebook_page" and page.warnings == []
