"""How the portal's own services are doing: the outbox sender, each mailbox's poller."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime
from portal.extensions import db


class ServiceState(db.Model):
    """One service's last attempt and last success, and why it is paused or failing.

    `name`: "outbox", or "mailbox:<user>/<folder>". `reason` is a stable code shown to staff
    by its label (portal.labels.SERVICE_PROBLEMS); `last_error` the server's own words."""

    __tablename__ = "service_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    is_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(String(40), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The settings the pause was decided under: new settings (a password fixed) lift it.
    settings_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
