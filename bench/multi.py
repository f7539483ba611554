"""Two pollers at once, each reading its own mailbox, into one database: what a department
with two mailboxes (or two machines) gets. The run's N returns are split between two
folders; each poller is a process of its own with its own instance folder, as on two
machines, started together; the figure is every message over the time from the first
start to the last end (each poller reports its own wall-clock ends).

On SQLite the two share one writer at a time; on PostgreSQL they write side by side.
"""

from __future__ import annotations

from pathlib import Path

from bench import child, ingest
from bench.database import Databases, app_env, make_app, seed_roster

FOLDERS = ("Multi A", "Multi B")


def fill_folders(dovecot, messages: list[bytes]) -> tuple[str, str]:
    """The first half of the messages in one folder, the rest in the other."""
    half = len(messages) // 2
    ingest.fill_folder(dovecot, FOLDERS[0], messages[:half])
    ingest.fill_folder(dovecot, FOLDERS[1], messages[half:])
    return FOLDERS


def run(dbs: Databases, engine: str, returns: int, dovecot, workdir: Path, pool) -> dict:
    """Both pollers on a fresh database seeded with the run's units; their figures."""
    url = dbs.fresh(engine, f"multi_{engine}")
    with make_app(url, workdir / f"instance-multi-{engine}").app_context():
        from portal.extensions import db

        seed_roster(pool[:returns])
        db.engine.dispose()
    envs = [
        app_env(
            url,
            workdir / f"instance-multi-{engine}-{n}",
            **dovecot.settings(folder),
            BENCH_LABEL=f"multi-{engine}-{n}",
        )
        for n, folder in enumerate(FOLDERS)
    ]
    pollers = [
        child.finish(process) for process in [child.start("ingest", "poll", env) for env in envs]
    ]
    messages = sum(poller["messages"] for poller in pollers)
    seconds = max(p["ended"] for p in pollers) - min(p["started"] for p in pollers)
    return {
        "engine": engine,
        "returns": returns,
        "pollers": pollers,
        "messages": messages,
        "seconds": seconds,
        "rate": messages / seconds,
        "stored": max(poller["stored"] for poller in pollers),  # counted by the last to end
    }
