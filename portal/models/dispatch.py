"""Dispatches (công văn) and their rosters."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mailin.forms.spec import FormSpec
from mailin.text import fold, nfc
from portal.database import EnumText, UTCDateTime, utcnow
from portal.extensions import db
from portal.models.unit import Unit


class RecipientState(enum.StrEnum):
    AWAITING = "awaiting"
    RECEIVED = "received"
    NEEDS_REVIEW = "needs_review"
    ACCEPTED = "accepted"
    LATE = "late"


class Dispatch(db.Model):
    """A dispatch asking units for a return before a deadline."""

    __tablename__ = "dispatch"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    subject: Mapped[str] = mapped_column(String(500))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(255), default="")
    upstream_email: Mapped[str | None] = mapped_column(String(254))
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Number and subject without case or diacritics, for search on every database.
    search_folded: Mapped[str] = mapped_column(String(700), default="")
    # The dispatch's own form (FormSpec.to_dict), learned from its blank template; None for
    # the built-in sites-and-pages form (mailin/forms/columns.py).
    form: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    recipients: Mapped[list[Recipient]] = relationship(
        back_populates="dispatch", cascade="all, delete-orphan"
    )

    @validates("number", "subject", "issuer")
    def _nfc(self, key: str, value: str) -> str:
        value = nfc(value or "").strip()
        if key in ("number", "subject"):
            other = self.subject if key == "number" else self.number
            words = (value, other) if key == "number" else (other, value)
            self.search_folded = fold(" ".join(w for w in words if w))
        return value

    @property
    def form_spec(self) -> FormSpec | None:
        """The dispatch's own form, or None when it asks for the sites-and-pages form."""
        return FormSpec.from_dict(self.form) if self.form else None

    def __str__(self) -> str:
        return f"{self.number} — {self.subject}"


class Recipient(db.Model):
    """A unit on a dispatch's roster, with where its return stands."""

    __tablename__ = "recipient"
    __table_args__ = (UniqueConstraint("dispatch_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(
        ForeignKey("dispatch.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    state: Mapped[RecipientState] = mapped_column(
        EnumText(RecipientState, 20), default=RecipientState.AWAITING
    )
    last_return_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    dispatch: Mapped[Dispatch] = relationship(back_populates="recipients")
    unit: Mapped[Unit] = relationship()

    def __str__(self) -> str:
        return f"{self.unit} ({self.dispatch.number})" if self.unit and self.dispatch else ""
