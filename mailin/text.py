"""Text helpers shared by the readers and the portal: NFC, folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ are letters of their own, not d plus a mark: NFD leaves them intact.
_LETTERS_WITHOUT_MARKS = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    """The text in Unicode NFC, the form every stored Vietnamese string takes."""
    return unicodedata.normalize("NFC", text)


def fold(text: str | None) -> str:
    """Lower-case text without diacritics or repeated spaces: 'Huyện Đoàn' -> 'huyen doan'."""
    if not text:
        return ""
    if text.isascii():  # nothing to decompose nor strip: the same result, much sooner
        return _SPACES.sub(" ", text).strip().casefold()
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS_WITHOUT_MARKS))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare).strip().casefold()
