"""`make bench` at a tiny size: every step runs and the figures are reported (never timed)."""

from __future__ import annotations

import json
import re

from bench.__main__ import main
from portal.config import DEFAULTS
from tests.conftest import ENGINES

LAST_LINE = re.compile(
    r"^bench: ingest_ratio=\d+(\.\d+)? ingest_msgs_per_s=\d+(\.\d+)? peak_rss_mb=\d+(\.\d+)? "
    r"export_ratio=\d+(\.\d+)? admin_p95_ms=\d+(\.\d+)?$"
)


def test_the_bench_runs_every_step_and_reports_each_figure_with_its_floor(
    request, tmp_path, capsys, monkeypatch
):
    # The bench's processes take their settings from this process's environment, as an
    # installation does (bench/database.py, app_env): none of the developer's shell.
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    if "postgresql" in ENGINES:
        monkeypatch.setenv("TEST_POSTGRES_URL", request.getfixturevalue("pg_server").url)
    results, figures = tmp_path / "RESULTS.md", tmp_path / "results.json"
    args = ["--n", "8", "--sizes", "0.5,1", "--export-units", "20", "--admin-sites", "300"]
    args += ["--admin-rounds", "2", "--results", str(results), "--json", str(figures)]
    args += ["--postgres", "yes" if "postgresql" in ENGINES else "no"]
    assert main(args) == 0

    lines = capsys.readouterr().out.strip().splitlines()
    assert LAST_LINE.match(lines[-1]), lines[-1]
    data = json.loads(figures.read_text())
    runs = {(run["engine"], run["returns"]) for run in data["ingest"]}
    assert {("sqlite", 4), ("sqlite", 8)} <= runs
    if "postgresql" in ENGINES:
        assert ("postgresql", 8) in runs
    for run in data["ingest"]:
        # 8 returns and no machine mail at this size (one message in 21 is machine mail)
        assert run["floor"]["messages"] == run["real"]["messages"] == run["returns"]
        assert run["real"]["submissions"] == run["returns"]
        assert run["real"]["sites"] == 20 * run["returns"]
        assert run["real"]["queued_acknowledgements"] == run["returns"]
    assert data["outbox"]["real"]["messages"] == data["outbox"]["floor"]["messages"] == 8
    assert data["export"]["real"]["rows"] > 0 and data["export"]["floor"]["seconds"] > 0
    assert data["admin"]["sites_before"] >= 300
    assert set(data["admin"]["idle"]) == set(data["admin"]["loaded"]) or data["admin"]["loaded"]

    text = results.read_text()
    for heading in ("## Machine", "## 1. Ingest", "## 2. Outbox", "## 3. Consolidated export"):
        assert heading in text
    assert "## 4. Admin while ingesting" in text and lines[-1] in text
