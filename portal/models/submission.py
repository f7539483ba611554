"""A unit's return for a dispatch (versioned) and the rows it reported."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mailin.forms.values import Platform
from mailin.text import fold, nfc
from portal.database import EnumText, UTCDateTime, utcnow
from portal.extensions import db
from portal.models.dispatch import Dispatch
from portal.models.unit import Unit


class SubmissionStatus(enum.StrEnum):
    RECEIVED = "received"
    NEEDS_REVIEW = "needs_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Submission(db.Model):
    """One version of one unit's return; a later version supersedes it, history is kept."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("dispatch_id", "unit_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatch.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        EnumText(SubmissionStatus, 20), default=SubmissionStatus.RECEIVED
    )
    # Indexed: each incoming message looks up its submission (replay finds it again).
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id"), index=True
    )
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    read_error: Mapped[str] = mapped_column(Text, default="")
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    dispatch: Mapped[Dispatch] = relationship()
    unit: Mapped[Unit] = relationship()
    sites: Mapped[list[Site]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="Site.position"
    )

    def __str__(self) -> str:
        if not (self.unit and self.dispatch):
            return ""
        return f"{self.unit.name} — {self.dispatch.number} (v{self.version})"


class Site(db.Model):
    """One row of a return: a website or social-media page a unit runs (docs/form.md, "Columns")."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    sheet: Mapped[str] = mapped_column(String(255), default="")
    source_row: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500), default="")
    name_folded: Mapped[str] = mapped_column(String(500), index=True, default="")
    platform: Mapped[Platform] = mapped_column(EnumText(Platform, 30), default=Platform.OTHER)
    url: Mapped[str] = mapped_column(String(2000), default="")
    url_normalized: Mapped[str] = mapped_column(String(2000), index=True, default="")
    agency: Mapped[str] = mapped_column(String(500), default="")
    contact: Mapped[str] = mapped_column(String(500), default="")
    admin_name: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # A row of a dispatch's own form: its values by the form's field keys (text, numbers,
    # yes/no, dates as YYYY-MM-DD); None for the sites-and-pages form, whose values are
    # the columns above. A key the form no longer has stays: a column renamed or dropped
    # after returns arrived loses no data.
    form_values: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    submission: Mapped[Submission] = relationship(back_populates="sites")
    findings: Mapped[list[Finding]] = relationship(
        back_populates="site", cascade="all, delete-orphan"
    )

    @validates("name")
    def _keep_folded_name(self, key: str, value: str) -> str:
        value = nfc(value or "").strip()
        self.name_folded = fold(value)
        return value

    def __str__(self) -> str:
        return self.name or self.url


class Finding(db.Model):
    """An error or warning on a row, by its stable code (docs/form.md, "Row checks")."""

    __tablename__ = "finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    severity: Mapped[Severity] = mapped_column(EnumText(Severity, 10))
    code: Mapped[str] = mapped_column(String(40), index=True)
    field: Mapped[str] = mapped_column(String(30), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)

    site: Mapped[Site] = relationship(back_populates="findings")

    def __str__(self) -> str:
        return self.code


class PageClosure(db.Model):
    """A page staff marked closed in the register of pages (services/register.py): a unit
    said it stopped running it, whatever later returns leave out."""

    __tablename__ = "page_closure"
    __table_args__ = (UniqueConstraint("unit_id", "page_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    # The page's key in the register: its normalised address, or its folded name.
    page_key: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.page_key
