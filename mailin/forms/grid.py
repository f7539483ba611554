"""Every table of a file as a grid of text cells: sheets, CSV, Word tables, HTML tables.

Sizes are capped, so a hostile file costs bounded time and memory.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from mailin.forms.values import clean_cell

MAX_SHEETS = 50
MAX_ROWS = 20_000
MAX_COLUMNS = 100


@dataclass
class Grid:
    """One table: its name (sheet name, or 'Bảng N') and its rows of cleaned text."""

    name: str
    rows: list[list[str]]


def spreadsheet_grids(data: bytes) -> list[Grid]:
    """The sheets of an xlsx, xls or ods file (python-calamine: fast, no formulas run)."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    grids = []
    for name in workbook.sheet_names[:MAX_SHEETS]:
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)
        grids.append(Grid(name, [[clean_cell(v) for v in row[:MAX_COLUMNS]] for row in rows]))
    return grids


def csv_grids(data: bytes) -> list[Grid]:
    """A CSV file: UTF-8 (with or without BOM), else windows-1258; comma, semicolon or tab."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258", errors="replace")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t"}
        dialect = csv.excel
        dialect.delimiter = max(counts, key=counts.get)
    reader = csv.reader(io.StringIO(text), dialect)
    rows = []
    for row in reader:
        rows.append([clean_cell(v) for v in row[:MAX_COLUMNS]])
        if len(rows) >= MAX_ROWS:
            break
    return [Grid("CSV", rows)]


def docx_grids(data: bytes) -> list[Grid]:
    """The tables of a Word file. A merged cell is read once; text in content controls too."""
    from docx import Document

    document = Document(io.BytesIO(data))
    grids = []
    for index, table in enumerate(document.tables[:MAX_SHEETS], start=1):
        rows = []
        for row in table.rows[:MAX_ROWS]:
            seen: set[int] = set()
            cells = []
            for cell in row.cells[:MAX_COLUMNS]:
                # python-docx repeats a merged cell in every grid column it spans.
                key = id(cell._tc)
                cells.append("" if key in seen else clean_cell(_cell_text(cell._tc)))
                seen.add(key)
            rows.append(cells)
        grids.append(Grid(f"Bảng {index}", rows))
    return grids


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _cell_text(tc) -> str:
    """All text of a cell, paragraph by paragraph, including inside content controls
    (w:sdt), which python-docx's cell.text leaves out."""
    paragraphs = []
    for paragraph in tc.iter(f"{_W}p"):
        paragraphs.append("".join(t.text or "" for t in paragraph.iter(f"{_W}t")))
    return "\n".join(paragraphs)


def html_grids(html: str) -> list[Grid]:
    """The tables of an HTML document (an email body), colspan and rowspan spread out."""
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    return [Grid(f"Bảng {n}", rows) for n, rows in enumerate(parser.tables[:MAX_SHEETS], 1)]


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._stack: list[dict] = []  # nested tables: the innermost is being filled

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append({"rows": [], "row": None, "cell": None, "spans": {}})
        elif not self._stack:
            return
        elif tag == "tr":
            self._stack[-1]["row"] = []
        elif tag in ("td", "th"):
            values = dict(attrs)
            self._stack[-1]["cell"] = {
                "text": [],
                "colspan": _span(values.get("colspan")),
                "rowspan": _span(values.get("rowspan")),
            }
        elif tag == "br" and self._stack[-1]["cell"] is not None:
            self._stack[-1]["cell"]["text"].append("\n")

    def handle_data(self, data):
        if self._stack and self._stack[-1]["cell"] is not None:
            self._stack[-1]["cell"]["text"].append(data)

    def handle_endtag(self, tag):
        if not self._stack:
            return
        table = self._stack[-1]
        if tag in ("td", "th") and table["cell"] is not None and table["row"] is not None:
            table["row"].append(table["cell"])
            table["cell"] = None
        elif tag == "tr" and table["row"] is not None:
            table["rows"].append(_spread(table, table["row"]))
            table["row"] = None
        elif tag == "table":
            self._stack.pop()
            if len(self.tables) < MAX_SHEETS:
                self.tables.append(table["rows"][:MAX_ROWS])


def _span(value: str | None) -> int:
    found = re.match(r"\s*(\d+)", value or "")
    return min(max(int(found.group(1)), 1), MAX_COLUMNS) if found else 1


def _spread(table: dict, cells: list[dict]) -> list[str]:
    """One grid row, cells placed around those spanning down from rows above. As in a
    spreadsheet, a merged cell's text is in its first position only."""
    spans: dict[int, int] = table["spans"]  # column -> rows it still covers
    new_spans: dict[int, int] = {}
    row: list[str] = []
    column = 0
    for cell in cells:
        while column in spans:
            row.append("")
            column += 1
        text = clean_cell("".join(cell["text"]))
        for offset in range(cell["colspan"]):
            row.append(text if offset == 0 else "")
            if cell["rowspan"] > 1:
                new_spans[column + offset] = cell["rowspan"] - 1
        column += cell["colspan"]
    while column in spans:
        row.append("")
        column += 1
    for key in list(spans):
        spans[key] -= 1
        if spans[key] <= 0:
            del spans[key]
    spans.update(new_spans)
    return row[:MAX_COLUMNS]
