"""How the portal's own services are doing: the outbox sender, each mailbox's poller."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import EnumText, UTCDateTime
from portal.extensions import db


class ServiceProblem(enum.StrEnum):
    """Why a service is paused or failing (shown to staff by portal.labels.SERVICE_PROBLEMS).
    The mailbox's own reasons come from mailin.imap.MailboxError.reason."""

    NONE = ""
    AUTH = "auth"  # the login was refused: a changed or revoked password, an expired token
    OAUTH = "oauth"  # the provider refused to refresh the OAuth2 token
    TLS = "tls"  # the server's certificate is not trusted
    CONNECTION = "connection"
    STORE = "store"  # the database could not store the mail
    QUOTA = "quota"  # the account's daily sending quota is spent
    RATE = "rate"  # the server asks to send more slowly


class ServiceState(db.Model):
    """One service's last attempt and last success, and why it is paused or failing.

    `name`: "outbox", or "mailbox:<user>/<folder>". `reason` is a stable code shown to staff
    by its label (portal.labels.SERVICE_PROBLEMS); `last_error` the server's own words."""

    __tablename__ = "service_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    is_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[ServiceProblem] = mapped_column(
        EnumText(ServiceProblem, 40), default=ServiceProblem.NONE
    )
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The settings the pause was decided under: new settings (a password fixed) lift it.
    settings_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OAuthToken(db.Model):
    """The mailbox account's OAuth2 tokens (XOAUTH2 on IMAP and SMTP), shared by the poller,
    the outbox and the web app so that they refresh once, not each on its own.

    `account` is a digest of the token endpoint, the client id and the refresh token in the
    configuration: a new refresh token put there (after `flask mail-oauth`) starts a new
    row. `refresh_token` is the one to use now: providers that rotate it (Microsoft) answer a
    new one at each refresh, and the old one soon stops working, so the configuration's
    value is only where the chain starts."""

    __tablename__ = "oauth_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token: Mapped[str] = mapped_column(Text, default="")
    access_token: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lifetime_seconds: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
