"""The form reader on a corpus of real-looking returns (tests/data/forms/, see its README)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mailin.forms import read_form
from mailin.urls import normalize_url

CORPUS = Path(__file__).parent / "data" / "forms"
OFFICIAL_PAGES = frozenset(
    normalize_url(url)
    for url in (
        "https://www.facebook.com/bantuyengiaotwd/",
        "https://www.facebook.com/bupsenxanh304/",
        "https://www.facebook.com/songdepsongcoich/",
        "https://www.facebook.com/theodauchanbac/",
        "https://www.facebook.com/groups/dtncshcm/",
        "https://www.facebook.com/ninhthuanngaymoi/",
        "http://www.doanthanhnienninhthuan.org.vn",
    )
)


def corpus_cases() -> list:
    cases = []
    for expected_path in sorted(CORPUS.glob("*.expected.json")):
        stem = expected_path.name.removesuffix(".expected.json")
        (data_path,) = [p for p in CORPUS.glob(f"{stem}.*") if p != expected_path]
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        cases.append(pytest.param(data_path, expected, id=stem))
    return cases


@pytest.mark.parametrize("path, expected", corpus_cases())
def test_the_reader_reads_each_return_as_expected(path, expected):
    reading = read_form(path.read_bytes(), OFFICIAL_PAGES)
    assert (reading.status, reading.detected_type) == (
        expected["status"],
        expected["detected_type"],
    ), reading.detail
    if expected.get("unit_line") is not None:
        assert reading.unit_line == expected["unit_line"]
    if expected.get("sheet") is not None:
        assert reading.sheet == expected["sheet"]
    got = [_as_expected(row) for row in reading.rows]
    want = expected.get("rows", [])
    assert len(got) == len(want), [(r["row"], r.get("name")) for r in got]
    for row, wanted in zip(got, want, strict=True):
        assert {key: row.get(key, "") for key in wanted} == wanted


def _as_expected(row) -> dict:
    values = {key: value for key, value in row.values.items() if key != "platform"}
    return {
        "row": row.row,
        **values,
        "platform": row.platform,
        "url_normalized": row.url_normalized,
        "errors": row.errors,
        "warnings": row.warnings,
    }


def test_the_corpus_covers_every_case():
    assert len(corpus_cases()) >= 30


def test_openpyxl_parses_xml_with_defusedxml():
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


BOMB_CHECK = """
import sys, zipfile
from mailin.forms import read_form
def peak_kb():  # this process's own peak (ru_maxrss starts at the parent's, after exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
data = open(sys.argv[1], "rb").read()
before = peak_kb()
def refuse(*args, **kwargs):
    raise AssertionError("an entry of the bomb was decompressed")
zipfile.ZipFile.open = refuse
reading = read_form(data)
peak = peak_kb()
print(reading.status, peak - before, peak)
"""


@pytest.mark.parametrize("name", ["32-zip-bomb", "33-zip-bomb-overlap", "34-too-many-entries"])
def test_a_zip_bomb_is_refused_without_being_opened(name):
    """Refused from the zip's directory alone: nothing decompressed, memory flat."""
    path = CORPUS / f"{name}.xlsx"
    assert path.stat().st_size < 5_000_000
    with zipfile.ZipFile(path) as archive:
        declared = sum(entry.file_size for entry in archive.infolist())
        entries = len(archive.infolist())
    assert declared > 2_000_000_000 or entries > 10_000
    result = subprocess.run(
        [sys.executable, "-c", BOMB_CHECK, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 0, result.stderr
    status, grown_kb, peak_kb = result.stdout.split()
    assert status == "refused"
    assert int(grown_kb) < 100 * 1024
    # The child's own peak (VmHWM): this process's RUSAGE_CHILDREN is the largest of every
    # child a test of this worker ran before, and a child's ru_maxrss starts at this
    # process's size.
    assert int(peak_kb) < 300 * 1024


def test_an_odd_csv_does_not_change_how_later_csv_files_are_read():
    import csv

    from mailin.forms.grid import csv_grids

    csv_grids("Tên trang;Đường dẫn\na".encode())  # the sniffer gives up on this
    assert csv.excel.delimiter == ","
