"""The returns of a dispatch with its own form (Dispatch.form): read with the form's fields
(mailin.forms.generic), each row's values kept by field key (Site.form_values), each
finding with the field it is about.

The sites-and-pages form keeps its own reader and rules (reading.py): this module is
only reached for a dispatch whose form staff gave it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from mailin.forms import ReadingStatus
from mailin.forms.columns import ROW_FIELDS
from mailin.forms.generic import SpecReading, SpecRow, read_html_with_spec, read_with_spec
from mailin.forms.spec import FieldType, FormSpec
from mailin.forms.values import platform_of
from mailin.text import fold
from portal.i18n import show_date, show_number
from portal.models import InboundMessage, Severity, Submission

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class CheckedRows:
    """A reading's rows as they are to be written: the site columns of each (without its
    submission), and each one's findings as (severity, code, field key: '' for the
    sites-and-pages form's own checks)."""

    values: list[dict] = field(default_factory=list)
    findings: list[list[tuple[str, str, str]]] = field(default_factory=list)

    def count_into(self, submission: Submission) -> None:
        """The submission's counts of rows, errors and warnings."""
        severities = [severity for found in self.findings for severity, _code, _key in found]
        submission.row_count = len(self.values)
        submission.error_count = severities.count(Severity.ERROR)
        submission.warning_count = len(severities) - submission.error_count


def read_spec_return(
    message: InboundMessage, html: str, spec: FormSpec
) -> tuple[SpecReading | None, int | None]:
    """(the best reading of the message's forms by `spec`, the attachment it came from):
    each attachment keeps its own status, as with the sites-and-pages form."""
    candidates: list[tuple[SpecReading, int | None]] = []
    for attachment in message.attachments:
        reading = read_with_spec(attachment.content or b"", spec)
        attachment.status, attachment.error = reading.status, reading.detail[:2000]
        attachment.has_macros = reading.macros  # never run; staff see MACROS_NOTE
        candidates.append((reading, attachment.id))
    if "<table" in html.lower():
        candidates.append((read_html_with_spec(html, spec), None))
    if not candidates:
        return None, None
    return max(candidates, key=lambda c: (c[0].status == ReadingStatus.READ, len(c[0].rows)))


def check_spec_rows(submission: Submission, reading: SpecReading) -> CheckedRows:
    """The reading's rows as `site` rows, their findings as the reader found them."""
    spec = submission.dispatch.form_spec
    checked = CheckedRows()
    if reading.status == ReadingStatus.READ:
        for position, row in enumerate(reading.rows):
            checked.values.append(_site_values(spec, position, row))
            checked.findings.append(
                [(Severity(severity), code, key) for severity, code, key in row.findings]
            )
    checked.count_into(submission)
    return checked


def _site_values(spec: FormSpec, position: int, row: SpecRow) -> dict:
    """A row of the form as a `site` row: its values by key, and, for lists and search,
    its first text as the name and its first web address as the URL."""
    name = _first(spec, row, (FieldType.TEXT,))
    url_field = next((one for one in spec.fields if one.type == FieldType.URL), None)
    url = row.raw.get(url_field.key, "") if url_field else ""
    url_key = str(row.values.get(url_field.key) or "") if url_field else ""
    return dict(
        {key: "" for key in ROW_FIELDS},
        position=position,
        sheet=row.sheet[:255],
        source_row=row.row,
        name=name[:500],
        name_folded=fold(name)[:500],
        platform=platform_of("", url_key) if url_key else "other",
        url=url[:2000],
        url_normalized=url_key[:2000],
        form_values=_kept_values(row),
    )


def _kept_values(row: SpecRow) -> dict:
    """Each field's value: as the reader made it (a number, yes/no, a date as YYYY-MM-DD),
    or, when the cell could not be read as its type, the text the unit typed, so staff
    see what was written next to the finding."""
    kept = {}
    for key, value in row.values.items():
        kept[key] = value if value is not None else (row.raw.get(key) or None)
    return kept


def _first(spec: FormSpec, row: SpecRow, types: tuple[FieldType, ...]) -> str:
    for one in spec.fields:
        value = row.values.get(one.key)
        if one.type in types and value:
            return str(value)
    return ""


def show_value(field_type: FieldType, value: object) -> str:
    """A stored value as staff read it: dates dd/mm/yyyy, numbers with Vietnamese
    separators, yes/no in words; text the unit typed that was not of the type, as typed."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float) and field_type in (FieldType.INTEGER, FieldType.DECIMAL):
        return show_number(value)
    if field_type == FieldType.DATE and isinstance(value, str) and _ISO_DATE.match(value):
        return show_date(dt.date.fromisoformat(value))
    return str(value)
