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
from portal.services.consolidated import Figures, consolidate, figures
from portal.services.dispatches import strip_header_value
from portal.services.forms import XLSX_TYPE
from portal.services.mailout import new_message_id
from portal.services.reminders import today_in_vietnam
from portal.services.report_files import cover_letter, workbook

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Documents:
    result: dict
    figures: Figures
    workbook: bytes
    letter: bytes
    today: dt.date


def report_settings() -> ReportSettings:
    """The one settings row (made with the defaults the first time it is needed)."""
    settings = db.session.scalar(select(ReportSettings).order_by(ReportSettings.id))
    if settings is None:
        settings = ReportSettings()
        db.session.add(settings)
        db.session.commit()
    return settings


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
    number = strip_header_value(dispatch.message_id)
    report = ConsolidatedReport(
        dispatch_id=dispatch.id,
        version=after_version + 1,
        sent_by=actor,
        workbook=documents.workbook,
        letter=documents.letter,
    )
    report.outbound = OutboundMessage(
        kind=OutboundKind.CONSOLIDATED,
        to_addresses=dispatch.upstream_email,
        subject=f"Báo cáo tổng hợp theo Công văn số {dispatch.number}",
        body_text=_letter_mail_body(dispatch, documents),
        message_id=new_message_id(),
        dispatch_id=dispatch.id,
        headers={"In-Reply-To": number, "References": number} if number else {},
        attachments=[
            OutboundAttachment(
                filename=f"Tổng hợp {safe_number(dispatch)}.xlsx",
                content_type=XLSX_TYPE,
                content=documents.workbook,
            ),
            OutboundAttachment(
                filename=f"Báo cáo {safe_number(dispatch)}.docx",
                content_type=DOCX_TYPE,
                content=documents.letter,
            ),
        ],
    )
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


def _letter_mail_body(dispatch: Dispatch, documents: Documents) -> str:
    counted = documents.figures
    return (
        f"Kính gửi: {report_settings().addressee},\n\n"
        f"Ban Thường vụ gửi báo cáo tổng hợp kết quả thực hiện Công văn số {dispatch.number} "
        f"ngày {dispatch.issued_on:%d/%m/%Y} (văn bản và danh sách chi tiết đính kèm).\n"
        f"Số đơn vị đã báo cáo: {counted.on_time + counted.late}/{counted.units}; "
        f"số trang/kênh được thống kê: {counted.rows}.\n\nTrân trọng."
    )
