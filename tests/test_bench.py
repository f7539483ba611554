"""`make bench` at a tiny size: every step runs and the figures are reported (never timed)."""

from __future__ import annotations

import json
import re

from bench.__main__ import main
from portal.config import DEFAULTS
from tests.conftest import ENGINES

NUMBER = r"=\d+(\.\d+)?"
LAST_LINE = re.compile(
    rf"^bench: ingest_ratio{NUMBER} ingest_msgs_per_s{NUMBER} peak_rss_mb{NUMBER} "
    rf"export_ratio{NUMBER} admin_p95_ms{NUMBER}"
    rf"( postgresql_to_sqlite{NUMBER})? peer_ratio_sqlite{NUMBER}( peer_ratio_postgresql{NUMBER})?$"
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
    args += ["--postgres", "yes" if "postgresql" in ENGINES else "no", "--peer", "yes"]
    assert main(args) == 0

    lines = capsys.readouterr().out.strip().splitlines()
    assert LAST_LINE.match(lines[-1]), lines[-1]
    data = json.loads(figures.read_text())
    runs = {(run["engine"], run["returns"]) for run in data["ingest"]}
    assert {("sqlite", 4), ("sqlite", 8)} <= runs
    if "postgresql" in ENGINES:
        assert ("postgresql", 8) in runs
        # PostgreSQL against SQLite: the main runs, then two more of each, in turn.
        pairs = data["pairs"]
        assert [sorted(pair) for pair in pairs] == [["postgresql", "sqlite"]] * 3
        assert all(run["real"]["stored"] == 8 for pair in pairs for run in pair.values())
    for run in data["ingest"]:
        # 8 returns and no machine mail at this size (one message in 21 is machine mail)
        assert run["floor"]["messages"] == run["real"]["messages"] == run["returns"]
        assert run["real"]["submissions"] == run["returns"]
        assert run["real"]["sites"] == 20 * run["returns"]
        assert run["real"]["queued_acknowledgements"] == run["returns"]
        # Where the CPU went during the pass (poller, readers, database server, machine).
        assert run["real"]["cpu_poller_s"] > 0 and run["real"]["cpu_machine_s"] > 0
        assert run["real"]["cpu_readers_s"] >= 0 and run["real"]["cpu_database_s"] >= 0
        if run["engine"] == "sqlite":
            assert run["real"]["cpu_database_s"] == 0  # in the poller's own process
    # Two pollers on two mailboxes (4 returns each), and django-mailbox on a copy of the
    # mailbox, on each engine (SQLite twice: Django's defaults and WAL).
    engines = ["sqlite", "postgresql"] if "postgresql" in ENGINES else ["sqlite"]
    assert [run["engine"] for run in data["multi"]] == engines
    for run in data["multi"]:
        assert [p["messages"] for p in run["pollers"]] == [4, 4] and run["stored"] == 8
    peer_engines = ["sqlite", "sqlite-wal", *engines[1:]]
    assert [run["engine"] for run in data["peer"]] == peer_engines
    for run in data["peer"]:
        assert run["messages"] == 8 and run["left_in_folder"] == 0
    assert data["outbox"]["real"]["messages"] == data["outbox"]["floor"]["messages"] == 8
    assert data["export"]["real"]["rows"] > 0 and data["export"]["floor"]["seconds"] > 0
    assert data["admin"]["sites_before"] >= 300
    assert set(data["admin"]["idle"]) == set(data["admin"]["loaded"]) or data["admin"]["loaded"]

    text = results.read_text()
    for heading in ("## Machine", "## 1. Ingest", "## 2. Outbox", "## 3. Consolidated export"):
        assert heading in text
    assert "## 4. Admin while ingesting" in text and lines[-1] in text
    assert "### Two pollers, two mailboxes, one database" in text
    if "postgresql" in ENGINES:
        assert "### PostgreSQL against SQLite, in turn" in text
    assert "### The peer: django-mailbox on the same messages" in text
    assert "CPU s: poller / readers / database / machine" in text
