"""`flask --app wsgi mailin ...`: the poller and replay."""

from __future__ import annotations

import logging
import signal
import threading

import click
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
    """Store and process new mail; runs until SIGTERM or Ctrl+C unless --once. Another
    poller reading the same mailbox (on this machine, or on another sharing the PostgreSQL
    database): --once stops at once; a running poller stands by and takes over when the
    other stops or dies."""
    from portal.services.polling import imap_settings, mailbox_lock, make_poller, poll_one_pass

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        with mailbox_lock(imap_settings(), wait=not once, stop=stop.is_set):
            if once:
                click.echo(_("%(count)d new messages.", count=poll_one_pass()))
                return
            poller = make_poller(stop)
            poller.run()
    except PortalError as exc:
        raise click.ClickException(str(exc)) from exc
    except MailboxError as exc:  # exit status 1: cron and monitoring see it
        raise click.ClickException(
            _(
                "The mailbox could not be read (%(reason)s): %(error)s",
                reason=SERVICE_PROBLEMS.get(exc.reason, exc.reason),
                error=exc,
            )
        ) from exc
    except SQLAlchemyError as exc:  # nothing was flagged that is not stored: run again later
        raise click.ClickException(
            _(
                "The database could not store the mail (%(error)s); run again later.",
                error=exc.orig or exc,
            )
        ) from exc


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
