"""Ingest: the poller's single pass against its floor (fetch every message + read every
attachment, nothing else), on a mailbox filled with generated returns.

Children (one process each, so each peak RSS is its own):
    python -m bench.ingest floor   bare imapclient fetch + bare python-calamine read
    python -m bench.ingest poll    portal.services.polling.poll_one_pass on a fresh database
"""

from __future__ import annotations

import io
import os
import sys
import time

from bench.child import CpuMeter, Timer, emit, profiled, tree_peak_rss_mb

BATCH = 25  # as ImapSettings.batch_size: the floor fetches in the same batches


def fill_folder(dovecot, folder: str, messages) -> int:
    """APPEND the messages to a new folder; how many."""
    from imapclient import IMAPClient

    count = 0
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=60) as client:
        client.login(dovecot.user, dovecot.password)
        client.create_folder(folder)
        for raw in messages:
            client.append(folder, raw)
            count += 1
    return count


def floor() -> None:
    """Fetch every message of IMAP_FOLDER and read every attachment with python-calamine."""
    import email
    import email.policy

    from imapclient import IMAPClient
    from python_calamine import CalamineWorkbook

    env = os.environ
    messages = attachments = cells = 0
    with Timer() as timer:
        client = IMAPClient(env["IMAP_HOST"], port=int(env["IMAP_PORT"]), ssl=False, timeout=60)
        client.login(env["IMAP_USER"], env["IMAP_PASSWORD"])
        client.select_folder(env["IMAP_FOLDER"], readonly=True)
        uids = sorted(client.search(["ALL"]))
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            for data in client.fetch(batch, ["BODY.PEEK[]"]).values():
                messages += 1
                message = email.message_from_bytes(data[b"BODY[]"], policy=email.policy.default)
                for part in message.iter_attachments():
                    if not part.get_filename():
                        continue  # a bounce's report parts
                    content = part.get_content()
                    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
                    for name in book.sheet_names:
                        cells += sum(len(r) for r in book.get_sheet_by_name(name).to_python())
                    attachments += 1
        client.logout()
    emit(
        {
            "messages": messages,
            "attachments": attachments,
            "cells": cells,
            "seconds": timer.seconds,
        }
    )


def poll() -> None:
    """One pass of the poller, end to end, on the (fresh) database of DATABASE_URL.

    poll_one_pass also sends the outbox after the pass; that is the outbox step's figure,
    so here the sender is replaced by a no-op (the acknowledgements stay queued).
    """
    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from portal.models import InboundMessage, OutboundMessage, Site, Submission
    from portal.services import polling

    app = create_app()
    with app.app_context():
        polling.send_outbox = lambda: None
        db.session.execute(select(1))  # connect before the clock starts
        started = time.time()  # wall clock: two pollers at once are timed from both ends
        label = os.environ.get("BENCH_LABEL", "poll")
        with CpuMeter(_server_pids) as cpu, profiled(f"ingest-{label}"), Timer() as timer:
            handled = polling.poll_one_pass()
        ended = time.time()
        peak = tree_peak_rss_mb()  # with the form readers, still running
        counts = {
            name: db.session.scalar(select(func.count(model.id)))
            for name, model in (
                ("stored", InboundMessage),
                ("submissions", Submission),
                ("sites", Site),
                ("queued_acknowledgements", OutboundMessage),
            )
        }
        statuses = dict(
            db.session.execute(
                select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
            ).all()
        )
        db.engine.dispose()
    emit(
        {
            "messages": handled,
            "seconds": timer.seconds,
            "started": started,
            "ended": ended,
            "statuses": statuses,
            "peak_rss_mb": peak,
            **counts,
            **cpu.figures,
        }
    )


def _server_pids() -> list[int]:
    """The PostgreSQL server's processes (backends and background workers); none for
    SQLite, whose work is the poller's own."""
    from sqlalchemy import text

    from portal.extensions import db

    if db.engine.dialect.name != "postgresql":
        return []
    with db.engine.connect() as connection:
        return list(connection.scalars(text("SELECT pid FROM pg_stat_activity")))


if __name__ == "__main__":
    {"floor": floor, "poll": poll}[sys.argv[1]]()
