"""Attachment filenames made safe to show and store, keeping Vietnamese letters."""

from __future__ import annotations

import mimetypes
import unicodedata

from mailin.text import nfc

MAX_NAME = 150
FALLBACK_STEM = "tep-dinh-kem"


def safe_filename(name: str, content_type: str = "") -> str:
    """The basename, NFC, without control or bidi characters, at most MAX_NAME characters."""
    name = nfc(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    name = " ".join(name.split()).strip(" .")
    if not name:
        extension = mimetypes.guess_extension(content_type or "") or ".bin"
        return FALLBACK_STEM + extension
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME]
    return name
