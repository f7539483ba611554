"""`flask --app wsgi outbox send` and `flask --app wsgi remind`: the mail the system sends."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

outbox = AppGroup("outbox", help="The mail the system sends.")


@outbox.command("send")
def send() -> None:
    """Deliver the queued messages that are due (retries included)."""
    from portal.services.outbox import send_due

    report = send_due()
    if report.busy:
        click.echo(_("Another sender (the poller) is delivering the outbox; nothing to do."))
        return
    click.echo(
        _(
            "%(sent)d sent, %(retrying)d to retry later, %(failed)d failed.",
            sent=report.sent,
            retrying=report.retrying,
            failed=report.failed,
        )
    )


@click.command("remind")
@with_appcontext
def remind() -> None:
    """Queue the scheduled reminders due today (run daily from cron), then send them."""
    from portal.services.outbox import send_due
    from portal.services.reminders import send_scheduled

    queued = send_scheduled()
    if queued is None:
        click.echo(_("Another machine is sending today's reminders; nothing to do."))
        return
    report = send_due()
    click.echo(
        _("%(queued)d reminders queued; %(sent)d messages sent.", queued=queued, sent=report.sent)
    )
