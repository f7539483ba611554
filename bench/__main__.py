"""`python -m bench [--n 2000]`: runs every step, writes bench/RESULTS.md, ends with one line
`bench: ingest_ratio=X ingest_msgs_per_s=Y peak_rss_mb=Z export_ratio=W admin_p95_ms=V`.

Servers are private and on 127.0.0.1: Dovecot (tests/support/dovecot.py), PostgreSQL
(tests/support/postgres.py), aiosmtpd (tests/support/smtp.py), gunicorn.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import admin, child, export, generate, ingest, multi, outbox, peer, report
from bench.database import Databases, app_env, make_app, seed_roster

HERE = Path(__file__).resolve().parent


def say(text: str) -> None:
    print(text, flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="returns in the main run")
    parser.add_argument(
        "--sizes",
        default="0.25,1,2",
        help="sizes of the SQLite ingest runs, as multiples of N (growth of time and memory)",
    )
    parser.add_argument("--export-units", type=int, default=10_000)
    parser.add_argument("--export-rows", type=int, default=5)
    parser.add_argument("--admin-sites", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        choices=["auto", "yes", "no"],
        default="auto",
        help="also ingest on PostgreSQL (auto: when its binaries or TEST_POSTGRES_URL exist)",
    )
    parser.add_argument(
        "--admin-rounds", type=int, default=25, help="idle requests of each admin page (floor)"
    )
    parser.add_argument(
        "--peer",
        choices=["yes", "no"],
        default="yes",
        help="also run django-mailbox (bench/peer.py, in its own virtualenv) on copies of the"
        " main mailbox",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=3,
        help="runs of SQLite then PostgreSQL at N, one after the other: their ratio is the"
        " median of the pairs'",
    )
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser.parse_args(argv)


def ingest_run(
    dbs: Databases,
    engine: str,
    returns: int,
    folder: str,
    dovecot,
    workdir: Path,
    pool,
    tag: str = "",
) -> tuple[dict, str, dict]:
    """Floor then poller, on a fresh database seeded with the run's units and dispatch."""
    label = f"{engine}-{returns}" + (f"-{tag}" if tag else "")
    url = dbs.fresh(engine, label.replace("-", "_"))
    instance = workdir / f"instance-{label}"
    with make_app(url, instance).app_context():
        from portal.extensions import db

        seed_roster(pool[:returns])
        db.engine.dispose()
    env = app_env(url, instance, **dovecot.settings(folder), BENCH_LABEL=label)
    floor = child.run("ingest", "floor", env)
    real = child.run("ingest", "poll", env)
    run = {"engine": engine, "returns": returns, "floor": floor, "real": real}
    figures = report.ingest_figures(run)
    say(
        f"  ingest {engine:10} {returns:5} returns: floor {figures['floor_rate']:6.0f} msgs/s,"
        f" poller {figures['rate']:6.1f} msgs/s, ratio {figures['ratio']:5.2f}, "
        f"poller peak RSS {real['peak_rss_mb']} MB; CPU s: poller {real['cpu_poller_s']}, "
        f"readers {real['cpu_readers_s']}, database server {real['cpu_database_s']}, "
        f"machine {real['cpu_machine_s']} in {real['seconds']:.1f} s"
    )
    return run, url, env


def engine_pairs(
    count: int, runs: list[dict], dbs: Databases, n: int, folder: str, dovecot, workdir, pool
) -> list[dict]:
    """SQLite's and PostgreSQL's runs at N, then count - 1 more of each, SQLite then
    PostgreSQL in turn: one run each is at the mercy of a busy moment of the machine, the
    median of their ratios much less."""
    pairs = [{run["engine"]: run for run in runs if run["returns"] == n}]
    for number in range(2, count + 1):
        pairs.append(
            {
                engine: ingest_run(
                    dbs, engine, n, folder, dovecot, workdir, pool, tag=f"pair{number}"
                )[0]
                for engine in ("sqlite", "postgresql")
            }
        )
    return pairs


def two_pollers(dbs: Databases, engine: str, n: int, dovecot, workdir: Path, pool) -> dict:
    run = multi.run(dbs, engine, n, dovecot, workdir, pool)
    say(
        f"  two pollers {engine:10} {n:5} returns in two mailboxes: {run['rate']:6.1f} msgs/s "
        f"({run['messages']} messages, {run['seconds']:.1f} s)"
    )
    return run


