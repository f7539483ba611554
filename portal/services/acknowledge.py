"""Acknowledgements: each real return answered once, in Vietnamese, with what was read.

An acknowledgement is an outbox row added in the same transaction as the return it
answers; the outbox sender delivers it. Never to machine mail, at most ACK_LIMIT per
sender within ACK_WINDOW_MINUTES, one per inbound message whatever happens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from mailin.forms import ReadingStatus
from mailin.headers import message_ids
from mailin.message import references_of
from portal.database import among, utcnow
from portal.extensions import db
from portal.i18n import VIETNAM, show_date, show_datetime
from portal.labels import FIELD_FINDINGS, FINDINGS, READING_PROBLEMS
from portal.models import (
    Finding,
    InboundMessage,
    MailKind,
    OutboundKind,
    OutboundMessage,
    Severity,
    Site,
    Submission,
)
from portal.services import audit, batch_lookups
from portal.services.accounts import mailbox_id_of
from portal.services.blank_form import template_attachment
from portal.services.dispatches import strip_header_value
from portal.services.mailout import templated_message
from portal.services.reading import FINDINGS_WRITTEN

# What a batch remembers (batch_lookups): the kinds of reply each message has, the automatic
# replies each address had lately (and reading.py: the findings of the returns it recorded).
REPLY_KINDS, RECENT_REPLIES = "reply_kinds", "recent_replies"


@dataclass(frozen=True)
class FindingLine:
    sheet: str  # the spreadsheet's sheet the row is on, or "" (the template says "Dòng N")
    row: int
    message: str
    is_error: bool


def may_acknowledge(message: InboundMessage, kind: str = OutboundKind.ACKNOWLEDGEMENT) -> bool:
    """A person's message not yet answered this way, from a sender under the cap.

    The triage reply (kind OTHER) and the acknowledgement of the return are separate: a
    message staff assign after triage still gets its acknowledgement, once.
    """
    if message.kind != MailKind.PERSON or not message.from_address or is_stale(message):
        return False
    if kind in _reply_kinds(message.id):
        return False
    return _recent_replies(message.from_address) < current_app.config["ACK_LIMIT"]


def _reply_kinds(message_id: int) -> set[str]:
    """The kinds of reply already queued for the message."""
    found, kinds = batch_lookups.known(REPLY_KINDS, message_id, default=set())
    if found:
        return kinds
    return set(
        db.session.scalars(
            select(OutboundMessage.kind).where(OutboundMessage.inbound_message_id == message_id)
        )
    )


def _recent_replies(address: str) -> int:
    """Our automatic replies to the address within ACK_WINDOW_MINUTES (the cap counts them)."""
    found, recent = batch_lookups.known(RECENT_REPLIES, address, default=0)
    if found:
        return recent
    return _count_recent_replies([address]).get(address, 0)


def _count_recent_replies(addresses: list[str]) -> dict[str, int]:
    since = utcnow() - dt.timedelta(minutes=current_app.config["ACK_WINDOW_MINUTES"])
    return dict(
        db.session.execute(
            select(OutboundMessage.to_addresses, func.count(OutboundMessage.id))
            .where(
                OutboundMessage.kind.in_([OutboundKind.ACKNOWLEDGEMENT, OutboundKind.OTHER]),
                among(OutboundMessage.to_addresses, addresses),
                OutboundMessage.created_at >= since,
            )
            .group_by(OutboundMessage.to_addresses)
        ).all()
    )


def prefetch_replies(messages: list[InboundMessage]) -> None:
    """What may_acknowledge asks of each message of a batch, asked once for the batch."""
    batch_lookups.prefetch(
        REPLY_KINDS,
        [message.id for message in messages],
        lambda chunk: _group(
            db.session.execute(
                select(OutboundMessage.inbound_message_id, OutboundMessage.kind).where(
                    among(OutboundMessage.inbound_message_id, chunk)
                )
            )
        ),
    )
    addresses = [message.from_address for message in messages if message.from_address]
    batch_lookups.prefetch(RECENT_REPLIES, addresses, _count_recent_replies)


def _group(pairs) -> dict:
    grouped: dict = {}
    for key, value in pairs:
        grouped.setdefault(key, set()).add(value)
    return grouped


def _count_reply(outbound: OutboundMessage) -> None:
    """A reply queued: the later messages of the batch see it."""
    kinds = _reply_kinds(outbound.inbound_message_id) | {outbound.kind}
    batch_lookups.record(REPLY_KINDS, outbound.inbound_message_id, kinds)
    if outbound.kind in (OutboundKind.ACKNOWLEDGEMENT, OutboundKind.OTHER):
        recent = _recent_replies(outbound.to_addresses) + 1
        batch_lookups.record(RECENT_REPLIES, outbound.to_addresses, recent)


def is_stale(message: InboundMessage) -> bool:
    """It reached the mailbox more than ACK_MAX_AGE_DAYS ago: too old for an automatic
    reply (a first run over an old inbox, a poller back after a week)."""
    age = dt.timedelta(days=current_app.config["ACK_MAX_AGE_DAYS"])
    return message.received_at is not None and message.received_at < utcnow() - age


def acknowledge_return(message: InboundMessage, submission: Submission) -> OutboundMessage | None:
    """Queue the acknowledgement of a recorded return (not committed: the caller does)."""
    if not may_acknowledge(message):
        return None
    dispatch = submission.dispatch
    with force_locale("vi"):
        context = dict(
            unit=submission.unit,
            dispatch=dispatch,
            submission=submission,
            received_at=show_datetime(message.received_at),
            deadline=show_date(dispatch.deadline),
            late=message.received_at.astimezone(VIETNAM).date() > dispatch.deadline,
            no_pages=submission.read_error == ReadingStatus.NO_PAGES,
            problem=""
            if submission.read_error == ReadingStatus.NO_PAGES
            else str(READING_PROBLEMS.get(submission.read_error, "")),
            findings=_finding_lines(submission),
        )
        outbound = reply_to(message, "acknowledgement", context)
    outbound.submission, outbound.dispatch_id = submission, dispatch.id
    if submission.read_error and submission.read_error != ReadingStatus.NO_PAGES:
        outbound.attachments = [template_attachment(dispatch, submission.unit)]
    return outbound


def acknowledge_triage(message: InboundMessage) -> OutboundMessage | None:
    """Queue a short reply saying the message waits for staff to identify it."""
    if not current_app.config["ACK_TRIAGE"] or not may_acknowledge(message, OutboundKind.OTHER):
        return None
    with force_locale("vi"):
        return reply_to(
            message,
            "triage",
            dict(
                subject=message.subject,
                received_at=show_datetime(message.received_at),
                unit_known=message.unit_id is not None,
                dispatch_known=message.dispatch_id is not None,
            ),
            kind=OutboundKind.OTHER,
        )


def reply_to(
    message: InboundMessage, template: str, context: dict, kind: str = OutboundKind.ACKNOWLEDGEMENT
) -> OutboundMessage:
    """An outbox row answering `message`, threaded to it (RFC 3834 headers); its texts are
    templates/email/<template>.subject.txt, .txt and (when there is one) .html."""
    their_id = strip_header_value(message.message_id)
    references = " ".join(filter(None, [strip_header_value(_references(message)), their_id]))
    outbound = templated_message(
        template,
        context | {"reply_subject": reply_subject(message.subject)},
        kind=kind,
        to_addresses=message.from_address,
        inbound_message_id=message.id,
        mailbox_id=mailbox_id_of(message),  # leaves through the account it came in on
        headers={
            "In-Reply-To": their_id,
            "References": references,
            "Auto-Submitted": "auto-replied",
            "X-Auto-Response-Suppress": "All",
        },
    )
    db.session.add(outbound)
    if batch_lookups.is_open():
        _count_reply(outbound)
    return outbound


def reply_subject(subject: str) -> str:
    """'Re: ' and the subject answered (as it is when it has a reply prefix already), or ''
    when it has none (the subject's template then says what the reply is)."""
    subject = strip_header_value(subject)[:900]
    if not subject:
        return ""
    return subject if subject.lower().startswith(("re:", "tl:", "trả lời:")) else f"Re: {subject}"


def _references(message: InboundMessage) -> str:
    """The References of the message we answer (kept short: the last ten)."""
    references = references_of(message.raw or b"")
    return " ".join(message_ids(" ".join(references))[-10:])


def _finding_lines(submission: Submission) -> list[FindingLine]:
    """Each finding of the submission's rows, row by row, a row's errors first: one query
    (none when the batch just wrote them)."""
    written, found = batch_lookups.known(FINDINGS_WRITTEN, submission)
    found = (
        found
        if written
        else db.session.execute(
            select(Site.sheet, Site.source_row, Finding.severity, Finding.code, Finding.field)
            .join(Finding, Finding.site_id == Site.id)
            .where(Site.submission_id == submission.id)
            .order_by(Site.position, Finding.severity != Severity.ERROR, Finding.id)
        )
    )
    headers = _headers_of(submission)
    return [
        FindingLine(
            sheet or "",
            source_row,
            finding_text(code, headers.get(key)),
            severity == Severity.ERROR,
        )
        for sheet, source_row, severity, code, key in found
    ]


def _headers_of(submission: Submission) -> dict[str, str]:
    """The headers of the dispatch's own form by field key ({} for sites-and-pages)."""
    spec = submission.dispatch.form_spec
    return {one.key: one.header for one in spec.fields} if spec else {}


def finding_text(code: str, header: str | None = None) -> str:
    """A finding as units and staff read it; on a dispatch's own form, named by the
    header of the column it is about ('Ngày sinh: not a date (dd/mm/yyyy)')."""
    if header:
        return f"{header}: {FIELD_FINDINGS.get(code, code)}"
    return str(FINDINGS.get(code, code))


def acknowledge_staff_return(
    message: InboundMessage, submission: Submission, before: dict, after: dict
) -> Submission:
    """A return staff recorded by hand (assigned from triage, or "no pages" from the
    correspondence queue): acknowledged like any return, the message's change audited;
    committed."""
    db.session.flush()  # the rows and findings the acknowledgement lists
    acknowledge_return(message, submission)
    audit.record("update", message, before=before, after=after)
    db.session.commit()
    return submission
