"""The mailboxes the poller reads besides the environment's own (IMAP_*), managed by staff."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class Mailbox(db.Model):
    """A mailbox to read (an official .gov.vn account beside the Gmail inbox, say).

    Its secret is never stored in the database, nor shown: `secret_from` names where it is,
    an environment variable (IMAP_PASSWORD_GOV) or a file (/etc/portal/gov.secret) holding
    the app password, or with `auth` oauth2 the refresh token for the OAUTH2_* client. The
    timeouts, size limit, CA file and first-run date are the environment's (IMAP_*); the
    SMTP timeouts and CA file the environment's (MAIL_*)."""

    __tablename__ = "mailbox"
    __table_args__ = (UniqueConstraint("host", "user", "folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=993)
    security: Mapped[str] = mapped_column(String(10), default="ssl")
    user: Mapped[str] = mapped_column(String(254))
    auth: Mapped[str] = mapped_column(String(10), default="password")
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    processed_folder: Mapped[str] = mapped_column(String(255), default="")
    secret_from: Mapped[str] = mapped_column(String(500), default="")
    # Where replies to its mail leave (its own account, the same secret); empty: through
    # the MAIL_* account.
    smtp_host: Mapped[str] = mapped_column(String(255), default="", server_default="")
    smtp_port: Mapped[int] = mapped_column(Integer, default=587, server_default="587")
    smtp_security: Mapped[str] = mapped_column(
        String(10), default="starttls", server_default="starttls"
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.name