def main(argv: list[str] | None = None) -> int:
    from tests.support import dovecot as dovecot_server
    from tests.support import postgres
    from tests.support.smtp import SmtpServer

    args = parse(argv)
    n = args.n
    sizes = sorted({max(1, round(n * float(s))) for s in args.sizes.split(",")} | {n})
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    notes: list[str] = []
    started = time.monotonic()
    say(f"bench: N={n}, sizes {sizes}, work folder {workdir}")
    dovecot = dovecot_server.start()  # its own temporary folder, readable by Dovecot's users
    pg_server = None
    if args.postgres != "no":
        try:
            pg_server = postgres.server(durable=True)  # as SQLite: each commit synced
        except postgres.PostgresUnavailable as exc:
            if args.postgres == "yes":
                raise
            notes.append(f"PostgreSQL not run: {exc}")
    smtp = SmtpServer().start()
    dbs = Databases(workdir, pg_server.url if pg_server else None)
    try:
        results = run_all(args, n, sizes, workdir, dovecot, pg_server, smtp, dbs, notes)
    finally:
        if pg_server:
            dbs.drop_all()
        smtp.stop()
        dovecot.stop()
        shutil.rmtree(dovecot.root, ignore_errors=True)
        if pg_server:
            pg_server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    results["seconds"] = round(time.monotonic() - started, 1)
    args.results.write_text(report.markdown(results), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    say(f"Wrote {args.results} ({results['seconds']:.0f} s in all).")
    say(report.last_line(report.summary(results)))
    return 0


def run_all(args, n, sizes, workdir, dovecot, pg_server, smtp, dbs, notes) -> dict:
    results: dict = {
        "params": {
            "n": n,
            "sizes": sizes,
            "rows_per_return": generate.ROWS_PER_RETURN,
            "export_units": args.export_units,
            "export_rows": args.export_rows,
            "admin_sites": args.admin_sites,
        },
        "machine": report.machine(pg_server.url if pg_server else None),
        "ingest": [],
        "notes": notes,
    }
    largest = max(sizes)
    with child.Timer() as made:
        messages = generate.messages_in_parallel(largest)
        pool = generate.units(largest)
        folders = {}
        for size in sizes:
            folders[size] = f"Bench {size}"
            ingest.fill_folder(dovecot, folders[size], messages[: generate.total_messages(size)])
        multi.fill_folders(dovecot, messages[: generate.total_messages(n)])
        del messages
    say(
        f"  generated and appended {sum(generate.total_messages(s) for s in sizes)} messages "
        f"in {made.seconds:.0f} s"
    )

    # 1. Ingest on SQLite at every size; the main size's database feeds the outbox.
    main_env = None
    for size in sizes:
        run, _url, env = ingest_run(dbs, "sqlite", size, folders[size], dovecot, workdir, pool)
        results["ingest"].append(run)
        if size == n:
            main_env = env
    if pg_server:
        run, _url, _env = ingest_run(dbs, "postgresql", n, folders[n], dovecot, workdir, pool)
        results["ingest"].append(run)
        results["pairs"] = engine_pairs(
            args.pairs, results["ingest"], dbs, n, folders[n], dovecot, workdir, pool
        )
    engines = ["sqlite", "postgresql"] if pg_server else ["sqlite"]
    results["multi"] = [two_pollers(dbs, engine, n, dovecot, workdir, pool) for engine in engines]
    if args.peer == "yes":
        pg_url = pg_server.url if pg_server else None
        results["peer"] = list(
            peer.run_variants(peer.ensure_venv(), dovecot, folders[n], pg_url, workdir)
        )

    # 2. Outbox: the acknowledgements the main run queued.
    env = {**main_env, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port)}
    sent = child.run("outbox", "send", env)
    kept = workdir / "sent.pickle"
    outbox.keep(smtp.messages, kept)
    smtp.handler.messages.clear()
    floor = child.run("outbox", "floor", env, str(kept))
    results["outbox"] = {"real": sent, "floor": floor}
    say(
        f"  outbox: floor {floor['messages'] / floor['seconds']:.0f} msgs/s, sender "
        f"{sent['messages'] / sent['seconds']:.0f} msgs/s "
        f"({sent['messages']} sent, {sent['failed']} failed)"
    )

    # 3. Consolidated export.
    url = dbs.fresh("sqlite", "export")
    instance = workdir / "instance-export"
    with make_app(url, instance).app_context():
        from portal.extensions import db

        rows = export.seed(args.export_units, args.export_rows)
        db.engine.dispose()
    env = app_env(url, instance)
    cells = workdir / "cells.pickle"
    real = child.run("export", "real", env, str(cells))
    floor = child.run("export", "floor", env, str(cells))
    results["export"] = {"real": real, "floor": floor, "rows_seeded": rows}
    say(
        f"  export: {real['rows']} rows, floor {floor['seconds']:.2f} s, export "
        f"{real['seconds']:.2f} s (read {real['read_seconds']:.2f} s), ratio "
        f"{real['seconds'] / floor['seconds']:.2f}, peak RSS {real['peak_rss_mb']} MB"
    )

    # 4. Admin while the poller ingests the main mailbox again, into a database that
    # already holds admin_sites sites.
    url = dbs.fresh("sqlite", "admin")
    instance = workdir / "instance-admin"
    with make_app(url, instance).app_context():
        from portal.extensions import db

        _dispatch, ids = seed_roster(pool[:n])
        before = admin.seed(pool[:n], ids, args.admin_sites)
        db.engine.dispose()
    env = app_env(url, instance, **dovecot.settings(folders[n]), BENCH_LABEL="admin")
    server = admin.Server(env)
    try:
        client = admin.Client(server.port)
        for path in admin.PAGES.values():
            client.get(path)  # warm both workers' caches
            client.get(path)
        idle = admin.measure(client, rounds=args.admin_rounds)
        poller = child.start("ingest", "poll", env)
        loaded = admin.measure(client, until=lambda: poller.poll() is not None)
        ingested = child.finish(poller)
    finally:
        server.stop()
    results["admin"] = {
        "sites_before": before,
        "idle": admin.summary(idle),
        "loaded": admin.summary(loaded),
        "ingest": ingested,
    }
    worst = max((p["p95_ms"] for p in results["admin"]["loaded"].values()), default=0)
    say(f"  admin: worst p95 while ingesting {worst} ms")
    return results


if __name__ == "__main__":
    sys.exit(main())
