"""Units (đơn vị) and their email addresses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mailin.text import fold, nfc
from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class Unit(db.Model):
    """A Youth Union organisation that receives dispatches and sends returns."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_folded: Mapped[str] = mapped_column(String(255), index=True, default="")
    kind: Mapped[str] = mapped_column(String(100), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    contact_name: Mapped[str] = mapped_column(String(255), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    emails: Mapped[list[UnitEmail]] = relationship(
        back_populates="unit",
        cascade="all, delete-orphan",
        order_by="UnitEmail.position",
    )

    @validates("name")
    def _keep_folded_name(self, key: str, value: str) -> str:
        value = nfc(value or "").strip()
        self.name_folded = fold(value)
        return value

    @property
    def email_list(self) -> list[str]:
        """The unit's addresses, first the preferred one."""
        return [e.address for e in self.emails]

    def __str__(self) -> str:
        return self.name


class UnitEmail(db.Model):
    """One address a unit writes from; matching a sender to a unit uses these."""

    __tablename__ = "unit_email"
    __table_args__ = (UniqueConstraint("unit_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(254), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Set when mail to this address bounced: staff should check it.
    bounced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship(back_populates="emails")

    def __str__(self) -> str:
        return self.address
