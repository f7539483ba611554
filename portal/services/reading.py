"""Reading a return's form (attachments, or a table in the email) into its rows."""

from __future__ import annotations

from sqlalchemy import select

from mailin.forms import READ, FormReading, read_form, read_html_form
from mailin.message import ParsedMessage
from mailin.text import fold
from portal.extensions import db
from portal.models import (
    Finding,
    InboundMessage,
    OfficialPage,
    Severity,
    Site,
    Submission,
    Unit,
)

MACROS_NOTE = "macros"  # Attachment.error begins so when the file carries macros

SITE_FIELDS = (
    "name",
    "platform",
    "url",
    "agency",
    "contact",
    "admin_name",
    "phone",
    "email",
    "note",
)


def official_page_keys() -> frozenset[str]:
    return frozenset(db.session.scalars(select(OfficialPage.url_normalized)))


def read_return(
    message: InboundMessage, parsed: ParsedMessage
) -> tuple[FormReading | None, int | None]:
    """(the best reading of the message's forms, the attachment it came from).

    Every attachment is read and keeps its own status; the email's HTML is read too when
    it holds a table. The best reading is the one with the form and the most rows.
    """
    official = official_page_keys()
    candidates: list[tuple[FormReading, int | None]] = []
    for attachment in message.attachments:
        reading = read_form(attachment.content or b"", official)
        attachment.status, attachment.error = reading.status, reading.detail[:2000]
        if reading.macros:  # never run; staff see the note (ATTACHMENT_NOTES)
            attachment.error = f"{MACROS_NOTE}: {reading.detail}"[:2000]
        candidates.append((reading, attachment.id))
    if "<table" in parsed.html.lower():
        candidates.append((read_html_form(parsed.html, official), None))
    if not candidates:
        return None, None
    return max(candidates, key=lambda c: (c[0].status == READ, len(c[0].rows)))


def unit_by_line(line: str) -> Unit | None:
    """The one unit whose name is the form's 'Đơn vị: ...' line (case and accents aside)."""
    folded = fold(line)
    if not folded:
        return None
    units = db.session.scalars(select(Unit).where(Unit.name_folded == folded)).all()
    return units[0] if len(units) == 1 else None


def store_rows(submission: Submission, reading: FormReading | None) -> None:
    """Replace the submission's rows with the reading's, with their findings and counts."""
    submission.sites = []
    db.session.flush()
    if reading is None or reading.status != READ:
        submission.row_count = submission.error_count = submission.warning_count = 0
        return
    taken = _urls_of_other_units(
        submission, {row.url_normalized for row in reading.rows if row.url_normalized}
    )
    for position, row in enumerate(reading.rows):
        site = Site(
            position=position,
            sheet=row.sheet[:255],
            source_row=row.row,
            platform=row.platform,
            url_normalized=row.url_normalized[:2000],
            **{key: row.values.get(key, "") for key in SITE_FIELDS if key != "platform"},
        )
        warnings = list(row.warnings)
        if row.url_normalized and row.url_normalized in taken:
            warnings.insert(
                warnings.index("official_page") if "official_page" in warnings else len(warnings),
                "duplicate_other_unit",
            )
        site.findings = [Finding(severity=Severity.ERROR, code=c) for c in row.errors] + [
            Finding(severity=Severity.WARNING, code=c) for c in warnings
        ]
        submission.sites.append(site)
    submission.row_count = len(reading.rows)
    submission.error_count = sum(
        1 for site in submission.sites for f in site.findings if f.severity == Severity.ERROR
    )
    submission.warning_count = sum(
        1 for site in submission.sites for f in site.findings if f.severity == Severity.WARNING
    )


def _urls_of_other_units(submission: Submission, urls: set[str]) -> set[str]:
    """Which of `urls` other units already reported for the same dispatch (their current
    returns). Only these URLs are looked up (by the url_normalized index), in chunks: the
    dispatch's other rows are never all loaded, whatever their number."""
    ordered, taken = sorted(urls), set()
    for start in range(0, len(ordered), 500):
        taken.update(
            db.session.scalars(
                select(Site.url_normalized)
                .join(Submission)
                .where(
                    Submission.dispatch_id == submission.dispatch_id,
                    Submission.unit_id != submission.unit_id,
                    Submission.is_current,
                    Site.url_normalized.in_(ordered[start : start + 500]),
                )
            )
        )
    return taken
