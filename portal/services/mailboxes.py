"""Which mailboxes the poller reads: the environment's own (IMAP_*), the default, and the
active ones staff added in the admin, each with the settings its IMAP session needs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from flask import Flask, current_app
from sqlalchemy import select

from mailin.imap import SECURITY_CHOICES, ImapSettings, MailboxError
from portal.errors import PortalError
from portal.extensions import db
from portal.models import Mailbox
from portal.services import health
from portal.services.accounts import SecretMissing, read_secret
from portal.services.polling import (
    MailboxBusy,
    imap_settings,
    mailbox_lock,
    make_poller,
    poll_one_pass,
    token_source,
)

RECHECK_SECONDS = 30  # how soon a mailbox staff add, change or deactivate is picked up


@dataclass(frozen=True)
class MailboxToRead:
    """A mailbox the poller serves: its name for staff, and how to open it (None when its
    secret is missing: `problem` says why)."""

    key: str  # what a running poller is known by: its settings (a change restarts it)
    name: str
    user: str
    folder: str
    settings: ImapSettings | None
    problem: str = ""


def mailboxes_to_read() -> list[MailboxToRead]:
    """The environment's mailbox (when IMAP_HOST is set), then the active rows by name."""
    found = []
    if current_app.config["IMAP_HOST"]:
        default = imap_settings()
        found.append(
            MailboxToRead(_key(default), default.user, default.user, default.folder, default)
        )
    rows = db.session.scalars(select(Mailbox).where(Mailbox.is_active).order_by(Mailbox.name))
    found += [_to_read(row) for row in rows]
    return found


def _to_read(row: Mailbox) -> MailboxToRead:
    # Everything staff may change: a changed row is a new poller (the old one stopped).
    fields = (row.host, row.port, row.security, row.user, row.auth, row.folder)
    key = "|".join(str(field) for field in (*fields, row.processed_folder, row.secret_from))
    try:
        return MailboxToRead(key, row.name, row.user, row.folder, mailbox_settings(row))
    except PortalError as exc:
        return MailboxToRead(key, row.name, row.user, row.folder, None, problem=str(exc))


def mailbox_settings(row: Mailbox) -> ImapSettings:
    """The IMAP settings of a mailbox row: its own host, account and folders, its secret
    from where `secret_from` says, the rest (timeouts, limits, CA) from the environment."""
    if row.security not in SECURITY_CHOICES:
        raise PortalError(f"{row.name}: security must be one of {', '.join(SECURITY_CHOICES)}")
    secret = read_secret(row)
    config = current_app.config
    oauth2 = row.auth == "oauth2"
    if oauth2:
        config = {**config, "IMAP_AUTH": "oauth2", "OAUTH2_REFRESH_TOKEN": secret}
    return replace(
        imap_settings(config, require_host=False),
        host=row.host,
        port=row.port,
        user=row.user,
        password="" if oauth2 else secret,
        oauth2_token=token_source(config) if oauth2 else None,
        security=row.security,
        folder=row.folder,
        processed_folder=row.processed_folder,
    )


def _key(settings: ImapSettings) -> str:
    return f"{settings.host}|{settings.user}|{settings.folder}"


def serve_mailboxes(app: Flask, stop: threading.Event) -> None:
    """Serve every mailbox to read until `stop`, each in a thread of its own: its own lock
    (a poller elsewhere holding it: this one stands by), ledger, back-off and health line,
    so one failing mailbox never delays the others. Mailboxes staff add, change or
    deactivate are picked up within RECHECK_SECONDS; a mailbox whose secret is missing is
    shown on the overview and tried again then."""
    running: dict[str, tuple[threading.Thread, threading.Event]] = {}
    while not stop.is_set():
        with app.app_context():
            wanted = {mailbox.key: mailbox for mailbox in mailboxes_to_read()}
        for key, (thread, own_stop) in list(running.items()):
            if key not in wanted or not thread.is_alive():
                own_stop.set()
                del running[key]
        for key, mailbox in wanted.items():
            if key not in running:
                own_stop = threading.Event()
                thread = threading.Thread(
                    target=_serve_one, args=(app, mailbox, own_stop), name=mailbox.name
                )
                thread.start()
                running[key] = (thread, own_stop)
        stop.wait(RECHECK_SECONDS)
    for _thread, own_stop in running.values():
        own_stop.set()
    for thread, _own_stop in running.values():
        thread.join()


def _serve_one(app: Flask, mailbox: MailboxToRead, stop: threading.Event) -> None:
    with app.app_context():
        if mailbox.settings is None:
            service = health.mailbox_service(mailbox.user, mailbox.folder)
            health.record_failure(service, SecretMissing.reason, mailbox.problem)
            return
        try:
            with mailbox_lock(mailbox.settings, wait=True, stop=stop.is_set):
                make_poller(stop, mailbox.settings).run()
        except MailboxBusy:  # stopped while standing by
            return


def has_added_mailboxes() -> bool:
    """Whether staff added any mailbox (else the environment's is the only one)."""
    return db.session.scalar(select(Mailbox.id).where(Mailbox.is_active).limit(1)) is not None


def poll_each_once() -> tuple[int, list[tuple[str, PortalError | MailboxError]]]:
    """One pass over every mailbox to read (`mailin poll --once`): (messages handled, the
    mailboxes that failed and why). A failing mailbox is recorded and the next one read."""
    handled, failed = 0, []
    for mailbox in mailboxes_to_read():
        if mailbox.settings is None:
            service = health.mailbox_service(mailbox.user, mailbox.folder)
            health.record_failure(service, SecretMissing.reason, mailbox.problem)
            failed.append((mailbox.name, SecretMissing(mailbox.problem)))
            continue
        try:
            with mailbox_lock(mailbox.settings):
                handled += poll_one_pass(mailbox.settings)
        except (MailboxError, MailboxBusy) as exc:
            failed.append((mailbox.name, exc))
    return handled, failed
