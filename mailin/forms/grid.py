"""Every table of a file as a grid of text cells: sheets, CSV, Word tables, HTML tables.

Sizes are capped, so a hostile file costs bounded time and memory.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from mailin.forms.values import clean_cell

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"  # Word's XML namespace
MAX_SHEETS = 50
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_LINE = 1_000_000  # bytes in one line of a CSV file (a form's line is a few hundred)


@dataclass
class Grid:
    """One table: its name (sheet name, or 'Bảng N'), its rows of cleaned text, and for a
    table in a document, the lines of text above it (where 'Đơn vị: ...' is written).
    `is_sheet`: a spreadsheet's sheet, whose name the unit gave and will recognise (a
    document's 'Bảng N' or a CSV file's name is ours, not worth telling the unit)."""

    name: str
    rows: list[list[str]]
    preamble: list[str] = field(default_factory=list)
    is_sheet: bool = False


def spreadsheet_grids(data: bytes) -> list[Grid]:
    """The sheets of an xlsx, xls or ods file (python-calamine: fast, no formulas run)."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    grids = []
    for name in workbook.sheet_names[:MAX_SHEETS]:
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS)
        cells = [[clean_cell(v) for v in row[:MAX_COLUMNS]] for row in rows]
        grids.append(Grid(name, cells, is_sheet=True))
    return grids


def csv_grids(data: bytes) -> list[Grid]:
    """A CSV file: UTF-8 (with or without BOM), else windows-1258; comma, semicolon or tab.
    A line longer than MAX_LINE is refused before anything is decoded."""
    _check_line_lengths(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1258", errors="replace")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        # A subclass, not csv.excel itself: setting its delimiter would change every CSV
        # read afterwards in this process.
        counts = {d: sample.count(d) for d in ",;\t"}
        dialect = type("Guessed", (csv.excel,), {"delimiter": max(counts, key=counts.get)})
    reader = csv.reader(io.StringIO(text), dialect)
    rows = []
    for row in reader:
        rows.append([clean_cell(v) for v in row[:MAX_COLUMNS]])
        if len(rows) >= MAX_ROWS:
            break
    return [Grid("CSV", rows)]


def _check_line_lengths(data: bytes) -> None:
    start, number = 0, 1
    while start <= len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > MAX_LINE:
            raise ValueError(f"line {number} has {end - start:,} bytes (at most {MAX_LINE:,})")
        start, number = end + 1, number + 1


def docx_grids(data: bytes) -> list[Grid]:
    """The tables of a Word file, in order, each with the paragraphs above it. A merged cell
    is read once; text inside content controls is read too."""
    from docx import Document

    body = Document(io.BytesIO(data)).element.body
    grids: list[Grid] = []
    paragraphs: list[str] = []
    for element in body.iterchildren():
        if element.tag == f"{_W}p":
            paragraphs.append(clean_cell(_text(element)))
        elif element.tag == f"{_W}tbl" and len(grids) < MAX_SHEETS:
            grids.append(Grid(f"Bảng {len(grids) + 1}", _docx_rows(element), list(paragraphs)))
    return grids


def _docx_rows(table) -> list[list[str]]:
    """A Word table's rows. A cell merged across columns is read once; a cell merged down
    gives its text to every row it spans (python-docx would repeat both)."""
    rows: list[list[str]] = []
    above: dict[int, str] = {}  # column -> text of the cell a vertical merge started with
    for row in table.iter(f"{_W}tr"):
        cells: list[str] = []
        for tc in _row_cells(row):
            column = len(cells)
            merge = tc.find(f"{_W}tcPr/{_W}vMerge")
            text = clean_cell(_text(tc))
            if merge is not None and merge.get(f"{_W}val") != "restart":
                text = above.get(column, "")
            elif merge is not None:
                above[column] = text
            span = tc.find(f"{_W}tcPr/{_W}gridSpan")
            extra = int(span.get(f"{_W}val", "1")) - 1 if span is not None else 0
            cells.extend([text] + [""] * max(0, min(extra, MAX_COLUMNS)))
        rows.append(cells[:MAX_COLUMNS])
        if len(rows) >= MAX_ROWS:
            break
    return rows


def _row_cells(row):
    """The w:tc of a row in order, including those wrapped in a content control."""
    for child in row.iterchildren(f"{_W}tc", f"{_W}sdt"):
        yield from ([child] if child.tag == f"{_W}tc" else child.iter(f"{_W}tc"))


def _text(element) -> str:
    """All text of a paragraph or cell, paragraph by paragraph, including text inside
    content controls (w:sdt), which python-docx's cell.text leaves out."""
    paragraphs = element.iter(f"{_W}p") if element.tag != f"{_W}p" else [element]
    return "\n".join("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in paragraphs)


def html_grids(html: str) -> list[Grid]:
    """The tables of an HTML document (an email body), colspan and rowspan spread out."""
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    return [
        Grid(f"Bảng {n}", rows, preamble)
        for n, (rows, preamble) in enumerate(parser.tables[:MAX_SHEETS], 1)
    ]


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[list[str]], list[str]]] = []
        self._stack: list[dict] = []  # nested tables: the innermost is being filled
        self._text: list[str] = []  # text outside tables so far, for each table's preamble

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            preamble = [clean_cell(line) for line in "".join(self._text).splitlines()]
            self._stack.append(
                {
                    "rows": [],
                    "row": None,
                    "cell": None,
                    "spans": {},
                    "preamble": [line for line in preamble if line],
                }
            )
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
        if not self._stack:
            self._text.append(data)
        elif self._stack[-1]["cell"] is not None:
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
                self.tables.append((table["rows"][:MAX_ROWS], table["preamble"]))


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
