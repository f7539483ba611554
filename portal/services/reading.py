"""Reading a return's form (attachments, or a table in the email) into its rows."""

from __future__ import annotations

from sqlalchemy import delete, select

from mailin.forms import FormReading, FormRow, MessageForms, ReadingStatus, read_all
from mailin.forms.columns import ROW_FIELDS
from mailin.forms.generic import SpecReading
from mailin.message import ParsedMessage
from mailin.text import fold, nfc
from portal.database import among, bulk_insert, in_chunks
from portal.extensions import db
from portal.models import (
    Dispatch,
    Finding,
    InboundMessage,
    OfficialPage,
    Severity,
    Site,
    Submission,
    Unit,
)
from portal.services import batch_lookups
from portal.services.spec_rows import CheckedRows, check_spec_rows, read_spec_return

# What a fetch batch keeps (batch_lookups): the findings of each return it recorded, by
# submission (the acknowledgement lists them), and the rows it writes at its end.
FINDINGS_WRITTEN, ROWS_TO_WRITE = "findings_written", "rows_to_write"
REPORTS_OF_URLS, FORMS_READ_AHEAD = "reports_of_urls", "forms_read_ahead"


def official_page_keys() -> frozenset[str]:
    return frozenset(db.session.scalars(select(OfficialPage.url_normalized)))


def read_return(
    message: InboundMessage, parsed: ParsedMessage, ahead: MessageForms | None = None
) -> tuple[FormReading | None, int | None]:
    """(the best reading of the message's forms, the attachment it came from).

    Every attachment is read and keeps its own status; the email's HTML is read too when
    it holds a table. The best reading is the one with the form and the most rows.
    `ahead`: the same readings, already made by a read-ahead worker (readahead.py).
    """
    attachments = list(message.attachments)
    if ahead is None:
        contents = [attachment.content or b"" for attachment in attachments]
        ahead = read_all(contents, parsed.html, official_page_keys())
    readings, pasted = ahead
    candidates: list[tuple[FormReading, int | None]] = []
    for attachment, reading in zip(attachments, readings, strict=True):
        attachment.status, attachment.error = reading.status, reading.detail[:2000]
        attachment.has_macros = reading.macros  # never run; staff see MACROS_NOTE
        candidates.append((reading, attachment.id))
    if pasted is not None:
        candidates.append((pasted, None))
    if not candidates:
        return None, None
    return max(candidates, key=lambda c: (c[0].status == ReadingStatus.READ, len(c[0].rows)))


def read_for_dispatch(
    message: InboundMessage,
    parsed: ParsedMessage,
    dispatch: Dispatch | None,
    ahead: MessageForms | None = None,
) -> tuple[FormReading | SpecReading | None, int | None]:
    """The message's forms read with its dispatch's own form, or with the sites-and-pages
    form (`ahead`: that reading, made by a worker). The intake, triage and re-reading all
    come here."""
    spec = dispatch.form_spec if dispatch is not None else None
    if spec is not None:
        return read_spec_return(message, parsed.html, spec)
    return read_return(message, parsed, ahead)


def unit_by_line(line: str) -> Unit | None:
    """The one unit whose name is the form's 'Đơn vị: ...' line (case and accents aside)."""
    folded = fold(line)
    if not folded:
        return None
    units = db.session.scalars(select(Unit).where(Unit.name_folded == folded)).all()
    return units[0] if len(units) == 1 else None


def store_rows(submission: Submission, reading: FormReading | None) -> None:
    """Replace the submission's rows with the reading's, with their findings and counts."""
    write_rows(submission, check_rows(submission, reading))


def check_rows(submission: Submission, reading: FormReading | None) -> CheckedRows:
    """The reading's rows and their findings, the submission's counts set from them; nothing
    written (the caller sets the rest of the submission, then write_rows: one INSERT)."""
    if reading is None or reading.status != ReadingStatus.READ or not reading.rows:
        submission.row_count = submission.error_count = submission.warning_count = 0
        return CheckedRows()
    if isinstance(reading, SpecReading):  # a dispatch's own form
        return check_spec_rows(submission, reading)
    taken = _urls_of_other_units(
        submission, {row.url_normalized for row in reading.rows if row.url_normalized}
    )
    checked = CheckedRows(
        [_site_values(position, row) for position, row in enumerate(reading.rows)],
        [_row_findings(row, taken) for row in reading.rows],
    )
    checked.count_into(submission)
    return checked


