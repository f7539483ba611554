"""The accounts mail leaves through: the MAIL_* one, or an added mailbox's own (a reply
leaves through the account the message came in on, when that mailbox has an SMTP server)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal.errors import PortalError
from portal.extensions import db
from portal.models import InboundMessage, Mailbox
from portal.services import health
from portal.services.mailout import sender_parts


class SecretMissing(PortalError):
    """A mailbox's secret is not where its row says (shown on the overview as a login
    refusal: the IT officer must put it there)."""

    reason = "auth"


def read_secret(row: Mailbox) -> str:
    """The secret `secret_from` points to: a file (an absolute path) or an environment
    variable (a name). SecretMissing, naming where it was looked for, when it is not there."""
    where = row.secret_from.strip()
    if where.startswith("/"):
        try:
            secret = Path(where).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretMissing(f"{row.name}: cannot read the secret file {where} ({exc})") from exc
    else:
        secret = os.environ.get(where, "").strip() if where else ""
    if not secret:
        raise SecretMissing(f"{row.name}: no secret in {where or '(secret_from is empty)'}")
    return secret


def mailbox_id_of(message: InboundMessage) -> int | None:
    """The added mailbox `message` came in on, when replies may leave through its own
    account (it has an SMTP server); None: through the MAIL_* account. Mail that came in on
    the environment's mailbox asks nothing of the database (a query per message saved)."""
    config = current_app.config
    if (message.mailbox, message.folder) == (config["IMAP_USER"], config["IMAP_FOLDER"]):
        return None
    return db.session.scalar(
        select(Mailbox.id).where(
            Mailbox.user == message.mailbox,
            Mailbox.folder == message.folder,
            Mailbox.smtp_host != "",
        )
    )


def sending_config(mailbox_id: int | None):
    """The MAIL_* settings of an account: the app's, or those of the mailbox's own SMTP
    server (its account and secret, the From address its own, the display name the
    app's). SecretMissing when its secret is not there."""
    config = current_app.config
    row = db.session.get(Mailbox, mailbox_id) if mailbox_id is not None else None
    if row is None or not row.smtp_host:
        return config
    secret = read_secret(row)
    oauth2 = row.auth == "oauth2"
    return {
        **config,
        "MAIL_SERVER": row.smtp_host,
        "MAIL_PORT": row.smtp_port,
        "MAIL_USE_SSL": row.smtp_security == "ssl",
        "MAIL_USE_TLS": row.smtp_security == "starttls",
        "MAIL_USERNAME": row.user,
        "MAIL_PASSWORD": "" if oauth2 else secret,
        "MAIL_AUTH": "oauth2" if oauth2 else "password",
        "OAUTH2_REFRESH_TOKEN": secret if oauth2 else config["OAUTH2_REFRESH_TOKEN"],
        "MAIL_DEFAULT_SENDER": (sender_parts(config)[0], row.user),
    }


def outbox_service(mailbox_id: int | None) -> str:
    """The health line of an account's sending (the overview, /healthz)."""
    return health.OUTBOX if mailbox_id is None else f"{health.OUTBOX}:mailbox-{mailbox_id}"
