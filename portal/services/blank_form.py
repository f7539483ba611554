"""The blank form of a dispatch, for download and as an attachment to outgoing mail."""

from __future__ import annotations

import re

from mailin.forms.spec_template import spec_blank_form
from mailin.forms.template import blank_form
from portal.models import Dispatch, OutboundAttachment, Unit
from portal.texts import render_line

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_for(dispatch: Dispatch, unit: Unit | None = None) -> bytes:
    """The xlsx form for this dispatch (its own, or the sites-and-pages form), with the
    unit's name in it when given."""
    spec = dispatch.form_spec
    if spec is not None:
        return spec_blank_form(spec, dispatch.number, dispatch.subject, unit.name if unit else "")
    return blank_form(dispatch.number, dispatch.subject, unit.name if unit else "")


def template_filename(dispatch: Dispatch, unit: Unit | None = None) -> str:
    """'Mẫu báo cáo 422-CV-TĐTN-TG.xlsx' (no path separators; Vietnamese kept); the
    text is templates/documents/form.filename.txt."""
    number = re.sub(r"[\\\\/:*?\"<>|]+", "-", dispatch.number).strip("- ")
    return render_line("documents/form.filename.txt", number=number, unit=unit) + ".xlsx"


def template_attachment(dispatch: Dispatch, unit: Unit | None = None) -> OutboundAttachment:
    """The form as an attachment for an outbound message."""
    return OutboundAttachment(
        filename=template_filename(dispatch, unit),
        content_type=XLSX_TYPE,
        content=template_for(dispatch, unit),
    )