def write_rows(submission: Submission, checked: CheckedRows) -> None:
    """Write the submission and its rows in place of any earlier ones: at once, or, in a
    fetch batch, with the whole batch's at its end (write_batch_rows)."""
    batch_lookups.record(  # for the acknowledgement, as acknowledge._finding_lines reads them
        FINDINGS_WRITTEN,
        submission,
        [
            (site["sheet"], site["source_row"], severity, code, key)
            for site, found in zip(checked.values, checked.findings, strict=True)
            for severity, code, key in found
        ],
    )
    if submission.id is not None:  # a replay re-reads the form: its earlier rows go first
        _delete_rows(submission.id)
        db.session.expire(submission, ["sites"])
    if batch_lookups.is_open():
        batch_lookups.remembered(ROWS_TO_WRITE, list).append((submission, checked))
        return
    db.session.flush()  # the submission's id, for the rows' foreign key
    _insert_rows([(submission, checked)])


def write_batch_rows() -> None:
    """The end of a fetch batch: every pending object flushed at once (the submissions,
    the messages, the roster lines, the acknowledgements: one statement a table where
    the database allows), then every return's rows and findings, one INSERT each.

    Written with bulk INSERTs, not one ORM object per row and finding: on a deadline day
    this is most of the poller's database work."""
    db.session.flush()
    _insert_rows(batch_lookups.remembered(ROWS_TO_WRITE, list))


def _insert_rows(returns: list[tuple[Submission, CheckedRows]]) -> None:
    returns = [(submission, checked) for submission, checked in returns if checked.values]
    if not returns:  # never an INSERT of no rows (SQLAlchemy: … DEFAULT VALUES)
        return
    bulk_insert(
        db.session,
        Site,
        [
            dict(site, submission_id=submission.id)
            for submission, checked in returns
            for site in checked.values
        ],
    )
    site_ids = _site_ids([submission.id for submission, _ in returns])
    finding_values = [
        dict(site_id=site_id, severity=severity, code=code, field=key)
        for submission, checked in returns
        for site_id, found in zip(site_ids[submission.id], checked.findings, strict=True)
        for severity, code, key in found
    ]
    bulk_insert(db.session, Finding, finding_values)
    for submission, _checked in returns:  # loaded again if anyone asks (the review)
        db.session.expire(submission, ["sites"])


def _site_ids(submission_ids: list[int]) -> dict[int, list[int]]:
    """The rows' ids of each submission, by position. (Not INSERT … RETURNING: with the
    order of the rows kept, SQLAlchemy sends SQLite one INSERT per row, and PostgreSQL an
    INSERT from a sorted VALUES list that took 3 ms a return against 1.3 for the two
    statements.)"""
    found: dict[int, list[int]] = {submission_id: [] for submission_id in submission_ids}
    for chunk in in_chunks(submission_ids):
        rows = db.session.execute(
            select(Site.submission_id, Site.id)
            .where(among(Site.submission_id, chunk))
            .order_by(Site.submission_id, Site.position)
        )
        for submission_id, site_id in rows:
            found[submission_id].append(site_id)
    return found


def _delete_rows(submission_id: int) -> None:
    """A replay re-reads the form: its earlier rows and their findings go first."""
    earlier = select(Site.id).where(Site.submission_id == submission_id)
    db.session.execute(
        delete(Finding).where(Finding.site_id.in_(earlier)),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(Site).where(Site.submission_id == submission_id),
        execution_options={"synchronize_session": False},
    )


def _site_values(position: int, row: FormRow) -> dict:
    """One row's columns, as the Site model would set them (name in NFC, and folded)."""
    values = {key: row.values.get(key, "") for key in ROW_FIELDS if key != "platform"}
    values["name"] = nfc(values["name"] or "").strip()
    return dict(
        values,
        position=position,
        sheet=row.sheet[:255],
        source_row=row.row,
        platform=row.platform,
        url_normalized=row.url_normalized[:2000],
        name_folded=row.name_folded or fold(values["name"]),  # folded by the reader, mostly
        form_values=None,  # the same keys as a row of a dispatch's own form (spec_rows.py)
    )


