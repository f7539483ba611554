"""Mail as received (kept raw) and mail to send (the outbox)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship
from sqlalchemy.sql.expression import false as sa_false

from mailin.authres import SenderProof
from mailin.forms import ReadingStatus
from portal.database import EnumText, UTCDateTime, utcnow
from portal.extensions import db


class InboundStatus(enum.StrEnum):
    NEW = "new"
    PROCESSED = "processed"
    TRIAGE = "triage"
    IGNORED = "ignored"
    FAILED = "failed"
    TOO_LARGE = "too_large"
    DUPLICATE = "duplicate"
    # Processing failed (or killed the process) MAX_PROCESS_ATTEMPTS times: set aside for
    # staff, so the messages behind it flow.
    QUARANTINED = "quarantined"
    # A unit's message that carries no form (a question, a thank-you...): for staff to
    # read in their own queue, never a version of a return.
    CORRESPONDENCE = "correspondence"


class MailKind(enum.StrEnum):
    """Who wrote a message: a person, or a machine (a bounce, an auto-reply, a list)."""

    PERSON = "person"
    MACHINE = "machine"


class HoldReason(enum.StrEnum):
    """Why a person's message waits in triage (shown to staff)."""

    NONE = ""  # not held

    UNKNOWN_SENDER = "unknown_sender"  # no registered unit's address, nothing else says
    UNKNOWN_DISPATCH = "unknown_dispatch"  # the unit is known, the dispatch is not
    SENDER_NOT_PROVEN = "sender_not_proven"  # our server says the From address is forged
    DANGEROUS = "dangerous"  # a program, or a file name with a path: never opened
    MOVED_BY_STAFF = "moved_by_staff"  # correspondence staff sent here to assign it


class OutboundState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"  # sent, then a delivery report came back for it
    CANCELLED = "cancelled"  # not needed any more (a reminder to a unit that has reported)


class OutboundKind(enum.StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    REMINDER = "reminder"
    CONSOLIDATED = "consolidated"
    OTHER = "other"


class InboundMessage(db.Model):
    """A message as received, raw bytes kept, and what became of it."""

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("mailbox", "folder", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(254), default="")
    folder: Mapped[str] = mapped_column(String(255), default="")
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(String(998), index=True, default="")
    # Unique: the same bytes delivered twice are one message. Empty for a message too
    # large to download (its bytes were never seen).
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    from_address: Mapped[str] = mapped_column(String(254), index=True, default="")
    from_name: Mapped[str] = mapped_column(String(255), default="")
    subject: Mapped[str] = mapped_column(String(998), default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the message reached the mailbox (the server's INTERNALDATE): lateness, charts
    # and reports go by it, never by when the poller happened to read it (fetched_at).
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[MailKind] = mapped_column(EnumText(MailKind, 20), default=MailKind.PERSON)
    machine_reason: Mapped[str] = mapped_column(String(255), default="")
    # Why it is (or is not) a return: mailin.kinds codes, comma-separated.
    reasons: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # What the mailbox's own server said of the From address (mailin.authres.SenderProof).
    sender_proof: Mapped[SenderProof] = mapped_column(
        EnumText(SenderProof, 20), default=SenderProof.UNCHECKED, server_default=""
    )
    hold_reason: Mapped[HoldReason] = mapped_column(
        EnumText(HoldReason, 40), default=HoldReason.NONE, server_default=""
    )
    # Correspondence a member of staff still has to answer (cleared by them).
    needs_answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # When retention dropped the body and files (raw then holds the headers alone).
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[InboundStatus] = mapped_column(
        EnumText(InboundStatus, 20), default=InboundStatus.NEW, index=True
    )
    error: Mapped[str] = mapped_column(Text, default="")
    # Processing attempts, counted (and committed) before each one: a message that kills
    # the process is still counted, and quarantined once it has had its chances.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    body_text: Mapped[str] = deferred(mapped_column(Text, default=""))
    problems: Mapped[str] = mapped_column(Text, default="")
    forwarded_from: Mapped[str] = mapped_column(String(254), default="")
    # The outbound message a bounce is about. use_alter: outbound_message also refers back
    # here, and the cycle would leave SQLAlchemy no order to create or drop the tables in.
    related_outbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_message.id", use_alter=True)
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id"))

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )
    unit = relationship("Unit")
    dispatch = relationship("Dispatch")

    def __str__(self) -> str:
        return self.subject or self.message_id or f"#{self.id}"


class MailboxState(db.Model):
    """The poller's ledger: the last UID handled in a folder, for one UIDVALIDITY."""

    __tablename__ = "mailbox_state"
    __table_args__ = (UniqueConstraint("mailbox", "folder", "uidvalidity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(254))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Attachment(db.Model):
    """A file that came with an inbound message (content kept)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    status: Mapped[ReadingStatus] = mapped_column(
        EnumText(ReadingStatus, 20), default=ReadingStatus.PENDING
    )
    # The file carries macros (VBA, Basic): never run; staff are told.
    has_macros: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    error: Mapped[str] = mapped_column(Text, default="")

    message: Mapped[InboundMessage] = relationship(back_populates="attachments")

    def __str__(self) -> str:
        return self.filename


class OutboundMessage(db.Model):
    """An email the system sends: written here first, delivered by the outbox sender."""

    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutboundKind] = mapped_column(
        EnumText(OutboundKind, 20), default=OutboundKind.OTHER, index=True
    )
    # Indexed: the acknowledgement limit counts the recent mail to a sender.
    to_addresses: Mapped[str] = mapped_column(Text, default="", index=True)
    cc_addresses: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(998), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    message_id: Mapped[str] = mapped_column(String(998), default="", index=True)
    state: Mapped[OutboundState] = mapped_column(
        EnumText(OutboundState, 20), default=OutboundState.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # While 'sending': until when the sender that claimed it holds it. A row still
    # 'sending' after that was left by a sender that died; another takes it back.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Indexed: the daily sending cap counts what went out today, at every pass.
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # Indexed: "was this message already answered?" is asked for every message that comes in.
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id"), index=True
    )
    # The mailbox whose own account sends it (a reply to mail that came in there); None:
    # the MAIL_* account.
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id"))

    attachments: Mapped[list[OutboundAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )
    # The return it acknowledges: set on the object, so that a batch's acknowledgements can
    # be queued before their returns are written (intake.py writes a batch at its end).
    submission = relationship("Submission")

    def __str__(self) -> str:
        return self.subject or f"#{self.id}"


class ReminderLog(db.Model):
    """A reminder queued for a unit on a dispatch's roster, by step: never twice per step."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("recipient_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipient.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(40))
    outbound_message_id: Mapped[int] = mapped_column(ForeignKey("outbound_message.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    outbound = relationship("OutboundMessage")


class OutboundAttachment(db.Model):
    """A file sent with an outbound message."""

    __tablename__ = "outbound_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbound_message_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    message: Mapped[OutboundMessage] = relationship(back_populates="attachments")
