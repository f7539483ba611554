"""What people read for each stored code: states, platforms, roles, kinds of mail."""

from flask_babel import lazy_gettext as _l

from portal.models import (
    HoldReason,
    InboundStatus,
    OutboundKind,
    OutboundState,
    Platform,
    RecipientState,
    Role,
    SubmissionStatus,
)

RECIPIENT_STATES = {
    RecipientState.AWAITING: _l("Awaiting"),
    RecipientState.RECEIVED: _l("Received"),
    RecipientState.NEEDS_REVIEW: _l("Needs review"),
    RecipientState.ACCEPTED: _l("Accepted"),
    RecipientState.LATE: _l("Late"),
}

SUBMISSION_STATUSES = {
    SubmissionStatus.RECEIVED: _l("Received"),
    SubmissionStatus.NEEDS_REVIEW: _l("Needs review"),
    SubmissionStatus.ACCEPTED: _l("Accepted"),
    SubmissionStatus.REJECTED: _l("Rejected"),
}

PLATFORMS = {
    Platform.WEBSITE: _l("Website"),
    Platform.FACEBOOK_PAGE: _l("Facebook fanpage"),
    Platform.FACEBOOK_GROUP: _l("Facebook group"),
    Platform.FACEBOOK_PROFILE: _l("Personal Facebook profile"),
    Platform.ZALO: _l("Zalo official account"),
    Platform.TIKTOK: _l("TikTok"),
    Platform.YOUTUBE: _l("YouTube"),
    Platform.OTHER: _l("Other"),
}

ROLES = {
    Role.ADMIN: _l("Administrator"),
    Role.EDITOR: _l("Editor"),
    Role.VIEWER: _l("Viewer"),
}

INBOUND_STATUSES = {
    InboundStatus.NEW: _l("New"),
    InboundStatus.PROCESSED: _l("Processed"),
    InboundStatus.TRIAGE: _l("Awaiting triage"),
    InboundStatus.IGNORED: _l("Ignored"),
    InboundStatus.FAILED: _l("Could not be read"),
    InboundStatus.TOO_LARGE: _l("Too large"),
    InboundStatus.DUPLICATE: _l("Duplicate"),
    InboundStatus.QUARANTINED: _l("Set aside after repeated failures"),
    InboundStatus.CORRESPONDENCE: _l("Correspondence"),
}

# Why a message waits in triage (InboundMessage.hold_reason).
HOLD_REASONS = {
    HoldReason.UNKNOWN_SENDER: _l("The sender is not a registered unit address"),
    HoldReason.UNKNOWN_DISPATCH: _l("The dispatch it answers is not known"),
    HoldReason.SENDER_NOT_PROVEN: _l("The sender is not authenticated"),
    HoldReason.DANGEROUS: _l("It carries a dangerous file: not opened"),
    HoldReason.MOVED_BY_STAFF: _l("Moved here by a member of staff"),
}

# What the mailbox's own server said of the From address (InboundMessage.sender_proof).
SENDER_PROOFS = {
    "proven": _l("Authenticated by the mailbox's server"),
    "not_proven": _l("Not authenticated: the mailbox's server says the address is forged"),
    "unknown": _l("The mailbox's server says nothing about it"),
    "": _l("Not checked"),
}

# Why a message is, or is not, a return (mailin.kinds codes in InboundMessage.reasons).
MESSAGE_REASONS = {
    "form_file": _l("A spreadsheet or document file is attached"),
    "form_table": _l("The form is pasted as a table in the email"),
    "scan_or_photo": _l("A scan or a photo is attached"),
    "archive": _l("A compressed file is attached"),
    "no_attachment": _l("Text only, no file"),
    "only_inline_images": _l("Only pictures inside the email (a signature logo)"),
    "calendar_invite": _l("A calendar invitation"),
    "only_other_files": _l("Only files that are not the form"),
    "link_to_online_sheet": _l("A link to an online sheet instead of a file"),
    "executable_file": _l("A program file (.exe, .js, .lnk...)"),
    "path_in_file_name": _l("A file name with a folder path in it"),
    "address_in_name": _l("The sender's name holds another email address"),
}

MACHINE_REASONS = {
    "auto_submitted": _l("Marked as sent automatically (Auto-Submitted)"),
    "precedence": _l("Bulk or list mail (Precedence)"),
    "mailing_list": _l("Sent by a mailing list"),
    "auto_response_suppress": _l("Asks for no automatic reply (X-Auto-Response-Suppress)"),
    "out_of_office": _l("Out-of-office reply"),
    "delivery_report": _l("Delivery report (bounce)"),
    "null_return_path": _l("No return address (empty Return-Path)"),
    "robot_sender": _l("Sent from an automatic address (noreply, MAILER-DAEMON...)"),
    "own_message": _l("Our own message came back"),
}

MAIL_KINDS = {"person": _l("From a person"), "machine": _l("Automatic mail")}

OUTBOUND_STATES = {
    OutboundState.QUEUED: _l("Queued"),
    OutboundState.SENDING: _l("Sending"),
    OutboundState.SENT: _l("Sent"),
    OutboundState.FAILED: _l("Failed"),
    OutboundState.BOUNCED: _l("Bounced"),
    OutboundState.CANCELLED: _l("Cancelled"),
}

