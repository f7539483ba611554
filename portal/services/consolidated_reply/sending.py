"""Sending the consolidated reply upstream: once per click, versions kept, who and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import (
    ConsolidatedReport,
    Dispatch,
    OutboundAttachment,
    OutboundKind,
    OutboundMessage,
    ReportSettings,
)
from portal.services import audit
from portal.services.blank_form import XLSX_TYPE
from portal.services.consolidated_reply.documents import (
    cover_letter,
    letter_filename,
    workbook,
    workbook_filename,
)
from portal.services.consolidated_reply.figures import Figures, consolidate, figures
from portal.services.dispatches import strip_header_value
from portal.services.mailout import templated_message
from portal.services.reminders import today_in_vietnam

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Documents:
    result: dict
    figures: Figures
    workbook: bytes
    letter: bytes
    today: dt.date


def report_settings() -> ReportSettings:
    """The settings staff saved (one row), or the defaults while they have saved none:
    nothing is written for it (a page that only shows them must not change the database)."""
    settings = db.session.scalar(select(ReportSettings).order_by(ReportSettings.id))
    return settings if settings is not None else ReportSettings.with_defaults()


def build(dispatch: Dispatch) -> Documents:
    result = consolidate(dispatch)
    counted = figures(result)
    today = today_in_vietnam()
    return Documents(
        result,
        counted,
        workbook(result, counted, today),
        cover_letter(dispatch, counted, report_settings(), today),
        today,
    )


def latest_version(dispatch: Dispatch) -> int:
    return (
        db.session.scalar(
            select(func.max(ConsolidatedReport.version)).where(
                ConsolidatedReport.dispatch_id == dispatch.id
            )
        )
        or 0
    )


def send_report(dispatch: Dispatch, after_version: int, actor: str) -> ConsolidatedReport | None:
    """Queue the consolidated reply as version after_version + 1; None when that version
    exists already (a double click, a replayed POST, a colleague who clicked first)."""
    if not dispatch.upstream_email:
        raise InvalidInput(_("This dispatch has no upstream address: add it first."))
    if latest_version(dispatch) != after_version:
        return None
    documents = build(dispatch)
    report = ConsolidatedReport(
        dispatch_id=dispatch.id,
        version=after_version + 1,
        sent_by=actor,
        workbook=documents.workbook,
        letter=documents.letter,
    )
    report.outbound = _report_email(dispatch, documents)
    db.session.add(report)
    try:
        db.session.flush()
        audit.record(
            "send",
            report,
            after={"version": report.version, "to": dispatch.upstream_email},
            actor=actor,
        )
        db.session.commit()
    except IntegrityError:  # two requests at once: the unique version lets one through
        db.session.rollback()
        return None
    return report


def safe_number(dispatch: Dispatch) -> str:
    return "".join("-" if ch in '\\/:*?"<>|' else ch for ch in dispatch.number)


def _report_email(dispatch: Dispatch, documents: Documents) -> OutboundMessage:
    """The email upstream (texts: templates/email/consolidated.*), a reply to the dispatch
    email when its Message-ID is known, with the workbook and the letter attached."""
    context = _mail_context(dispatch, documents.figures)
    thread = strip_header_value(dispatch.message_id)
    return templated_message(
        "consolidated",
        context,
        kind=OutboundKind.CONSOLIDATED,
        to_addresses=dispatch.upstream_email,
        dispatch_id=dispatch.id,
        headers={"In-Reply-To": thread, "References": thread} if thread else {},
        attachments=_attachments(dispatch, documents),
    )


def _mail_context(dispatch: Dispatch, counted: Figures) -> dict:
    """What the email's templates may say (their top comment lists them)."""
    return dict(
        settings=report_settings(),
        dispatch=dispatch,
        issued=f"{dispatch.issued_on:%d/%m/%Y}",
        units=counted.units,
        reported=counted.on_time + counted.late,
        on_time=counted.on_time,
        late=counted.late,
        rows=counted.rows,
    )


def _attachments(dispatch: Dispatch, documents: Documents) -> list[OutboundAttachment]:
    number = safe_number(dispatch)
    return [
        OutboundAttachment(
            filename=workbook_filename(number),
            content_type=XLSX_TYPE,
            content=documents.workbook,
        ),
        OutboundAttachment(
            filename=letter_filename(number),
            content_type=DOCX_TYPE,
            content=documents.letter,
        ),
    ]
