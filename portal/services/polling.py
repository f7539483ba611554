"""The poller wired to the portal: the mailbox's settings, the ledger in the database, the
one-poller lock, one pass, and the outbox sent after it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mailin.imap import Fetched, ImapSession, ImapSettings, MailboxError
from mailin.poller import Poller, poll_once
from portal.errors import PortalError
from portal.extensions import db
from portal.locks import shared_lock
from portal.models import MailboxState
from portal.services import health, oauth
from portal.services.intake import handle_batch, process_pending, process_stored_batch, store_ahead
from portal.services.outbox import send_due

log = logging.getLogger(__name__)


AUTH_METHODS = ("password", "oauth2")


class MailboxBusy(PortalError):
    """Another poller holds this mailbox."""


def imap_settings(config=None, require_host: bool = True) -> ImapSettings:
    """The environment's mailbox (IMAP_* of `config`, the app's by default)."""
    config = config if config is not None else current_app.config
    if require_host and not config["IMAP_HOST"]:
        raise PortalError("IMAP_HOST is not set: see README.md, Configuration.")
    return ImapSettings(
        host=config["IMAP_HOST"],
        port=config["IMAP_PORT"],
        user=config["IMAP_USER"],
        password=config["IMAP_PASSWORD"],
        oauth2_token=token_source(config),
        security=config["IMAP_SECURITY"],
        folder=config["IMAP_FOLDER"],
        processed_folder=config["IMAP_PROCESSED_FOLDER"],
        timeout=config["IMAP_TIMEOUT"],
        max_bytes=config["MAILIN_MAX_BYTES"],
        since=_since(config["IMAP_SINCE"]),
        ca_file=config["IMAP_CA_FILE"],
        allow_plaintext=config["IMAP_ALLOW_PLAINTEXT"],
    )


def token_source(config) -> Callable[[str], str] | None:
    """With IMAP_AUTH=oauth2, where the session gets its access tokens (portal.services.oauth);
    their failures told as the mailbox's (reason "oauth": shown on the overview)."""
    method = str(config["IMAP_AUTH"] or "password").strip().lower()
    if method not in AUTH_METHODS:
        raise PortalError(f"IMAP_AUTH must be one of {', '.join(AUTH_METHODS)}, not {method!r}")
    if method != "oauth2":
        return None
    oauth.client_from(config)  # a setting missing is said at start, not at the first login

    def token(refused: str) -> str:
        try:
            return oauth.access_token(config, refused)
        except oauth.OAuthError as exc:
            raise MailboxError(str(exc), exc.reason) from exc

    return token


def _since(value: object) -> dt.date | None:
    """IMAP_SINCE as a date (YYYY-MM-DD, or dd/mm/yyyy as staff write it), or None."""
    if isinstance(value, dt.date) or not value:
        return value or None
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise PortalError(f"IMAP_SINCE must be a date such as 2026-01-31, not {text!r}.")


class DatabaseLedger:
    """The last UID handled per (mailbox, folder, UIDVALIDITY), in the mailbox_state table."""

    def last_uid(self, mailbox: str, folder: str, uidvalidity: int) -> int:
        return (
            db.session.scalar(
                select(MailboxState.last_uid).filter_by(
                    mailbox=mailbox, folder=folder, uidvalidity=uidvalidity
                )
            )
            or 0
        )

    def advance(self, fetched: Fetched) -> None:
        key = dict(mailbox=fetched.mailbox, folder=fetched.folder, uidvalidity=fetched.uidvalidity)
        state = db.session.scalar(select(MailboxState).filter_by(**key))
        if state is None:
            state = MailboxState(last_uid=0, **key)
            db.session.add(state)
        state.last_uid = max(state.last_uid, fetched.uid)
        try:
            db.session.commit()
        except IntegrityError:  # another poller created the row first: theirs will do
            db.session.rollback()


@contextmanager
def mailbox_lock(
    settings: ImapSettings, wait: bool = False, stop: Callable[[], bool] = lambda: False
):
    """Hold the one lock per mailbox and folder (on every machine sharing a PostgreSQL
    database), or raise MailboxBusy. With `wait`, stand by until the poller holding it
    stops or dies (then take over), or until `stop()`."""
    digest = hashlib.sha256(f"{settings.host}|{settings.user}|{settings.folder}".encode())
    name, busy = f"mailin-{digest.hexdigest()[:16]}", f"{settings.user}/{settings.folder}"
    with shared_lock(name) as held:
        if held:
            yield
            return
    if not wait:
        raise MailboxBusy(f"another poller is reading {busy}")
    log.info("another poller is reading %s; standing by to take over", busy)
    with shared_lock(name, wait=True, stop=stop) as held:
        if not held:  # stopped while standing by
            raise MailboxBusy(f"another poller is reading {busy}")
        yield


def poll_one_pass(settings: ImapSettings | None = None) -> int:
    """Open the mailbox (the environment's unless `settings`), handle what is new, close,
    then retry what is left and send what is due; how many messages were handled. The pass
    is recorded for the overview and /healthz (a MailboxError, when it could not log in or
    connect, is recorded and raised)."""
    settings = settings or imap_settings()
    try:
        session = ImapSession(settings)
    except MailboxError as exc:
        record_mailbox_failure(settings, exc.reason, exc)
        raise
    try:
        handled = poll_once(session, DatabaseLedger(), *batch_handling())
    finally:
        session.close()
    health.record_success(health.mailbox_service(settings.user, settings.folder))
    finish_pass()
    return handled


def batch_handling() -> tuple[Callable, Callable | None]:
    """(handle, begin) for poll_once: on PostgreSQL the read-ahead thread stores the next
    batch while this one is processed (intake.store_ahead); SQLite, one writer at a time,
    stores and processes each batch here."""
    if db.engine.dialect.name == "postgresql":
        return process_stored_batch, store_ahead(current_app._get_current_object())
    return handle_batch, None


def record_mailbox_failure(settings: ImapSettings, reason: str, exc: Exception) -> None:
    """Say on the overview and in /healthz why the mailbox could not be read."""
    db.session.rollback()  # whatever the failure left in the session
    health.record_failure(health.mailbox_service(settings.user, settings.folder), reason, str(exc))


def finish_pass() -> None:
    """After each pass: process what a crash or a failure left new, then send what is due."""
    process_pending()
    send_outbox()


def send_outbox() -> None:
    """The outbox sender: its failures are the outbox's (retried there), not the poller's."""
    report = send_due()
    if report.sent or report.retrying or report.failed:
        log.info(
            "outbox: %d sent, %d to retry, %d failed", report.sent, report.retrying, report.failed
        )
    if report.paused:
        log.warning("outbox paused: %s (see the overview)", report.paused)


def make_poller(
    stop: threading.Event | None = None, settings: ImapSettings | None = None
) -> Poller:
    """The poller of a mailbox (the environment's unless `settings`); `stop`: the event
    that ends its run."""
    settings = settings or imap_settings()
    service = health.mailbox_service(settings.user, settings.folder)

    def after_pass() -> None:
        health.record_success(service)
        finish_pass()

    handle, begin = batch_handling()
    poller = Poller(
        lambda: ImapSession(settings),
        DatabaseLedger(),
        handle,
        poll_seconds=current_app.config["IMAP_POLL_SECONDS"],
        after_pass=after_pass,
        on_failure=lambda reason, exc: record_mailbox_failure(settings, reason, exc),
        begin=begin,
    )
    if stop is not None:
        poller.stop = stop
    return poller
