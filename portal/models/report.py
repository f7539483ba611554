"""The consolidated reply upstream: who signs it (settings) and each version sent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class ReportSettings(db.Model):
    """How the department signs its reports (one row, edited by staff in the admin)."""

    __tablename__ = "report_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_body: Mapped[str] = mapped_column(String(255), default="BCH TỈNH ĐOÀN NINH THUẬN")
    issuing_body: Mapped[str] = mapped_column(String(255), default="BAN THƯỜNG VỤ")
    number_suffix: Mapped[str] = mapped_column(String(100), default="BC/TĐTN-TG")
    place: Mapped[str] = mapped_column(String(100), default="Ninh Thuận")
    addressee: Mapped[str] = mapped_column(String(500), default="Ban Tuyên giáo Trung ương Đoàn")
    copies_to: Mapped[str] = mapped_column(
        Text, default="- Như trên;\n- TT Tỉnh Đoàn;\n- Lưu: VP, TG."
    )
    on_behalf: Mapped[str] = mapped_column(String(255), default="TM. BAN THƯỜNG VỤ TỈNH ĐOÀN")
    signer_title: Mapped[str] = mapped_column(String(255), default="PHÓ BÍ THƯ THƯỜNG TRỰC")
    signer_name: Mapped[str] = mapped_column(String(255), default="")

    def __str__(self) -> str:
        return self.issuing_body

    @classmethod
    def with_defaults(cls) -> ReportSettings:
        """The settings as they are before staff save any (not added to the session)."""
        columns = cls.__table__.columns
        return cls(**{c.key: c.default.arg for c in columns if c.default is not None})


class ConsolidatedReport(db.Model):
    """One sending of a dispatch's consolidated reply; versions are kept, never replaced."""

    __tablename__ = "consolidated_report"
    __table_args__ = (UniqueConstraint("dispatch_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatch.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    outbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_message.id"))
    sent_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    workbook: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    letter: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    dispatch = relationship("Dispatch")
    outbound = relationship("OutboundMessage")