def _row_findings(row: FormRow, taken: set[str]) -> list[tuple[str, str, str]]:
    """(severity, code, '') of a row: its errors, then its warnings, a URL another unit
    reported among them (before the official-page note, as staff read them)."""
    warnings = list(row.warnings)
    if row.url_normalized and row.url_normalized in taken:
        warnings.insert(
            warnings.index("official_page") if "official_page" in warnings else len(warnings),
            "duplicate_other_unit",
        )
    return [(Severity.ERROR, code, "") for code in row.errors] + [
        (Severity.WARNING, code, "") for code in warnings
    ]


def _urls_of_other_units(submission: Submission, urls: set[str]) -> set[str]:
    """Which of `urls` other units already reported for the same dispatch (their current
    returns), as stored, and among the rows the fetch batch has not written yet."""
    stored = {
        url
        for url, reports in _reports_of(urls).items()
        for dispatch_id, unit_id in reports
        if dispatch_id == submission.dispatch_id and unit_id != submission.unit_id
    }
    return stored | _urls_in_batch(submission, urls)


def _reports_of(urls: set[str]) -> dict[str, list[tuple[int, int]]]:
    """URL → (dispatch, unit) of each current return holding it, as stored. In a fetch
    batch one query also answers the URLs of the batch's forms already read ahead, so
    most returns of a busy morning ask nothing (their rows are not stored before the
    batch's end: what the batch reads stays true through it)."""
    if not batch_lookups.is_open():
        return _query_reports(urls)
    asked, found = batch_lookups.remembered(REPORTS_OF_URLS, lambda: (set(), {}))
    if not urls <= asked:
        wanted = urls | (_urls_read_ahead() - asked)
        found.update(_query_reports(wanted))
        asked.update(wanted)
    return {url: found[url] for url in urls if url in found}


def _urls_read_ahead() -> set[str]:
    """The URLs in the batch's forms that workers have finished reading."""
    urls: set[str] = set()
    for forms in batch_lookups.remembered(FORMS_READ_AHEAD, list):
        if forms.done() and not forms.cancelled() and forms.exception() is None:
            readings, pasted = forms.result()
            for reading in [*readings, pasted]:
                if reading is not None:
                    urls.update(row.url_normalized for row in reading.rows)
    urls.discard("")
    return urls


def _query_reports(urls: set[str]) -> dict[str, list[tuple[int, int]]]:
    """Two indexed steps: the rows with those URLs, then which of their submissions are
    current. (One join let SQLite start from the dispatch's submissions instead: every
    return read all the others, and the intake slowed as the dispatch filled.) Without
    autoflush: the submission being checked is written once, complete."""
    found: list[tuple[str, int]] = []
    for chunk in in_chunks(sorted(urls)):
        found += db.session.execute(
            select(Site.url_normalized, Site.submission_id)
            .where(among(Site.url_normalized, chunk))
            .execution_options(autoflush=False)
        ).all()
    current: dict[int, tuple[int, int]] = {}
    for chunk in in_chunks(sorted({submission_id for _, submission_id in found})):
        current.update(
            (submission_id, (dispatch_id, unit_id))
            for submission_id, dispatch_id, unit_id in db.session.execute(
                select(Submission.id, Submission.dispatch_id, Submission.unit_id)
                .where(among(Submission.id, chunk), Submission.is_current)
                .execution_options(autoflush=False)
            )
        )
    reports: dict[str, list[tuple[int, int]]] = {}
    for url, submission_id in found:
        if submission_id in current:
            reports.setdefault(url, []).append(current[submission_id])
    return reports


def _urls_in_batch(submission: Submission, urls: set[str]) -> set[str]:
    """Which of `urls` other units' current returns hold among those the fetch batch has
    not written yet (written at its end)."""
    found: set[str] = set()
    for other, checked in batch_lookups.remembered(ROWS_TO_WRITE, list):
        counts = (
            other.dispatch_id == submission.dispatch_id
            and other.unit_id != submission.unit_id
            and other.is_current
        )
        if counts:
            found.update(site["url_normalized"] for site in checked.values)
    return found & urls
