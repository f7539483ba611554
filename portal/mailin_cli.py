"""`flask --app wsgi mailin ...`: the poller and replay."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from mailin.imap import MailboxError
from portal.errors import PortalError
from portal.extensions import db
from portal.labels import SERVICE_PROBLEMS
from portal.models import InboundMessage, InboundStatus

mailin = AppGroup("mailin", help="Read the Propaganda mailbox.")


@mailin.command("poll")
@click.option("--once", is_flag=True, help="One pass, then exit (cron, tests).")
def poll(once: bool) -> None:
    """Store and process new mail from every mailbox (the environment's, and those added in
    the admin); runs until SIGTERM or Ctrl+C unless --once. Another poller reading the same
    mailbox (on this machine, or on another sharing the PostgreSQL database): --once skips
    it, a running poller stands by and takes over when the other stops or dies."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        if once:
            _poll_once()
        else:
            _serve(stop)
    except PortalError as exc:
        raise click.ClickException(str(exc)) from exc
    except MailboxError as exc:  # exit status 1: cron and monitoring see it
        raise click.ClickException(_unreadable(exc)) from exc
    except SQLAlchemyError as exc:  # nothing was flagged that is not stored: run again later
        raise click.ClickException(
            _(
                "The database could not store the mail (%(error)s); run again later.",
                error=exc.orig or exc,
            )
        ) from exc


def _poll_once() -> None:
    from portal.services.mailboxes import has_added_mailboxes, poll_each_once
    from portal.services.polling import imap_settings, mailbox_lock, poll_one_pass

    if not has_added_mailboxes():  # the environment's mailbox alone
        with mailbox_lock(imap_settings()):
            click.echo(_("%(count)d new messages.", count=poll_one_pass()))
        return
    handled, failed = poll_each_once()
    click.echo(_("%(count)d new messages.", count=handled))
    if failed:
        lines = [f"{name}: {_unreadable(exc)}" for name, exc in failed]
        raise click.ClickException("\n".join(lines))


def _serve(stop: threading.Event) -> None:
    from portal.services.mailboxes import has_added_mailboxes, serve_mailboxes
    from portal.services.polling import imap_settings

    if not has_added_mailboxes():
        imap_settings()  # nothing to read: says IMAP_HOST is not set
    serve_mailboxes(current_app._get_current_object(), stop)


def _unreadable(exc: Exception) -> str:
    if not isinstance(exc, MailboxError):
        return str(exc)
    return _(
        "The mailbox could not be read (%(reason)s): %(error)s",
        reason=SERVICE_PROBLEMS.get(exc.reason, exc.reason),
        error=exc,
    )


@mailin.command("replay")
@click.option("--dry-run", is_flag=True, help="Print what would change, change nothing.")
@click.option("--id", "ids", multiple=True, type=int, help="Only these messages.")
def replay(dry_run: bool, ids: tuple[int, ...]) -> None:
    """Run stored messages through the current classification, matching and reader."""
    from portal.services.intake import process_stored

    query = select(InboundMessage.id, InboundMessage.status).order_by(InboundMessage.id)
    if ids:
        query = query.where(InboundMessage.id.in_(ids))
    changed = 0
    for message_id, before in db.session.execute(query).all():
        if before in (InboundStatus.TOO_LARGE, InboundStatus.DUPLICATE):
            continue
        outcome = process_stored(message_id, dry_run=dry_run)
        if outcome.status != before:
            changed += 1
            click.echo(f"#{message_id}: {before} -> {outcome.status} {outcome.detail}")
    if dry_run:
        click.echo(_("%(count)d messages would change (dry run, nothing saved).", count=changed))
    else:
        click.echo(_("%(count)d messages changed.", count=changed))
