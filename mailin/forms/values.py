"""Cell values made clean and comparable: text, phones, emails, platforms."""

from __future__ import annotations

import datetime as dt
import enum
import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from mailin.text import fold, nfc

MAX_CELL = 2_000
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_EMAIL_SEPARATORS = re.compile(r"[;,\s]+")


def clean_cell(value: object) -> str:
    """A cell as text: NFC, no stray or non-breaking spaces, integers without '.0', capped.

    A value beginning with '=', '+', '-' or '@' stays the text it is: nothing here
    evaluates anything, and the exports write text cells as text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    if isinstance(value, dt.datetime):
        value = (
            value.strftime("%d/%m/%Y %H:%M")
            if value.time() != dt.time()
            else value.strftime("%d/%m/%Y")
        )
    elif isinstance(value, dt.date):
        value = value.strftime("%d/%m/%Y")
    text = nfc(str(value))
    return _SPACES.sub(" ", text).strip()[:MAX_CELL]


def clean_phone(text: str) -> str:
    """The phone as typed; the leading 0 restored when a spreadsheet stored it as a number."""
    if text.isdigit() and not text.startswith(("0", "84")) and len(text) in (9, 10):
        return "0" + text
    return text


def split_emails(text: str) -> list[str]:
    """The addresses of a cell (separated by ; , spaces or lines), as typed."""
    return [piece for piece in _EMAIL_SEPARATORS.split(text) if piece]


@lru_cache(maxsize=4096)
def is_valid_email(address: str) -> bool:
    """Syntax only (no DNS): what email-validator accepts offline. Cached: a unit's rows
    often give the same address, and email-validator takes ~80 µs an address."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


class Platform(enum.StrEnum):
    """Where a page lives, as the form's "Loại hình" column and its URL tell."""

    WEBSITE = "website"
    FACEBOOK_PAGE = "facebook_page"
    FACEBOOK_GROUP = "facebook_group"
    FACEBOOK_PROFILE = "facebook_profile"
    ZALO = "zalo"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    OTHER = "other"


# What units write in the platform column, folded, mapped to the stored platform. First
# match wins: the named networks other than Facebook come first ("Nhóm Zalo" is Zalo, "Kênh
# TikTok cá nhân" TikTok), then Facebook's kinds, then the words of a website.
_PLATFORM_WORDS = [
    ("zalo", Platform.ZALO),
    ("tiktok", Platform.TIKTOK),
    ("tik tok", Platform.TIKTOK),
    ("youtube", Platform.YOUTUBE),
    ("trang ca nhan", Platform.FACEBOOK_PROFILE),
    ("ca nhan", Platform.FACEBOOK_PROFILE),
    ("profile", Platform.FACEBOOK_PROFILE),
    ("nhom", Platform.FACEBOOK_GROUP),
    ("group", Platform.FACEBOOK_GROUP),
    ("fanpage", Platform.FACEBOOK_PAGE),
    ("fan page", Platform.FACEBOOK_PAGE),
    ("trang facebook", Platform.FACEBOOK_PAGE),
    ("facebook", Platform.FACEBOOK_PAGE),
    ("website", Platform.WEBSITE),
    ("web", Platform.WEBSITE),
    ("trang thong tin", Platform.WEBSITE),
    ("cong thong tin", Platform.WEBSITE),
    ("trang tin", Platform.WEBSITE),
    ("ten mien", Platform.WEBSITE),
]


def platform_from_words(text: str) -> Platform | str:
    """The platform a unit named in words ('Fanpage', 'Trang thông tin điện tử'), or ''."""
    folded = fold(text)
    if not folded:
        return ""
    return next((platform for words, platform in _PLATFORM_WORDS if words in folded), "")


def platform_from_url(key: str) -> Platform:
    """The platform of a normalised URL key ('facebook.com/groups/x' -> facebook_group):
    what the URL says unambiguously, else what its host is most likely to be."""
    if not key:
        return Platform.OTHER
    host = key.partition("/")[0]
    if platform_in_url(key):
        return platform_in_url(key)
    if host == "facebook.com":
        return Platform.FACEBOOK_PAGE  # a bare facebook.com/name: most often a Fanpage
    if host == "youtube.com" or host.endswith(".youtube.com"):
        return Platform.YOUTUBE
    return Platform.WEBSITE


def platform_in_url(key: str) -> Platform | str:
    """The platform a normalised URL key says unambiguously, or '' when it leaves it open.

    Facebook's groups, profiles (profile.php?id=, people/) and every Zalo, TikTok and YouTube
    channel address say what they are; a bare facebook.com/name (a Fanpage, a group or a
    profile by its vanity name) and any other site do not."""
    host, _slash, path = key.partition("/")
    if host == "facebook.com":
        if path.startswith("groups/"):
            return Platform.FACEBOOK_GROUP
        if path.startswith(("profile.php", "people/")):
            return Platform.FACEBOOK_PROFILE
        return ""
    if host == "zalo.me" or host.endswith(".zalo.me"):
        return Platform.ZALO
    if host == "tiktok.com" or host.endswith(".tiktok.com"):
        return Platform.TIKTOK
    if host == "youtu.be":
        return Platform.YOUTUBE
    if host == "youtube.com" and path.startswith(("@", "channel/", "c/", "user/")):
        return Platform.YOUTUBE
    return ""


def platform_of(column_text: str, url_key: str) -> str:
    """The platform of a row (docs/form.md, "Platforms"): what the URL says when it says it
    unambiguously (a unit writing "Fanpage" beside a personal profile gets the profile and
    its warning), else what the unit wrote in the platform column, else the URL's kind."""
    return (
        platform_in_url(url_key) or platform_from_words(column_text) or platform_from_url(url_key)
    )
