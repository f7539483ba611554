"""The poller against a real Dovecot: every message stored once, whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models import (
    Dispatch,
    InboundMessage,
    InboundStatus,
    MailboxState,
    OutboundMessage,
    Recipient,
    RecipientState,
    Submission,
    Unit,
)
from portal.services import storing
from tests.conftest import ENGINES
from tests.support.mailbox import (
    NINH_HAI,
    POLL,
    append,
    count,
    imap,
    poll,
    poller_env,
    seed_roster,
    start_poller,
    wait_for,
)
from tests.support.mails import MACHINE_MAIL, form_attachment, make_mail, make_return


@pytest.fixture
def extra_config(mailbox_config) -> dict:
    return mailbox_config


def test_a_pass_over_200_messages_stores_200_and_a_second_pass_nothing(app, dovecot, folder):
    append(dovecot, folder, *[make_mail(subject=f"Báo cáo {n}") for n in range(200)])
    assert poll(app) == 200
    assert count(app) == 200
    assert poll(app) == 0
    assert count(app) == 200
    with imap(dovecot) as client:
        client.select_folder(folder, readonly=True)
        assert len(client.search(["UNSEEN"])) == 0  # handled mail is flagged \Seen
        assert len(client.search(["ALL"])) == 200  # and never deleted


def test_fetching_marks_nothing_read_before_it_is_stored(app, dovecot, folder, monkeypatch):
    append(dovecot, folder, make_mail(), make_mail())

    def fail_store(batch):
        raise RuntimeError("database down")

    monkeypatch.setattr("portal.services.intake.store_batch", fail_store)
    with pytest.raises(RuntimeError):
        poll(app)
    with imap(dovecot) as client:
        client.select_folder(folder, readonly=True)
        assert len(client.search(["UNSEEN"])) == 2


def test_a_batch_that_cannot_be_stored_stops_the_pass_after_the_ones_before_it(
    app, dovecot, folder, monkeypatch
):
    """The next batch is fetched, parsed and (on PostgreSQL) stored by the read-ahead thread
    while the one before is processed: when its store fails, the batches before it are
    stored and flagged, it and those after it are neither, and the next pass takes them."""
    from portal.services import intake

    append(dovecot, folder, *[make_mail(subject=f"Báo cáo {n}") for n in range(60)])
    real_store, calls = intake.store_batch, []

    def store_failing_second(batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("database down")
        return real_store(batch)

    monkeypatch.setattr(intake, "store_batch", store_failing_second)
    with pytest.raises(RuntimeError, match="database down"):
        poll(app)
    assert calls == [25, 25]  # the third batch was never stored
    assert count(app) == 25
    with imap(dovecot) as client:
        client.select_folder(folder, readonly=True)
        assert len(client.search(["UNSEEN"])) == 35
    monkeypatch.setattr(intake, "store_batch", real_store)
    assert poll(app) == 35
    assert count(app) == 60
    assert count(app, InboundMessage.status == InboundStatus.NEW) == 0


@pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL is not tested here")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_the_stored_bytes_are_compressed_with_lz4(app, dovecot, folder):
    """portal/database.py: lz4 where the server has it (Debian's PostgreSQL 15 does)."""
    append(dovecot, folder, make_mail(body="Kính gửi Ban Tuyên giáo. " * 400))
    poll(app)
    with app.app_context():
        method, size, length = db.session.execute(
            text("SELECT pg_column_compression(raw), size, octet_length(raw) FROM inbound_message")
        ).one()
    assert method == "lz4" and length == size


@pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL is not tested here")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_a_batch_statement_is_converted_once(app, dovecot, folder, monkeypatch):
    """portal/database.py: psycopg keeps its conversion of the batches' multi-row INSERTs
    (25 messages: hundreds of parameters), instead of redoing it for each batch."""
    from psycopg import _queries

    uncached = []
    convert = _queries._query2pg_nocache  # psycopg's path for statements it does not keep

    def counted(query, encoding):
        uncached.append(query)
        return convert(query, encoding)

    monkeypatch.setattr(_queries, "_query2pg_nocache", counted)
    append(dovecot, folder, *[make_mail(subject=f"Hỏi số {n}") for n in range(50)])
    assert poll(app) == 50
    assert uncached == []


def test_the_same_bytes_appended_twice_make_one_message(app, dovecot, folder):
    message = make_mail(attachments=[form_attachment()])
    append(dovecot, folder, message, message)
    poll(app)
    assert count(app) == 1


def test_same_message_id_other_content_is_kept_and_flagged(app, dovecot, folder):
    seed_roster(app)
    append(
        dovecot,
        folder,
        make_return(message_id="<same@ninhthuan.example>", body="một"),
        make_return(message_id="<same@ninhthuan.example>", body="hai"),
    )
    poll(app)
    with app.app_context():
        statuses = db.session.scalars(select(InboundMessage.status).order_by(InboundMessage.id))
        assert list(statuses) == [InboundStatus.PROCESSED, InboundStatus.DUPLICATE]
        assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_a_message_without_message_id_gets_a_stable_synthetic_one(app, dovecot, folder):
    append(dovecot, folder, b"From: a@doan.example\r\nSubject: x\r\n\r\nkhong co message-id\r\n")
    poll(app)
    with app.app_context():
        stored = db.session.scalar(select(InboundMessage.message_id))
    assert stored.endswith("@synthetic.invalid>")


def test_a_uidvalidity_change_rereads_without_duplicating(app, dovecot, folder):
    messages = [make_mail(subject=f"Báo cáo {n}") for n in range(5)]
    append(dovecot, folder, *messages)
    poll(app)
    with imap(dovecot) as client:
        client.delete_folder(folder)
        client.create_folder(folder)
    append(dovecot, folder, *messages, make_mail(subject="mới"))
    poll(app)
    assert count(app) == 6
    with app.app_context():
        assert db.session.scalar(select(func.count(MailboxState.id))) == 2


def test_handled_mail_moves_to_a_vietnamese_folder(app, dovecot, folder):
    app.config["IMAP_PROCESSED_FOLDER"] = f"Đã xử lý {folder[-8:]}"
    append(dovecot, folder, make_mail(), make_mail(subject="khác"))
    assert poll(app) == 2
    with imap(dovecot) as client:
        assert client.select_folder(folder)[b"EXISTS"] == 0
        assert client.select_folder(f"Đã xử lý {folder[-8:]}")[b"EXISTS"] == 2


def test_a_message_that_breaks_the_parser_is_kept_and_the_rest_go_on(
    app, dovecot, folder, monkeypatch
):
    real_parse = storing.parse_message

    def fragile_parse(raw: bytes):
        if b"BREAKS-THE-PARSER" in raw:
            raise ValueError("parser bug")
        return real_parse(raw)

    monkeypatch.setattr(storing, "parse_message", fragile_parse)
    monkeypatch.setattr("mailin.imap.parse_message", fragile_parse)  # parsed ahead
    append(
        dovecot,
        folder,
        make_mail(subject="một"),
        make_mail(body="BREAKS-THE-PARSER"),
        make_mail(subject="ba"),
    )
    assert poll(app) == 3
    with app.app_context():
        broken = db.session.scalar(
            select(InboundMessage).where(InboundMessage.status == InboundStatus.FAILED)
        )
        assert "parser bug" in broken.error and b"BREAKS-THE-PARSER" in broken.raw
    assert count(app, InboundMessage.status != InboundStatus.FAILED) == 2


def test_a_message_above_the_limit_is_recorded_not_downloaded_and_sender_told_once(
    app, dovecot, folder
):
    app.config["MAILIN_MAX_BYTES"] = 50_000
    seed_roster(app)  # the notice goes to a registered unit's address only
    big = make_mail(
        subject="=?utf-8?q?=E1=BA=A2nh=0D=0ABcc:_x@evil.example?=",
        attachments=[("scan.pdf", os.urandom(80_000), "application/pdf")],
        message_id="<big@ninhthuan.example>",
    )
    append(dovecot, folder, big)
    poll(app)
    with app.app_context():
        stored = db.session.scalar(select(InboundMessage))
        assert stored.status == InboundStatus.TOO_LARGE and stored.raw is None
        assert stored.from_address == NINH_HAI and stored.size > 80_000
        (notice,) = db.session.scalars(select(OutboundMessage)).all()
        assert notice.to_addresses == NINH_HAI
        assert notice.headers["In-Reply-To"] == "<big@ninhthuan.example>"
        assert notice.message_id.endswith("@portal.ninhthuan.example>")
        # The texts of templates/email/too_large.*: the size rounded up, never "(0 MB)".
        assert notice.subject == "Thư của đơn vị quá lớn nên chưa được tiếp nhận"
        assert "(1 MB) vượt quá dung lượng" in notice.body_text
        assert all(
            "\n" not in v and "\r" not in v for v in [notice.subject, *notice.headers.values()]
        )
    assert poll(app) == 0


def test_machine_mail_is_stored_classified_and_never_a_return(app, dovecot, folder):
    seed_roster(app)
    append(dovecot, folder, *[make_mail(**MACHINE_MAIL[kind]) for kind in sorted(MACHINE_MAIL)])
    poll(app)
    with app.app_context():
        stored = db.session.scalars(select(InboundMessage)).all()
        assert len(stored) == len(MACHINE_MAIL)
        assert {m.kind for m in stored} == {"machine"}
        assert all(m.machine_reason for m in stored)
        assert db.session.scalar(select(func.count(Submission.id))) == 0
        assert db.session.scalar(select(func.count(OutboundMessage.id))) == 0


def test_a_bounce_of_our_message_is_linked_to_it(app, dovecot, folder):
    with app.app_context():
        db.session.add(
            OutboundMessage(subject="Re: Báo cáo", message_id="<ack.7@portal.ninhthuan.example>")
        )
        db.session.commit()
    raw = make_mail(
        sender="MAILER-DAEMON@mx.example",
        subject="Undelivered",
        body="Message-ID: <ack.7@portal.ninhthuan.example>",
    )
    raw = raw.replace(b"Content-Type: text/plain", b"Content-Type: text/rfc822-headers", 1)
    append(dovecot, folder, raw)
    poll(app)
    with app.app_context():
        bounce = db.session.scalar(select(InboundMessage))
        assert bounce.kind == "machine" and bounce.related_outbound_id == 1


def processed(app) -> list[tuple[str, str | None, str | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(InboundMessage.status, Unit.code, Dispatch.number)
            .outerjoin(Unit, InboundMessage.unit_id == Unit.id)
            .outerjoin(Dispatch, InboundMessage.dispatch_id == Dispatch.id)
            .order_by(InboundMessage.id)
        ).all()
    return [tuple(row) for row in rows]


def test_matching_by_thread_subject_and_address(app, dovecot, folder):
    seed_roster(app, open_dispatches=2)
    append(
        dovecot,
        folder,
        make_return(
            subject="Re: báo cáo", headers={"In-Reply-To": "<cv422@tinhdoan.ninhthuan.example>"}
        ),
        make_return(sender="HuyenDoan.NinhSon@NinhThuan.Example", subject="Báo cáo CV 422"),
        make_return(subject="Báo cáo"),
    )
    poll(app)
    assert processed(app) == [
        ("processed", "NHAI", "422-CV/TĐTN-TG"),
        ("processed", "NSON", "422-CV/TĐTN-TG"),
        ("triage", "NHAI", None),
    ]


def test_the_only_open_dispatch_is_assumed(app, dovecot, folder):
    seed_roster(app, open_dispatches=1)
    append(dovecot, folder, make_return(subject="Gửi Ban Tuyên giáo"))
    poll(app)
    assert processed(app) == [("processed", "NHAI", "422-CV/TĐTN-TG")]


def test_unknown_and_untrusted_senders_go_to_triage(app, dovecot, folder):
    seed_roster(app)
    append(
        dovecot,
        folder,
        make_mail(sender="ai-do@gmail.example"),
        make_mail(sender=f"{NINH_HAI} <attacker@evil.example>"),
        make_mail(sender="Ninh Hai <huyendoan.ninhhai@ninhthuan.example.evil.example>"),
    )
    poll(app)
    assert processed(app) == [("triage", None, "422-CV/TĐTN-TG")] * 3


def test_a_return_forwarded_by_staff_is_matched_to_its_unit(app, dovecot, folder, users):
    seed_roster(app)
    forwarded = (
        "Xem báo cáo.\n\n---------- Forwarded message ---------\n"
        f"From: Huyện Đoàn Ninh Hải <{NINH_HAI}>\nSubject: Báo cáo 422\n"
    )
    append(
        dovecot,
        folder,
        make_return(sender="editor@example.org", body=forwarded),
        make_return(sender="stranger@gmail.example", body=forwarded),
    )
    poll(app)
    assert processed(app) == [
        ("processed", "NHAI", "422-CV/TĐTN-TG"),
        ("triage", None, "422-CV/TĐTN-TG"),
    ]


def test_a_later_return_supersedes_the_earlier_and_history_is_kept(app, dovecot, folder):
    seed_roster(app)
    append(
        dovecot,
        folder,
        make_mail(attachments=[form_attachment()]),
        make_mail(subject="Báo cáo 422 (bổ sung)", attachments=[form_attachment("v2.xlsx")]),
    )
    poll(app)
    with app.app_context():
        versions = db.session.execute(
            select(Submission.version, Submission.is_current, Submission.status).order_by(
                Submission.version
            )
        ).all()
        assert [tuple(v) for v in versions] == [(1, False, "received"), (2, True, "received")]
        recipient = db.session.scalar(select(Recipient).join(Unit).where(Unit.code == "NHAI"))
        assert recipient.state == RecipientState.RECEIVED and recipient.last_return_at


def test_replay_changes_nothing_when_nothing_changed_and_rematches_triage(app, dovecot, folder):
    append(dovecot, folder, make_return())
    poll(app)
    assert processed(app) == [("triage", None, None)]
    seed_roster(app)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["mailin", "replay", "--dry-run"])
    assert "triage -> processed" in dry.output
    assert processed(app) == [("triage", None, None)]
    runner.invoke(args=["mailin", "replay"])
    assert processed(app) == [("processed", "NHAI", "422-CV/TĐTN-TG")]
    again = runner.invoke(args=["mailin", "replay"])
    assert again.output.strip().endswith("0 thư thay đổi.")
    with app.app_context():
        assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_the_poller_waits_in_idle_and_stops_on_sigterm(
    app, dovecot, folder, database_url, tmp_path
):
    # A long interval: within the test's wait only IDLE can bring the second mail in.
    env = poller_env(dovecot, folder, database_url, tmp_path) | {"IMAP_POLL_SECONDS": "300"}
    append(dovecot, folder, make_mail(subject="có sẵn trước khi chạy"))  # the first pass
    poller, lines = start_poller(env)
    try:
        assert wait_for(lambda: any("waiting for new mail with IDLE" in x for x in lines), 60)
        assert count(app) == 1
        append(dovecot, folder, make_mail(subject="đến khi đang chờ"))
        assert wait_for(lambda: count(app) == 2, 60), "IDLE did not wake the poller"
    finally:
        poller.send_signal(signal.SIGTERM)
        poller.wait(timeout=30)
    assert poller.returncode == 0, "".join(lines)


def test_the_poller_retries_while_the_server_is_away(app, dovecot, folder, database_url, tmp_path):
    env = poller_env(dovecot, folder, database_url, tmp_path) | {"IMAP_PORT": "1"}
    poller = subprocess.Popen(
        POLL, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    time.sleep(3)
    assert poller.poll() is None  # still trying, not crashed
    poller.send_signal(signal.SIGINT)
    _out, errors = poller.communicate(timeout=30)
    assert "retrying" in errors and poller.returncode == 0


def test_a_second_poller_on_the_same_mailbox_stands_aside(
    app, dovecot, folder, database_url, tmp_path
):
    env = poller_env(dovecot, folder, database_url, tmp_path)
    first, lines = start_poller(env)
    try:
        # The first holds the lock once it is connected and idling.
        assert wait_for(lambda: any("waiting for new mail with IDLE" in x for x in lines), 60)
        second = subprocess.run(
            [*POLL, "--once"], env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
    assert second.returncode != 0 and "another poller" in second.stderr


def test_a_poller_killed_mid_batch_loses_and_duplicates_nothing(
    app, dovecot, folder, database_url, tmp_path
):
    append(
        dovecot,
        folder,
        *[make_mail(subject=f"Báo cáo {n}", attachments=[form_attachment()]) for n in range(200)],
    )
    env = poller_env(dovecot, folder, database_url, tmp_path)
    command = [*POLL, "--once"]
    poller = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for(lambda: count(app) >= 30, 120)
    poller.send_signal(signal.SIGKILL)
    poller.wait()
    stored_at_kill = count(app)
    assert 0 < stored_at_kill < 200, "the kill did not land in the middle of the batch"
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert count(app) == 200
    with app.app_context():
        subjects = db.session.scalars(select(InboundMessage.subject)).all()
    assert sorted(subjects) == sorted(f"Báo cáo {n}" for n in range(200))


def test_two_pollers_cannot_run_on_one_mailbox(app):
    from portal.services.polling import MailboxBusy, imap_settings, mailbox_lock

    with app.app_context():
        settings = imap_settings()
        with mailbox_lock(settings), pytest.raises(MailboxBusy), mailbox_lock(settings):
            pass


def test_a_second_running_poller_stands_by_and_still_stops_when_told(
    app, dovecot, folder, database_url, tmp_path
):
    """Two `mailin poll` services for one mailbox (SQLite: one machine; PostgreSQL: maybe
    two): the one second to the lock says it stands by, and a SIGTERM while it waits ends
    it within seconds (systemd stopping it must not hang on the lock)."""
    env = poller_env(dovecot, folder, database_url, tmp_path)
    first, first_lines = start_poller(env)
    second, second_lines = start_poller(env)
    pollers = [(first, first_lines), (second, second_lines)]

    def standing_by():  # whichever of the two came second to the lock
        return next((p for p in pollers if any("standing by" in x for x in p[1])), None)

    try:
        assert wait_for(lambda: standing_by() is not None, 60), first_lines + second_lines
        waiting, lines = standing_by()
        started = time.monotonic()
        waiting.send_signal(signal.SIGTERM)
        waiting.wait(20)
        assert waiting.returncode == 0 and time.monotonic() - started < 10, lines
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(60)
