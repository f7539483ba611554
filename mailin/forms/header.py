"""Finding the form's header wherever it is, and which column holds what (docs/form.md,
"Finding the header")."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from mailin.forms.columns import COLUMNS
from mailin.text import fold

# Folded phrases that start a header of each column (columns.py); the longest match wins,
# so "ten mien" (the domain) beats "ten" (a name) and "dia chi email" beats "dia chi".
PHRASES: dict[str, tuple[str, ...]] = {column.key: column.phrases for column in COLUMNS}
AMBIGUOUS_ADDRESS = "dia chi"
_NUMBERING = re.compile(r"^\(?\s*(?:\d+|[ivx]+)\s*[).:-]\s*|\s*\(\s*\d+\s*\)\s*$")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def header_words(text: str) -> str:
    """A header cell as comparable words: folded, no numbering, footnotes or punctuation."""
    folded = fold(text).replace("*", " ")
    folded = _NUMBERING.sub(" ", folded.strip())
    return " ".join(_NOT_WORD.sub(" ", folded).split())


# Each phrase once, with the key it names (the first key that lists it).
_PHRASE_KEYS: dict[str, str] = {}
for _key, _phrases in PHRASES.items():
    for _phrase in _phrases:
        _PHRASE_KEYS.setdefault(_phrase, _key)
_MOST_WORDS = max(len(phrase.split()) for phrase in _PHRASE_KEYS)


@lru_cache(maxsize=8192)
def column_key(text: str) -> str:
    """The column key a header cell names ('' if none; AMBIGUOUS_ADDRESS for 'Địa chỉ').

    The longest phrase the cell's words start with wins: the phrases are looked up by the
    cell's first words, longest first. Cached: the same headers come back in every return.
    """
    words = header_words(text)
    if not words:
        return ""
    if words == AMBIGUOUS_ADDRESS:
        return AMBIGUOUS_ADDRESS
    tokens = words.split(" ")
    for count in range(min(len(tokens), _MOST_WORDS), 0, -1):
        key = _PHRASE_KEYS.get(" ".join(tokens[:count]))
        if key:
            return key
    return ""


@dataclass(frozen=True)
class Header:
    row: int  # index of the last header row in the grid
    height: int  # 1 or 2 rows
    columns: dict[str, int]  # key -> column index (AMBIGUOUS_ADDRESS possibly among them)

    @property
    def score(self) -> int:
        return len(set(self.columns) - {"seq"})


def map_columns(cells: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = column_key(cell)
        if key and key not in columns:
            columns[key] = index
    return columns


def two_row_cells(
    top: list[str],
    bottom: list[str],
    names_column: Callable[[str], object] = column_key,
    title_over_sub_header: bool = True,
) -> list[str]:
    """A header over two rows as one: a merged group title spreads to the columns under it,
    and each column reads its sub-header when that names a column (`names_column`), else
    its own title (merged down over both rows, or repeated below it, as Word does), else
    the group's title and its sub-header. `title_over_sub_header`: a title above a
    sub-header that names nothing is read alone (the sites-and-pages form), rather than
    followed by the sub-header (a dispatch's own form, mailin/forms/generic.py)."""
    width = max(len(top), len(bottom))
    group, combined = "", []
    for index in range(width):
        upper = top[index] if index < len(top) else ""
        lower = bottom[index] if index < len(bottom) else ""
        if upper:
            group = upper
        elif not lower:
            group = ""
        if lower and names_column(lower):
            combined.append(lower)
        elif upper and (title_over_sub_header or lower in ("", upper)):
            combined.append(upper)  # a title merged down over both rows
        else:
            combined.append(f"{group} {lower}".strip())
    return combined


def _better(header: Header, best: Header) -> bool:
    """More columns named; on a tie at the same row, one row rather than two (the row above
    a one-row header is often the 'Đơn vị:' line, not part of the header)."""
    if header.score != best.score:
        return header.score > best.score
    return header.row == best.row and header.height < best.height


def find_header(rows: list[list[str]], search_rows: int = 40) -> Header | None:
    """The most convincing header in the first rows: one row, or two rows combined."""
    best: Header | None = None
    for index, cells in enumerate(rows[:search_rows]):
        candidates = [Header(index, 1, map_columns(cells))]
        if index + 1 < len(rows):
            combined = two_row_cells(cells, rows[index + 1])
            candidates.append(Header(index + 1, 2, map_columns(combined)))
        for header in candidates:
            keys = set(header.columns)
            usable = (
                "name" in keys or "url" in keys or AMBIGUOUS_ADDRESS in keys
            ) and header.score >= 2
            if usable and (best is None or _better(header, best)):
                best = header
    return best
