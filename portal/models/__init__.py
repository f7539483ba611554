"""The data model (docs/architecture.md, "Data model"); importing this package registers
every table."""

from portal.models.audit import AuditEvent
from portal.models.dispatch import Dispatch, Recipient, RecipientState
from portal.models.health import OAuthToken, ServiceProblem, ServiceState
from portal.models.mail import (
    Attachment,
    HoldReason,
    InboundMessage,
    InboundStatus,
    MailboxState,
    MailKind,
    OutboundAttachment,
    OutboundKind,
    OutboundMessage,
    OutboundState,
    ReminderLog,
)
from portal.models.mailbox import Mailbox
from portal.models.reference import OfficialPage
from portal.models.report import ConsolidatedReport, ReportSettings
from portal.models.submission import (
    Finding,
    PageClosure,
    Platform,
    Severity,
    Site,
    Submission,
    SubmissionStatus,
)
from portal.models.unit import Unit, UnitEmail
from portal.models.user import LoginAttempt, Role, StaffSession, User

__all__ = [
    "Attachment",
    "AuditEvent",
    "ConsolidatedReport",
    "Dispatch",
    "Finding",
    "HoldReason",
    "InboundMessage",
    "InboundStatus",
    "LoginAttempt",
    "Mailbox",
    "MailboxState",
    "MailKind",
    "OAuthToken",
    "PageClosure",
    "OfficialPage",
    "OutboundAttachment",
    "OutboundKind",
    "OutboundMessage",
    "OutboundState",
    "Platform",
    "Recipient",
    "ReminderLog",
    "ReportSettings",
    "RecipientState",
    "Role",
    "ServiceProblem",
    "ServiceState",
    "Severity",
    "Site",
    "StaffSession",
    "Submission",
    "SubmissionStatus",
    "Unit",
    "UnitEmail",
    "User",
]
