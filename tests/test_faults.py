"""Faults: crashes, outages and races against the real Dovecot, SMTP server and databases.

docs/architecture.md ("Invariants the code relies on") promises nothing lost and nothing
done twice; these tests try hard to break that. Each runs the poller as an installer would
(`flask mailin poll` processes) where a process must die, and counts at the far end: rows in
the database, flags on the IMAP server, messages received by the SMTP server.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select, text

from portal import create_app
from portal.database import utcnow
from portal.extensions import db
from portal.models import (
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundState,
    Site,
    Submission,
    Unit,
)
from portal.services.intake import MAX_PROCESS_ATTEMPTS
from tests.conftest import app_config
from tests.support import dovecot as dovecot_server
from tests.support.counts import assert_all_there_once, received_ids, state, unseen
from tests.support.mailbox import (
    POLL,
    append,
    count,
    poll,
    poller_env,
    start_poller,
    wait_for,
)
from tests.support.mails import make_mail, make_return
from tests.support.many_units import answering_env, busy_day, mailbox, seed_units, unit_address
from tests.support.proxy import CuttingProxy
from tests.support.smtp import SmtpServer


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


pytestmark = pytest.mark.faults


def wait_before_kill(rng: random.Random, read_all, stored_more, intake_kills_done: bool) -> None:
    """Let a poller run for a random while: about a third of the kills land while it stores
    and reads the mailbox (just after it committed a batch: in the next one, or while
    reading this one), the rest while it sends (the app takes about 2 s to start)."""
    if read_all():  # only sending is left: past the start and the pass
        time.sleep(rng.uniform(2.5, 4.5))
    elif intake_kills_done:  # this run may finish reading the mailbox, and dies sending
        wait_for(read_all, 120)
        time.sleep(rng.uniform(0.2, 1.5))
    else:
        wait_for(lambda: stored_more() or read_all(), 60)
        time.sleep(rng.uniform(0, 0.3))


def test_thirty_kills_while_ingesting_500_messages_lose_nothing_and_repeat_no_work(
    app, dovecot, folder, database_url, tmp_path, smtp
):
    """SIGKILL lands at random moments (seeded): while fetching, storing, parsing,
    committing, flagging, or sending acknowledgements. After each kill the poller is
    started again, as systemd would. At the end: 500 messages, each stored, read and
    answered once; an acknowledgement the SMTP server took just before a kill may go
    out a second time (same Message-ID), at most once per kill."""
    total, kills = 500, 30
    returns = busy_day(app, dovecot, folder, total)
    # Sending 475 acknowledgements takes about 50 s: enough work for 30 kills however fast
    # the machine, and many of them land while sending.
    smtp.handler.delay = 0.1
    # A killed sender's rows go back to the queue once their lease runs out (PostgreSQL).
    env = answering_env(dovecot, folder, database_url, tmp_path, smtp)
    env["OUTBOX_LEASE_SECONDS"] = "2"
    rng = random.Random(20261122)  # noqa: S311 (kill times, not secrets)
    landed: Counter = Counter()

    def read_all() -> bool:
        return count(app) == total and state(app)["new"] == 0

    for _ in range(3 * kills):
        if sum(landed.values()) == kills:
            break
        before = (count(app), len(smtp.messages))
        poller = subprocess.Popen(
            [*POLL, "--once"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_before_kill(
            rng,
            read_all,
            stored_more=lambda stored=before[0]: count(app) > stored,
            intake_kills_done=landed["while storing and reading"] >= kills // 3,
        )
        if poller.poll() is not None:
            continue  # finished before the kill: nothing left to interrupt in this run
        poller.send_signal(signal.SIGKILL)
        poller.wait()
        if count(app) > before[0]:
            landed["while storing and reading"] += 1
        elif len(smtp.messages) > before[1]:
            landed["while sending"] += 1
        else:
            landed["before any work"] += 1
    print(f"kills: {dict(landed)}")
    assert sum(landed.values()) == kills, f"only {dict(landed)}: the work ended too soon"
    assert landed["while storing and reading"] >= 5 and landed["while sending"] >= 5

    for _ in range(5):  # restarted until the mailbox and the outbox are done
        finished = subprocess.run(
            [*POLL, "--once"], env=env, capture_output=True, text=True, timeout=300
        )
        assert finished.returncode == 0, finished.stderr
        if state(app)["unsent"] == 0:
            break
        time.sleep(2)  # the last killed sender's lease
    assert_all_there_once(app, dovecot, folder, total, returns)
    sent = received_ids(smtp)
    assert len(sent) == returns, "every return was acknowledged"
    repeated = sum(times - 1 for times in sent.values())
    print(
        f"acknowledgements sent twice: {repeated} (kills while sending: {landed['while sending']})"
    )
    assert repeated <= landed["while sending"]


def test_a_connection_cut_mid_fetch_reconnects_and_resumes_from_the_ledger(
    app, dovecot, folder, database_url, tmp_path
):
    total = 200
    seed_units(app)
    messages, returns = mailbox(total)
    append(dovecot, folder, *messages)
    batch_bytes = 25 * sum(len(m) for m in messages) // total  # the poller fetches 25 at once
    proxy = CuttingProxy(dovecot.port, cut_after=int(2.5 * batch_bytes), cuts=3)
    env = poller_env(dovecot, folder, database_url, tmp_path) | {"IMAP_PORT": str(proxy.port)}
    poller, lines = start_poller(env)
    try:
        assert wait_for(lambda: count(app) == total, 180), f"{count(app)} stored"
        assert wait_for(lambda: state(app)["new"] == 0, 60)
    finally:
        poller.send_signal(signal.SIGTERM)
        poller.wait(timeout=30)
        proxy.close()
    assert proxy.cuts_made == 3
    assert sum("connection lost" in line for line in lines) == 3, "".join(lines)
    assert poller.returncode == 0  # one process throughout: it reconnected by itself
    assert_all_there_once(app, dovecot, folder, total, returns)


def test_dovecot_restarted_mid_ingest_the_poller_waits_and_finishes(
    app, database_url, tmp_path, extra_config
):
    # Not under tmp_path: Dovecot's mail user (nobody) must reach it.
    server = dovecot_server.start()
    try:
        folder = "INBOX"
        total = 200
        seed_units(app)
        messages, returns = mailbox(total)
        append(server, folder, *messages)
        env = poller_env(server, folder, database_url, tmp_path)
        poller, lines = start_poller(env)
        try:
            assert wait_for(lambda: count(app) >= 20, 120)
            server.stop()
            stopped_at = count(app)
            time.sleep(3)  # the poller finds the server gone and retries
            server = dovecot_server.start(server.root, port=server.port)
            assert wait_for(lambda: count(app) == total, 180), f"{count(app)} stored"
            assert wait_for(lambda: state(app)["new"] == 0, 60)
        finally:
            poller.send_signal(signal.SIGTERM)
            poller.wait(timeout=30)
        assert stopped_at < total, "the restart came after the work"
        assert any("connection lost" in x or "unreachable" in x for x in lines), "".join(lines)
        assert_all_there_once(app, server, folder, total, returns)
    finally:
        server.stop()


def test_two_pollers_without_the_lock_store_and_answer_each_message_once(
    app, dovecot, folder, database_url, tmp_path, smtp
):
    """The lock keeps a second poller away; without it, the database's keys and row locks
    still let each message be stored, read and acknowledged once."""
    total = 200
    seed_units(app)
    messages, returns = mailbox(total)
    append(dovecot, folder, *messages)
    env = poller_env(dovecot, folder, database_url, tmp_path) | {
        "MAIL_PORT": str(smtp.port),
        "ACK_LIMIT": "1000",
    }
    unlocked_pass = [sys.executable, "-m", "tests.support.unlocked_pass"]
    pollers = [
        subprocess.Popen(unlocked_pass, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[1] for p in pollers]
    assert [p.returncode for p in pollers] == [0, 0], outputs
    subprocess.run(unlocked_pass, env=env, check=True, timeout=300)  # sends what is left
    assert_all_there_once(app, dovecot, folder, total, returns)
    assert sorted(received_ids(smtp).values()) == [1] * returns


def test_two_processes_finishing_the_same_stored_messages_read_each_once(
    app, dovecot, folder, database_url, tmp_path, monkeypatch
):
    """The sharpest race: 200 messages stored but not processed (a crash after storing),
    and two processes finishing them at the same moment. A row lock per message lets one
    read it; the other finds it done."""
    from portal.services import intake

    total = 200
    seed_units(app)
    messages, returns = mailbox(total)
    append(dovecot, folder, *messages)
    with monkeypatch.context() as patch:
        patch.setattr(intake, "_process_batch", lambda stored: None)  # store only
        patch.setattr("portal.services.polling.finish_pass", lambda: None)
        poll(app)
    assert state(app)["new"] == total
    env = poller_env(dovecot, folder, database_url, tmp_path) | {"ACK_LIMIT": "1000"}
    finishing = [sys.executable, "-m", "tests.support.unlocked_pass", "--pending"]
    racers = [
        subprocess.Popen(finishing, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [racer.communicate(timeout=300)[1] for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], outputs
    assert_all_there_once(app, dovecot, folder, total, returns)


def test_an_edit_holding_the_write_lock_for_10_seconds_delays_the_poller_but_loses_nothing(
    app, dovecot, folder, database_url
):
    """Staff editing the roster hold its rows (on SQLite, the whole database) for 10 s
    while mail is read: the poller waits (SQLite's busy timeout, PostgreSQL's row locks)
    and stores everything; the edit is kept too."""
    total = 40
    seed_units(app, 10)
    messages, returns = mailbox(total, units=10)
    append(dovecot, folder, *messages)
    with app.app_context():
        engine = db.engine  # its pool gives the editor a connection of its own
    holding = threading.Event()

    def slow_edit() -> None:
        with engine.begin() as connection:
            connection.execute(text("UPDATE recipient SET last_return_at = NULL"))
            connection.execute(text("UPDATE unit SET name = name || ' (sửa)' WHERE code = 'DCS00'"))
            holding.set()
            time.sleep(10)

    editor = threading.Thread(target=slow_edit)
    editor.start()
    try:
        assert holding.wait(30)
        handled = poll(app)
    finally:
        editor.join()
    assert handled == total
    found = state(app)
    assert found["messages"] == total and found["new"] == 0
    assert found["processed"] == returns and found["acks"] == returns
    with app.app_context():
        assert db.session.scalar(select(Unit.name).filter_by(code="DCS00")).endswith("(sửa)")


def test_a_message_whose_processing_always_fails_is_quarantined_and_the_rest_flow(
    app, dovecot, folder, monkeypatch, client, as_role
):
    from portal.services import reading

    real_read = reading.read_return

    def fragile_read(message, parsed, *ahead):
        if "LỖI-ĐỌC" in parsed.subject:
            raise RuntimeError("reader bug")
        return real_read(message, parsed, *ahead)

    monkeypatch.setattr(reading, "read_return", fragile_read)
    seed_units(app, 5)
    messages, returns = mailbox(5, units=5)
    append(dovecot, folder, make_return(sender=unit_address(0), subject="Báo cáo 422 LỖI-ĐỌC"))
    append(dovecot, folder, *messages)
    polls = 0
    while polls < MAX_PROCESS_ATTEMPTS + 2:
        poll(app)
        polls += 1
        with app.app_context():
            broken = db.session.scalar(select(InboundMessage).order_by(InboundMessage.id))
            if broken.status != InboundStatus.NEW:
                break
        assert state(app)["processed"] == returns, "the messages behind it wait"
    assert broken.status == InboundStatus.QUARANTINED
    assert broken.attempts == MAX_PROCESS_ATTEMPTS and "reader bug" in broken.error
    with app.app_context():
        assert db.session.scalar(select(func.count(Submission.id))) == returns
    poll(app)  # never tried again
    with app.app_context():
        assert db.session.get(InboundMessage, broken.id).attempts == MAX_PROCESS_ATTEMPTS

    as_role("viewer")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Thư không xử lý được" in page
    listing = client.get("/admin/inboundmessage/").get_data(as_text=True)
    assert "Tạm giữ sau nhiều lần lỗi" in listing


def test_a_message_that_kills_the_reader_is_quarantined_after_three_crashes(
    app, dovecot, folder, database_url, tmp_path
):
    """A file that crashes the process itself (a C library's fault, the memory killer):
    each attempt is counted before it starts, so after three the message is set aside
    unread, and the mail behind it flowed meanwhile."""
    seed_units(app, 5)
    messages, returns = mailbox(5, units=5)
    append(dovecot, folder, messages[0])
    append(
        dovecot, folder, make_return(sender=unit_address(1), subject="Báo cáo 422 GIẾT-TIẾN-TRÌNH")
    )
    append(dovecot, folder, *messages[1:])
    env = poller_env(dovecot, folder, database_url, tmp_path)
    crashing = [sys.executable, "-m", "tests.support.crashing_reader", "mailin", "poll", "--once"]
    codes = []
    for _ in range(MAX_PROCESS_ATTEMPTS + 1):
        codes.append(subprocess.run(crashing, env=env, capture_output=True, timeout=120).returncode)
    assert codes == [-signal.SIGKILL] * MAX_PROCESS_ATTEMPTS + [0]
    found = state(app)
    assert found["processed"] == returns and found["new"] == 0
    with app.app_context():
        crasher = db.session.scalar(
            select(InboundMessage).where(InboundMessage.subject.contains("GIẾT"))
        )
        assert crasher.status == InboundStatus.QUARANTINED and crasher.raw
        assert "stopped while processing" in crasher.error


def small_disk(limit: int):
    """What a child process runs before it starts: its files may not grow past `limit`
    bytes, as on a full disk (a write past it fails with EFBIG instead of killing it). A
    soft limit: the test may lift it from outside (space comes back)."""

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    return limit_file_size


def test_a_full_disk_stores_nothing_half_flags_nothing_and_recovers_when_space_returns(
    sqlite_template, dovecot, folder, tmp_path
):
    """SQLite on a disk that fills up (a file-size limit on the poller process): the
    batch that does not fit is not stored (none of its messages), stays unflagged on the
    server, and the poller keeps trying; once space returns (the limit lifted),
    everything is stored once. PostgreSQL's disk is its server's, outside what a test can
    fill safely."""
    path = tmp_path / "portal.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    app = create_app(app_config(url))
    total, batch = 75, 25  # three fetch batches of about 1.2 MB stored each
    seed_units(app, 3)
    big = [
        make_mail(
            sender=unit_address(n % 3),
            subject=f"Báo cáo theo CV số 422 — bản quét {n}",
            attachments=[("ban-quet.pdf", os.urandom(20_000), "application/pdf")],
        )
        for n in range(total)
    ]
    append(dovecot, folder, *big)
    limit = path.stat().st_size + 2_000_000  # the first batch fits (in the WAL), not two

    env = poller_env(dovecot, folder, url, tmp_path)
    poller = subprocess.Popen(
        POLL,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=small_disk(limit),
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(poller.stderr), daemon=True).start()
    try:
        # EFBIG reads as "disk I/O error", ENOSPC as "database or disk is full".
        assert wait_for(lambda: any("pass failed" in x for x in lines), 120), "".join(lines)
        stored = count(app)
        assert 0 < stored < total and stored % batch == 0, f"{stored} stored"  # whole batches
        flagged = total - unseen(dovecot, folder)
        assert flagged <= stored, "a message flagged on the server but not stored"
        with app.app_context():
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert state(app)["messages_without_bytes"] == 0
        assert state(app)["attachments_without_content"] == 0
        assert poller.poll() is None, "the poller gave up"
        infinity = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
        resource.prlimit(poller.pid, resource.RLIMIT_FSIZE, infinity)  # space is back
        assert wait_for(lambda: count(app) == total, 120), f"{count(app)} stored"
        assert wait_for(lambda: state(app)["new"] == 0, 60)
    finally:
        poller.send_signal(signal.SIGTERM)
        poller.wait(timeout=30)
    found = state(app)
    assert found["messages"] == found["distinct_bytes"] == total
    assert found["processed"] == total and unseen(dovecot, folder) == 0


def test_on_a_full_disk_poll_once_fails_clearly_and_flags_nothing_it_did_not_store(
    sqlite_template, dovecot, folder, tmp_path
):
    path = tmp_path / "portal.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    app = create_app(app_config(url))
    seed_units(app, 1)
    scan = ("ban-quet.pdf", os.urandom(600_000), "application/pdf")
    append(dovecot, folder, make_mail(sender=unit_address(0), attachments=[scan]))
    limit = path.stat().st_size + 200_000

    run = subprocess.run(
        [*POLL, "--once"],
        env=poller_env(dovecot, folder, url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_disk(limit),
    )
    assert run.returncode == 1
    assert "Cơ sở dữ liệu không lưu được thư" in run.stderr and "Traceback" not in run.stderr
    assert count(app) == 0 and unseen(dovecot, folder) == 1


def test_smtp_down_then_421_and_451_then_550_intake_flows_and_each_ack_goes_once(
    app, dovecot, folder, client, as_role
):

    seed_units(app, 8)
    server = SmtpServer()  # not started: the SMTP server is down
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    messages, returns = mailbox(6, units=8)
    append(dovecot, folder, *messages[:3])
    poll(app)
    append(dovecot, folder, *messages[3:])
    poll(app)  # intake goes on while mail cannot leave
    found = state(app)
    assert found["processed"] == returns and found["acks"] == returns and found["unsent"] == returns

    from portal.services.outbox import send_due

    server.start()
    clock = utcnow()
    try:
        # 421 is the server's (the outbox pauses), 451 the message's (it is retried later).
        for reply in ("421 4.3.2 Service not available", "451 4.3.0 Try again later", "250 OK"):
            server.handler.reply = reply
            clock += dt.timedelta(hours=2)  # past the pause and the retry's wait
            with app.app_context():
                send_due(now=clock)
        assert sorted(received_ids(server).values()) == [1] * returns
        with app.app_context():
            send_due(now=clock)
        assert len(server.messages) == returns, "a sent acknowledgement went again"

        server.handler.reply = "550 5.1.1 Mailbox unavailable"
        append(
            dovecot, folder, make_return(sender=unit_address(7), subject="Báo cáo CV 422 bổ sung")
        )
        poll(app)
    finally:
        server.stop()
    (refused,) = [m for m in outbound_all(app) if m.state == OutboundState.FAILED]
    assert "550" in refused.last_error and refused.to_addresses == unit_address(7)
    as_role("viewer")
    assert "Thư gửi đi bị lỗi hoặc bị trả về" in client.get("/admin/").get_data(as_text=True)
    listing = client.get("/admin/outboundmessage/").get_data(as_text=True)
    assert "Gửi lỗi" in listing and unit_address(7) in listing


def outbound_all(app) -> list[OutboundMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def test_a_second_outbox_sender_stands_aside_on_sqlite_and_shares_on_postgresql(
    app, smtp, database_url
):
    """SQLite: one sender at a time, the second says so and sends nothing. PostgreSQL:
    senders share the rows (test_coordination.py), so the second one sends."""
    from portal.locks import instance_lock
    from portal.services.outbox import SENDER_LOCK

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    with app.app_context():
        db.session.add(OutboundMessage(to_addresses=unit_address(1), body_text="x"))
        db.session.commit()
        with instance_lock(SENDER_LOCK) as held:
            assert held
            result = app.test_cli_runner().invoke(args=["outbox", "send"])
    if database_url.startswith("sqlite"):
        assert "đang gửi thư đi" in result.output and smtp.messages == []
        result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert len(smtp.messages) == 1, result.output


def test_a_form_reader_worker_that_dies_breaks_only_its_pool(app, dovecot, folder, monkeypatch):
    """The forms of a batch are read by a worker process (readahead.py). A worker that
    dies takes none of the batch with it: the batch is processed again in the poller's
    own process, one message at a time (a second attempt each), and the next batch gets
    a new pool (whose worker dies too, here)."""
    from portal.services import readahead
    from tests.support import dying_reader

    seed_units(app, 5)
    messages, returns = mailbox(30, units=5)  # two fetch batches: 25, then 5
    append(dovecot, folder, *messages)
    app.config["MAILIN_READ_WORKERS"] = 1
    monkeypatch.setattr(readahead, "read_all", dying_reader.read_all)
    assert poll(app) == 30
    found = state(app)
    assert found["processed"] == returns and found["new"] == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Site.id))) == 2 * returns
        attempts = db.session.scalars(
            select(InboundMessage.attempts).where(InboundMessage.status == InboundStatus.PROCESSED)
        ).all()
    assert set(attempts) == {2}, "each return read once by the worker that died, then here"
