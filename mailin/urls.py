"""URL normalisation: one comparable key per page, however a unit typed it."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from mailin.text import nfc

_INVISIBLE = re.compile(r"[\s\u00a0\u200b\u200c\u200d\ufeff]+")
_SOCIAL_ALIASES = {
    "fb.com": "facebook.com",
    "fb.me": "facebook.com",
    "m.facebook.com": "facebook.com",
    "mobile.facebook.com": "facebook.com",
    "web.facebook.com": "facebook.com",
    "mbasic.facebook.com": "facebook.com",
    "m.youtube.com": "youtube.com",
    "m.tiktok.com": "tiktok.com",
    "vt.tiktok.com": "tiktok.com",
}
# Hosts whose paths are case-insensitive, so the key can be lower-cased whole.
_CASELESS_HOSTS = {"facebook.com", "youtube.com", "tiktok.com", "zalo.me", "oa.zalo.me"}
# Query parameters that identify the page; everything else is tracking or view state.
_KEPT_PARAMS = {"facebook.com": {"id"}, "youtube.com": {"v"}}


_TLD = re.compile(r"\.(?:[a-z]{2,63}|xn--[a-z0-9-]{2,59})$")
_HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def _ascii_host(host: str) -> str:
    """The host in ASCII (IDN to punycode), or '' when it is not a usable host name."""
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return ""
    labels = ascii_host.split(".")
    return ascii_host if all(_HOST_LABEL.match(label) for label in labels) else ""


def normalize_url(text: str) -> str:
    """A scheme-less key such as 'facebook.com/doanxa', or '' if nothing usable is there."""
    cleaned = _INVISIBLE.sub("", nfc(text or "")).strip("/")
    if not cleaned:
        return ""
    if "://" not in cleaned:
        cleaned = "http://" + cleaned
    try:
        parts = urlsplit(cleaned)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return ""
    if not host or "." not in host:
        return ""
    host = _ascii_host(host)
    if not host or not _TLD.search(host):
        return ""
    if host.startswith("www."):  # before the aliases: www.fb.com is fb.com is facebook.com
        host = host[4:]
    host = _SOCIAL_ALIASES.get(host, host)
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    kept = _KEPT_PARAMS.get(host, set())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k in kept])
    key = host + path + (f"?{query}" if query else "")
    return key.lower() if host in _CASELESS_HOSTS else host + key[len(host) :]