OUTBOUND_KINDS = {
    OutboundKind.ACKNOWLEDGEMENT: _l("Acknowledgement"),
    OutboundKind.REMINDER: _l("Reminder"),
    OutboundKind.CONSOLIDATED: _l("Consolidated report"),
    OutboundKind.OTHER: _l("Other"),
}

AUDIT_ACTIONS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "import": _l("Imported"),
    "send": _l("Sent"),
}

# Why a return's form gave no rows (Submission.read_error).
READING_PROBLEMS = {
    "no_attachment": _l("No form attached and no table in the email"),
    "no_rows": _l("The form was found but it has no rows"),
    "no_table": _l("No form found in the attached files"),
    "unreadable": _l("The attached file is damaged or of a kind that cannot be read"),
    "encrypted": _l("The attached file is protected by a password"),
    "manual_entry": _l("A scan or a photo: the rows must be typed in by staff"),
    "refused": _l("The attached file is unsafe to open and was refused"),
    "no_pages": _l("The unit says it runs no pages"),
}

# What the reader made of each attachment (Attachment.status).
ATTACHMENT_STATUSES = READING_PROBLEMS | {"read": _l("read"), "pending": _l("not read yet")}
# What staff are told of a file that carries macros (Attachment.has_macros).
MACROS_NOTE = _l("The file contains macros; they were not run")

# The row checks of docs/form.md ("Row checks"), as staff and units read them.
FINDINGS = {
    "missing_name": _l("The page name is missing"),
    "missing_url": _l("The page address is missing"),
    "bad_url": _l("The page address is not a usable web address or domain"),
    "bad_email": _l("The email address is malformed"),
    "non_vn_domain": _l("The website's domain is not under .vn (dispatch 422 asks for .vn)"),
    "facebook_profile": _l("A personal Facebook profile, where a Fanpage is asked for"),
    "not_youth_union_name": _l(
        "The page name does not carry the Youth Union organisation's "
        "name (Đoàn, Thanh niên, Tuổi trẻ...)"
    ),
    "duplicate_in_return": _l("The same address appears twice in this return"),
    "duplicate_other_unit": _l("Another unit has already reported this address"),
    "official_page": _l("This is one of the official pages, not the unit's own"),
}

# The checks of a dispatch's own form (mailin.forms.generic), each shown after the header
# of the column it is about: "Ngày sinh: not a date (dd/mm/yyyy)".
FIELD_FINDINGS = {
    "required": _l("required, but empty"),
    "invalid_email": _l("not a valid e-mail address"),
    "invalid_phone": _l("not a valid phone number"),
    "invalid_date": _l("not a date (dd/mm/yyyy)"),
    "invalid_number": _l("not a number"),
    "not_in_list": _l("not one of the values the form lists"),
    "invalid_yesno": _l("neither yes (Có) nor no (Không)"),
    "invalid_url": _l("not a usable web address or domain"),
    "duplicate_in_return": _l("the same value is on an earlier row of this return"),
}

# The register of pages (services/register.py): where a page stands, what changed.
PAGE_STATES = {
    "active": _l("active"),
    "dropped": _l("no longer reported"),
    "closed": _l("closed"),
}
PAGE_CHANGES = {
    "added": _l("page added"),
    "dropped": _l("page no longer listed"),
    "url_changed": _l("address changed"),
    "admin_changed": _l("administrator changed"),
    "renamed": _l("name changed"),
}

# Actors that are not a member of staff (those are shown by their email address).
ACTORS = {
    "system": _l("System"),
    "import-units": _l("Import of units (command line)"),
}

# The kinds of record the audit trail names (by model class).
OBJECT_TYPES = {
    "Unit": _l("Unit"),
    "Dispatch": _l("Dispatch"),
    "Recipient": _l("Roster entry"),
    "Submission": _l("Return"),
    "Site": _l("Page reported"),
    "Finding": _l("Finding"),
    "InboundMessage": _l("Incoming email"),
    "Attachment": _l("Attachment"),
    "OutboundMessage": _l("Outgoing email"),
    "OfficialPage": _l("Official page"),
    "User": _l("Staff account"),
    "ConsolidatedReport": _l("Consolidated report"),
    "ReportSettings": _l("Report settings"),
}


def choices(labels: dict) -> list[tuple[str, object]]:
    """(code, label) pairs for a select field."""
    return [(str(code), label) for code, label in labels.items()]


# Why the mailbox cannot be read or mail cannot go out (ServiceState.reason, MailboxError).
SERVICE_PROBLEMS = {
    "auth": _l("the server refused the login (a wrong, changed or revoked app password)"),
    "oauth": _l(
        "the mail provider refused the OAuth2 authorisation "
        "(the IT officer must run flask mail-oauth again)"
    ),
    "tls": _l("the server's certificate is not trusted"),
    "connection": _l("the server cannot be reached"),
    "store": _l("the database could not store the mail"),
    "quota": _l("the account's daily sending quota is spent"),
    "rate": _l("the server asks to send more slowly for now"),
}
