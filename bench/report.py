"""The machine's facts, RESULTS.md, and the one-line summary that ends `make bench`."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import subprocess
import sys
from importlib import metadata
from statistics import median

# Issue 18's ingest targets (SQLite ≥ 135 msgs/s, ≤ 3.5× its floor; PostgreSQL no slower;
# faster than django-mailbox on each engine); the others from the first bench.
TARGETS = {
    "ingest_ratio": 3.5,
    "ingest_msgs_per_s": 135,
    "peak_rss_mb": 300,
    "export_ratio": 1.5,
    "admin_p95_ms": 150,
    "postgresql_to_sqlite": 1.0,
    "peer_ratio_sqlite": 1.0,
    "peer_ratio_postgresql": 1.0,
}
AT_LEAST = {
    "ingest_msgs_per_s",
    "postgresql_to_sqlite",
    "peer_ratio_sqlite",
    "peer_ratio_postgresql",
}


def _first_line(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def machine(postgres_url: str | None) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    pg = "not run"
    if postgres_url:
        import psycopg

        with psycopg.connect(postgres_url) as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0]
    packages = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("flask", "sqlalchemy", "imapclient", "python-calamine", "xlsxwriter")
    )
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "commit": _first_line(["git", "rev-parse", "--short", "HEAD"]),
        "os": platform.platform(),
        "cpu": f"{cpu} ({os.cpu_count()} cores)",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "memory": memory,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg,
        "dovecot": _first_line(["dovecot", "--version"]),
        "packages": packages,
    }


def ingest_figures(run: dict) -> dict:
    floor, real = run["floor"], run["real"]
    return {
        "floor_rate": floor["messages"] / floor["seconds"],
        "rate": real["messages"] / real["seconds"],
        "ratio": real["seconds"] / floor["seconds"],
    }


def summary(results: dict) -> dict[str, float]:
    """The figures of the last line: the SQLite ingest at N, the worst peak RSS of the
    poller over every size, the export ratio, the worst p95 of the admin pages while the
    poller ingests."""
    main = next(
        r
        for r in results["ingest"]
        if r["engine"] == "sqlite" and r["returns"] == results["params"]["n"]
    )
    figures = ingest_figures(main)
    export = results["export"]
    loaded = results["admin"]["loaded"]
    found = {
        "ingest_ratio": round(figures["ratio"], 2),
        "ingest_msgs_per_s": round(figures["rate"], 1),
        "peak_rss_mb": max(
            r["real"]["peak_rss_mb"] for r in results["ingest"] if r["engine"] == "sqlite"
        ),
        "export_ratio": round(export["real"]["seconds"] / export["floor"]["seconds"], 2),
        "admin_p95_ms": max(page["p95_ms"] for page in loaded.values()) if loaded else 0.0,
    }
    return found | _engine_ratios(results, figures["rate"])


def _engine_ratios(results: dict, sqlite_rate: float) -> dict[str, float]:
    """PostgreSQL's ingest over SQLite's, and the portal's over django-mailbox's on each
    engine (SQLite in WAL mode on both sides, as the portal runs it), where they ran."""
    n, found = results["params"]["n"], {}
    rates = {"sqlite": sqlite_rate}
    for run in results["ingest"]:
        if run["engine"] == "postgresql" and run["returns"] == n:
            rates["postgresql"] = ingest_figures(run)["rate"]
    if results.get("pairs"):
        found["postgresql_to_sqlite"] = round(median(_pair_ratio(p) for p in results["pairs"]), 2)
    peers = {run["engine"]: run["msgs_per_s"] for run in results.get("peer", [])}
    for engine, peer in (("sqlite", "sqlite-wal"), ("postgresql", "postgresql")):
        if engine in rates and peer in peers:
            found[f"peer_ratio_{engine}"] = round(rates[engine] / peers[peer], 2)
    return found


def _pair_ratio(pair: dict) -> float:
    return ingest_figures(pair["postgresql"])["rate"] / ingest_figures(pair["sqlite"])["rate"]


def last_line(figures: dict[str, float]) -> str:
    return "bench: " + " ".join(f"{key}={value}" for key, value in figures.items())


def _met(key: str, value: float) -> str:
    target = TARGETS[key]
    ok = value >= target if key in AT_LEAST else value <= target
    return "met" if ok else "**not met**"


def markdown(results: dict) -> str:
    params, facts = results["params"], results["machine"]
    figures = summary(results)
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); every figure is measured next to its "
        "floor in the same run, on a shared machine, so the ratios matter more than the "
        "absolute numbers. Re-run it rather than trust an old copy.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in facts.items()],
        "",
        "## Parameters",
        "",
        f"N = {params['n']} returns (sizes run: {', '.join(map(str, params['sizes']))}), "
        f"{params['rows_per_return']} rows each, plus 5 % machine mail; export "
        f"{params['export_units']} units × {params['export_rows']} rows; admin with "
        f"{params['admin_sites']} sites already stored.",
        "",
        "## Summary",
        "",
        "| figure | value | target | |",
        "|---|---|---|---|",
    ]
    for key, value in figures.items():
        sign = "≥" if key in AT_LEAST else "≤"
        out.append(f"| {key} | {value} | {sign} {TARGETS[key]} | {_met(key, value)} |")
    out += [
        "",
        "```",
        last_line(figures),
        "```",
        "",
        "## 1. Ingest (the poller's single pass, end to end)",
        "",
        "Floor: a bare imapclient fetch of every message (BODY.PEEK[], batches of 25) and a "
        "bare python-calamine read of every attachment, nothing else. Real: "
        "`portal.services.polling.poll_one_pass()` on a fresh database (fetch, store, "
        "classify, match, read, check, commit, queue the acknowledgement; the outbox send "
        "that follows the pass is step 2). Each in its own process; peak RSS is that "
        "process's VmHWM, plus, for the poller, that of each of its form readers "
        "(MAILIN_READ_WORKERS) and their fork server: a sum of peaks, so an upper bound. "
        "CPU: seconds spent during the pass by the poller (all its threads), its form "
        "readers, the database server's processes (PostgreSQL; SQLite's work is the "
        "poller's own) and the whole machine (two cores: twice the seconds at most).",
        "",
        "| database | returns | messages | floor msgs/s | poller msgs/s | ratio | poller "
        "seconds | poller peak RSS MB | floor peak RSS MB | stored / submissions / sites "
        "/ acks | CPU s: poller / readers / database / machine |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in results["ingest"]:
        f, real = ingest_figures(run), run["real"]
        out.append(
            f"| {run['engine']} | {run['returns']} | {real['messages']} | "
            f"{f['floor_rate']:.0f} | {f['rate']:.1f} | {f['ratio']:.2f} | "
            f"{real['seconds']:.1f} | {real['peak_rss_mb']} | {run['floor']['peak_rss_mb']} | "
            f"{real['stored']} / {real['submissions']} / {real['sites']} / "
            f"{real['queued_acknowledgements']} | {_cpu(real)} |"
        )
    out += _pairs(results) + _two_pollers(results) + _peer(results)
    outbox = results["outbox"]
    out += [
        "",
        "## 2. Outbox",
        "",
        "Real: `send_due()` until the queue is empty (compose, one SMTP connection per "
        "batch as the sender does, state committed per message) to aiosmtpd on "
        "127.0.0.1. Floor: one smtplib connection sending the same bytes, the same "
        "envelopes.",
        "",
        "| | messages | seconds | msgs/s | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for name in ("floor", "real"):
        run = outbox[name]
        out.append(
            f"| {name} | {run['messages']} | {run['seconds']:.2f} | "
            f"{run['messages'] / run['seconds']:.0f} | {run['peak_rss_mb']} |"
        )
    out.append(f"\nRatio: {outbox['real']['seconds'] / outbox['floor']['seconds']:.2f}.")
    export = results["export"]
    real, floor = export["real"], export["floor"]
    out += [
        "",
        "## 3. Consolidated export (xlsx)",
        "",
        "Real: `consolidate()` + `figures()` (the database read) + `documents.workbook()`"
        " — what `flask export NUMBER --format xlsx` and the download do, less the cover "
        "letter. Floor: xlsxwriter writing the same cells (read back from the real file) "
        "into an in-memory workbook, nothing else.",
        "",
        "| | seconds | of which database read | of which workbook | rows | cells | bytes | "
        "peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
        f"| floor | {floor['seconds']:.2f} | | | | | {floor['bytes']} | {floor['peak_rss_mb']} |",
        f"| real | {real['seconds']:.2f} | {real['read_seconds']:.2f} | "
        f"{real['workbook_seconds']:.2f} | {real['rows']} | {real['cells']} | "
        f"{real['bytes']} | {real['peak_rss_mb']} |",
        "",
        f"Ratio: {real['seconds'] / floor['seconds']:.2f} (workbook alone: "
        f"{real['workbook_seconds'] / floor['seconds']:.2f}).",
    ]
    admin = results["admin"]
    out += [
        "",
        "## 4. Admin while ingesting",
        "",
        f"gunicorn (2 sync workers) on 127.0.0.1 serving `wsgi:app` on SQLite with "
        f"{admin['sites_before']} sites stored; one logged-in member of staff requests each "
        "page in turn. Floor: the same requests with nothing else running; then while the "
        f"poller ingests {admin['ingest']['messages']} messages "
        f"({admin['ingest']['messages'] / admin['ingest']['seconds']:.1f} msgs/s beside "
        "the web server).",
        "",
        "| page | idle p50 ms | idle p95 ms | ingesting p50 ms | ingesting p95 ms | "
        "requests (idle / ingesting) |",
        "|---|---|---|---|---|---|",
    ]
    for page, idle in admin["idle"].items():
        loaded = admin["loaded"].get(page, {"p50_ms": "–", "p95_ms": "–", "requests": 0})
        out.append(
            f"| {page} | {idle['p50_ms']} | {idle['p95_ms']} | {loaded['p50_ms']} | "
            f"{loaded['p95_ms']} | {idle['requests']} / {loaded['requests']} |"
        )
    out += ["", "## Where the time goes (pyinstrument, `BENCH_PROFILE=folder make bench`)", ""]
    out += [f"- {line}" for line in PROFILE_NOTES]
    if results.get("notes"):
        out += ["", "## Notes", "", *[f"- {note}" for note in results["notes"]]]
    return "\n".join(out) + "\n"


def _cpu(real: dict) -> str:
    keys = ("cpu_poller_s", "cpu_readers_s", "cpu_database_s", "cpu_machine_s")
    if not all(key in real for key in keys):
        return "—"
    return " / ".join(f"{real[key]:.1f}" for key in keys)


def _pairs(results: dict) -> list[str]:
    if not results.get("pairs"):
        return []
    out = [
        "",
        "### PostgreSQL against SQLite, in turn",
        "",
        "The main size on each engine, then again, SQLite then PostgreSQL, each time on a "
        "fresh database: postgresql_to_sqlite is the median of the pairs' ratios, as one run "
        "of each is at the mercy of a busy moment of a shared machine.",
        "",
        "| pair | SQLite msgs/s | PostgreSQL msgs/s | PostgreSQL ÷ SQLite |",
        "|---|---|---|---|",
    ]
    for number, pair in enumerate(results["pairs"], start=1):
        sqlite, postgresql = (ingest_figures(pair[e])["rate"] for e in ("sqlite", "postgresql"))
        out.append(f"| {number} | {sqlite:.1f} | {postgresql:.1f} | {_pair_ratio(pair):.2f} |")
    return out


def _two_pollers(results: dict) -> list[str]:
    out = [
        "",
        "### Two pollers, two mailboxes, one database",
        "",
        "The N returns split between two folders, each read by a poller of its own (a "
        "process with its own instance folder, as on two machines), started together: every "
        "message over the time from the first start to the last end (bench/multi.py).",
        "",
        "| database | messages | seconds | msgs/s together | each poller msgs/s | stored |",
        "|---|---|---|---|---|---|",
    ]
    for run in results.get("multi", []):
        each = " / ".join(f"{p['messages'] / p['seconds']:.1f}" for p in run["pollers"])
        out.append(
            f"| {run['engine']} | {run['messages']} | {run['seconds']:.1f} | "
            f"{run['rate']:.1f} | {each} | {run['stored']} |"
        )
    return out


def _peer(results: dict) -> list[str]:
    if not results.get("peer"):
        return []
    versions = ", ".join(f"{k} {v}" for k, v in results["peer"][0].get("versions", {}).items())
    out = [
        "",
        "### The peer: django-mailbox on the same messages",
        "",
        f"django-mailbox ({versions}; bench/peer.py, in its own virtualenv) fetching the main "
        "mailbox (a copy of its own: it deletes what it fetches) and storing each message "
        "and its attachment files: no form read, no check, no acknowledgement. SQLite with "
        "Django's defaults, and in WAL mode as the portal runs it; PostgreSQL on the same "
        "server as the portal's run.",
        "",
        "| peer database | messages | attachments | seconds | msgs/s | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for run in results["peer"]:
        out.append(
            f"| {run['engine']} | {run['messages']} | {run['attachments']} | "
            f"{run['seconds']:.1f} | {run['msgs_per_s']:.1f} | {run['peak_rss_mb']} |"
        )
    return out


# What the profiles showed (cProfile and SQL statement counts, 400 returns; 2026-12-05);
# the figures above are this run's. Update when the profile changes.
PROFILE_NOTES = [
    "Ingest, third round (issue 18): 29 SQL statements a return → 6 on SQLite and 2.4 on "
    "PostgreSQL (60 → 155 msgs/s on SQLite and 29 → 130 on PostgreSQL at N=2000). "
    "(1) A fetch batch is checked against what is stored in three queries (its "
    "places, its bytes' digests, its Message-IDs), not three per message. (2) What filing "
    "asks of every message — the dispatches, the senders' units, earlier replies and the "
    "reply cap, queued reminders, an earlier return of the message — is asked once per batch "
    "(portal/services/batch_lookups.py). (3) The batch is written at its end, autoflush off "
    "while it is filed: every return's submission, roster line, acknowledgement and message "
    "in one statement a table where the database allows, every return's rows and findings "
    "in one INSERT each; what a later message of the batch must see (its unit's roster "
    "line, its latest version, other units' rows for the duplicate check, the replies "
    "queued) comes from memory (tests/test_reading_intake.py, the busy-morning test). "
    "The roster lines (locked in one statement, in id order) and last versions of the "
    "batch's units on the open dispatches are asked once too. "
    "(4) PostgreSQL's trigram search indexes were taken by the planner for the exact "
    "duplicate-address lookup (9 ms a return through the GIN pending list): they are on "
    "lower(column) since migration 0019. (5) psycopg prepares a statement from its fifth "
    "run and PostgreSQL kept a generic plan made while `site` was empty (a scan, 2.4 ms a "
    "return and rising): the portal's connections plan each statement afresh. (6) Two form "
    "readers by default: with one, the SQLite poller waited for it (137 → 155 msgs/s at "
    "N=500).",
    "Fourth round (issue 18, 2026-12-05): on PostgreSQL a batch's rows and findings go in "
    "with COPY (35 → 17 ms for a batch's 500 rows), and the duplicate-address check asks "
    "once for the URLs of every form the readers have finished (0.95 → 0.11 lookups a "
    "return; the statements left: 1.4 a return on PostgreSQL, 5.3 on SQLite). PostgreSQL "
    "130 → 149 msgs/s at N=2000 (0.84 → 0.91 of SQLite).",
    "Fifth round (issue 18, 2026-12-05): the poller reads ahead. A thread fetches and "
    "parses the next batch while the one before is processed (mailin/fetch_ahead.py: one "
    "batch ahead at most, nothing flagged by it); on PostgreSQL, which takes two writers at "
    "once, that thread also stores the batch, in a session and transaction of its own "
    "(intake.store_ahead), so the server writes one batch while the poller files the other. "
    "Quick runs at N=1000: SQLite 163 → 175 msgs/s, PostgreSQL 148 → 159 with the read-ahead "
    "alone (0.91), 169 with the store ahead (1.0). Then, on PostgreSQL: new stored bytes "
    "compressed with lz4 where the server has it (the server's time to store 1,050 messages "
    "281 → 72 ms, their attachments 147 → 50; pglz gave up on these zipped forms and stored "
    "100 % of the bytes, lz4 93 %); a batch's lookups bound as one array (= ANY) instead of "
    "an IN list of up to 500 placeholders (3.2 → 1.2 ms for 500 addresses, the poller's CPU "
    "4.3 → 4.0 s at N=1000); the dispatches a batch's messages answer asked once per batch. "
    "The bench's PostgreSQL now runs with its durable defaults (fsync, synchronous_commit, "
    "full_page_writes), as SQLite syncs each commit (WAL, synchronous FULL); before, it ran "
    "without fsync, which favoured it.",
    "Sixth round (issue 18, 2026-12-05): py-spy on the PostgreSQL poller showed psycopg "
    "converting the same statements again on every batch. It keeps its conversion of %s "
    "placeholders only for statements of at most 50 parameters and 4 KB; a batch's "
    "multi-row INSERTs of 25 messages, files, returns and acknowledgements have hundreds, "
    "so the limits are raised for them (portal/database.py). And the form readers now fold "
    "each row's name (the poller did, 20 times a return) and fold it once, not twice; "
    "email-validator's answers are kept (80 µs an address, and a unit's rows repeat theirs). "
    "The poller's CPU at N=2000: PostgreSQL 8.3 → 7.0-7.8 s, SQLite 10.5 → 10.0-10.6 s. "
    "Quick runs at N=1000, the code before and after in turn: PostgreSQL 161 → 178 msgs/s "
    "with SQLite level (1.00 → 1.09). Tried and left: parsing the messages in the readers "
    "(no change: the machine's two cores are the limit, not the poller's thread); two "
    "batches read ahead instead of one (more CPU, no gain); a shorter GIL switch interval, "
    "or the next batch's storing held back while the batch's lookups run (each moved the "
    "waiting from one step to another, no gain). Last, the readers' extent check of an xlsx "
    "(a bomb making the spreadsheet library allocate millions of cells) measures a sheet "
    "cell by cell only when it reaches row 100: 278 → 64 µs a form; the readers' CPU at "
    "N=2000 7.1-7.6 → 6.7-6.9 s, SQLite 166-175 → 176-179 msgs/s, PostgreSQL 175-181 → "
    "178-183.",
    "Where PostgreSQL and SQLite stand: PostgreSQL ahead, by 1 to 6 %. The bench runs them "
    "in turn, three pairs at N (SQLite, PostgreSQL, SQLite, ...), and reports the median "
    "ratio: in this run 1.01, 1.04 and 1.01; in the run before the extent check, 1.05, 1.06 "
    "and 1.01; three runs of one pair each before that, 1.05, 1.05 and 1.01 (N=2000 "
    "throughout; quick runs at N=1000 are noisier: one pair of nine was 0.97). PostgreSQL "
    "spends more CPU in all (N=2000: poller 7.1-7.5 s + server 3.8-4.0 s, against 10.0-10.1 "
    "s for SQLite's poller, whose database work is its own) and wins it back by doing the "
    "server's part on the second core. On the poller's path, what is left is the server "
    "writing each batch's rows, two thirds of it the two trigram GIN indexes (0.5 ms a "
    "return), which the admin's search needs at 100,000 sites. Tried and left earlier: those "
    "indexes on a table beside `site`, filled after the commit (the server's CPU 1.9 → 2.8 s "
    "at N=1000, 0.90-0.95: reverted); statements not prepared by psycopg (server 1.9 → 2.15 "
    "s); GIN without its pending list (1.3 → 6 ms). Not tried: fetch batches of 50 rather "
    "than 25 (a quick trial gave PostgreSQL about 5 % and SQLite 2 %, but the batch bounds "
    "the memory a batch of large messages takes, and the fault tests are built on it). "
    "django-mailbox runs at 0.85 of its SQLite-WAL speed on PostgreSQL here.",
    "Against django-mailbox (about 0.7 of its speed on SQLite in WAL mode, 1.2 × its speed "
    "with Django's default SQLite journal): it parses and stores each message and writes its "
    "attachment to a file, nothing else; per message the portal also reads and checks a "
    "20-row form (in the readers), classifies and matches it, records the return, queues "
    "the acknowledgement (template rendering, about 0.8 ms) and keeps the raw message and "
    "attachments in the database (one backup holds everything). At N=2000 the machine "
    "spends 17-19 CPU seconds in 12 (two cores): the readers 6.7-6.9 (2.6 ms a form, of "
    "which the bare calamine read is 0.23: finding the header among the first 40 rows, the "
    "zip and XML checks, each row's checks), the poller 7.3-10.2, PostgreSQL's server 4. "
    "The target needs about a third less CPU in all, not a different split of it: parsing "
    "the messages in the readers instead of the poller's thread changed nothing.",
    "Ingest, second round (2026-11-22, 48 → 24 ms per message under pyinstrument): a fetch "
    "batch stored in one commit and processed in a second, one IMAP STORE and one ledger "
    "update per batch; a failure inside a batch rolls it back and falls back to one message "
    "at a time, so the crash guarantees of tests/test_faults.py hold; a return's rows and "
    "findings as two INSERT statements; the duplicate-URL lookup in two indexed steps "
    "(as one join, SQLite read every earlier return for each new one); the forms read in "
    "worker processes (MAILIN_READ_WORKERS, niced) while the poller writes the database.",
    "Fixed in the first round: header detection folded and matched every cell of the first 40"
    " rows against every phrase (27 → 6 ms per 20-row file); the duplicate-URL check loaded "
    "every row of the dispatch for each return (quadratic); the acknowledgement checks "
    "scanned every acknowledgement for each message (no index on "
    "outbound_message.inbound_message_id / to_addresses: migration 0009).",
    "Export: consolidate() issued one query per unit, per return and per row (lazy loads); "
    "now Core selects of plain tuples (no ORM objects nor ORM loading: the read went from "
    "1.8 to 0.7 s). The workbook writes in constant_memory mode (in_memory had silently "
    "turned it off), which costs about 7 % against the floor's default mode and saves about "
    "100 MB at 10,000 × 5; a cell's text runs the control-character regex only when it is "
    "not printable, and an empty text is no cell (as in the floor).",
    "Outbox: one SMTP connection per send_due() batch now (reopened when the server drops "
    "it). On 127.0.0.1 that barely shows: per message, about 2.5 ms go to compose() and "
    "4 ms to the email package's header folding when the message is flattened (the "
    "encoded Vietnamese subject and sender), and the remaining 5 ms or so to the two "
    "commits (the claim before the send, the state after it) and SMTP; the floor sends "
    "ready bytes.",
    "Admin: the sites list renders 50 rows with three inline-editable cells each (x-editable "
    "widgets) and row actions; most of its time is template rendering, not SQL (4 queries "
    "now, 55 before). The search used to scan 100,000 rows (LIKE '%word%' on two columns, "
    "for the page and for its count); it now goes through a trigram index (migration 0010: "
    "FTS5 on SQLite, pg_trgm on PostgreSQL). While the poller runs, both compete for the "
    "machine's two cores.",
]
