"""The register of pages ("Sổ theo dõi trang"): each unit's pages across the dispatches that
ask for the sites-and-pages form, as its returns tell them, dispatch after dispatch.

Not a table of its own: computed from the current returns (not rejected) of those
dispatches, in the order they were issued, so it never disagrees with them. A page is
known by its normalised address (by its folded name when it has none); a page whose
address changed while its name stayed is the same page. Staff may mark a page closed
(PageClosure): it then stays closed whatever later returns leave out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from mailin.text import fold, nfc
from portal.database import in_chunks
from portal.extensions import db
from portal.models import Dispatch, PageClosure, Site, Submission, SubmissionStatus, Unit
from portal.services import audit

ACTIVE, DROPPED, CLOSED = "active", "dropped", "closed"
ADDED, REMOVED, URL_CHANGED, ADMIN_CHANGED, RENAMED = (
    "added",
    "dropped",
    "url_changed",
    "admin_changed",
    "renamed",
)


@dataclass
class Page:
    """A page as one return lists it."""

    key: str
    name: str
    url: str
    platform: str
    admin_name: str


@dataclass
class Entry:
    """A unit's page in the register."""

    unit_id: int
    unit_code: str
    unit_name: str
    page: Page  # as last reported
    first_dispatch: str
    first_reported: dt.datetime
    last_dispatch: str
    last_confirmed: dt.datetime
    dispatches: list[str] = field(default_factory=list)
    status: str = ACTIVE
    closed_note: str = ""


@dataclass(frozen=True)
class Change:
    """What changed in a unit's pages from one of its returns to the next."""

    unit_code: str
    unit_name: str
    dispatch: str  # the later dispatch
    received: dt.datetime
    kind: str
    name: str
    before: str = ""
    after: str = ""


@dataclass
class Register:
    entries: list[Entry]
    changes: list[Change]


def page_key(url_normalized: str, name: str) -> str:
    """A page's key: its normalised address, or 'name:' and its folded name."""
    return (url_normalized or f"name:{fold(name)}")[:500]


def build_register(search: str = "", status: str = "") -> Register:
    """The register, its entries ordered by unit and name; `search` in a unit's name or
    code, a page's name or address (case and accents aside); `status` one of ACTIVE,
    DROPPED, CLOSED, or '' for all."""
    returns = _returns_by_unit()
    closed = _closures()
    entries, changes = [], []
    for (unit_id, code, name), history in returns.items():
        unit_entries, unit_changes = _follow(unit_id, code, name, history)
        for entry in unit_entries:
            note = closed.get((unit_id, entry.page.key))
            if note is not None:
                entry.status, entry.closed_note = CLOSED, note
        entries += unit_entries
        changes += unit_changes
    words = fold(search)
    if words:
        entries = [e for e in entries if words in _searchable(e)]
        changes = [c for c in changes if words in fold(f"{c.unit_code} {c.unit_name} {c.name}")]
    if status:
        entries = [e for e in entries if e.status == status]
    entries.sort(key=lambda e: (e.unit_name, fold(e.page.name), e.page.key))
    return Register(entries, changes)


def _searchable(entry: Entry) -> str:
    return fold(f"{entry.unit_code} {entry.unit_name} {entry.page.name} {entry.page.url}")


def _returns_by_unit() -> dict[tuple[int, str, str], list[tuple[str, dt.datetime, list[Page]]]]:
    """(unit id, code, name) → its returns in dispatch order: (dispatch number, received,
    pages). Two queries: the returns, then their rows."""
    found = db.session.execute(
        select(
            Submission.id, Unit.id, Unit.code, Unit.name, Dispatch.number, Submission.received_at
        )
        .join(Unit, Submission.unit_id == Unit.id)
        .join(Dispatch, Submission.dispatch_id == Dispatch.id)
        .where(
            Dispatch.form.is_(None),
            Submission.is_current,
            Submission.status != SubmissionStatus.REJECTED,
        )
        .order_by(Unit.name, Dispatch.issued_on, Dispatch.id)
    ).all()
    pages = _pages_of([row[0] for row in found])
    returns: dict = defaultdict(list)
    for submission_id, unit_id, code, name, number, received in found:
        returns[(unit_id, code, name)].append((number, received, pages.get(submission_id, [])))
    return returns


def _pages_of(submission_ids: list[int]) -> dict[int, list[Page]]:
    pages: dict[int, list[Page]] = defaultdict(list)
    columns = (Site.url_normalized, Site.name, Site.url, Site.platform, Site.admin_name)
    for chunk in in_chunks(submission_ids):
        rows = db.session.execute(
            select(Site.submission_id, *columns)
            .where(Site.submission_id.in_(chunk))
            .order_by(Site.submission_id, Site.position)
        )
        for submission_id, url_key, name, url, platform, admin in rows:
            if url_key or name:
                page = Page(page_key(url_key, name), name, url, str(platform), admin)
                pages[submission_id].append(page)
    return pages


def _follow(unit_id: int, code: str, name: str, history: list) -> tuple[list[Entry], list[Change]]:
    """A unit's returns in order: each page's entry, and what changed between returns."""
    entries: dict[str, Entry] = {}
    changes: list[Change] = []
    previous: dict[str, Page] | None = None
    for number, received, pages in history:
        current = {page.key: page for page in pages}
        if previous is not None:
            moved = _moved(previous, current)
            for old_key, new_key in moved.items():  # the same page at a new address
                entries[new_key] = entries.pop(old_key)
            changes += [
                Change(code, name, number, received, kind, *details)
                for kind, *details in _differences(previous, current, moved)
            ]
        for key, page in current.items():
            entry = entries.get(key)
            if entry is None:
                entry = entries[key] = Entry(
                    unit_id, code, name, page, number, received, number, received
                )
            entry.page, entry.last_dispatch, entry.last_confirmed = page, number, received
            entry.dispatches.append(number)
        previous = current
    for key, entry in entries.items():
        entry.status = ACTIVE if previous is not None and key in previous else DROPPED
    return list(entries.values()), changes


def _moved(before: dict[str, Page], after: dict[str, Page]) -> dict[str, str]:
    """Old key → new key of the pages whose address changed but not their name."""
    gone = {fold(page.name): key for key, page in before.items() if key not in after}
    moved = {}
    for key, page in after.items():
        if key not in before and page.name and fold(page.name) in gone:
            moved[gone.pop(fold(page.name))] = key
    return moved


def _differences(before: dict[str, Page], after: dict[str, Page], moved: dict[str, str]):
    """(kind, name, before, after) of each change, in the later return's order."""
    arrived = set(moved.values())
    for key, page in after.items():
        if key in arrived:
            old = before[next(k for k, v in moved.items() if v == key)]
            yield URL_CHANGED, page.name, old.url, page.url
        elif key not in before:
            yield ADDED, page.name or page.url, "", page.url
        else:
            yield from _edits(before[key], page)
    for key, page in before.items():
        if key not in after and key not in moved:
            yield REMOVED, page.name or page.url, page.url, ""


def _edits(old: Page, new: Page):
    if fold(old.admin_name) != fold(new.admin_name):
        yield ADMIN_CHANGED, new.name, old.admin_name, new.admin_name
    if old.name and new.name and fold(old.name) != fold(new.name):
        yield RENAMED, new.name, old.name, new.name


def _closures() -> dict[tuple[int, str], str]:
    return {
        (unit_id, key): note
        for unit_id, key, note in db.session.execute(
            select(PageClosure.unit_id, PageClosure.page_key, PageClosure.note)
        )
    }


def close_page(unit_id: int, key: str, note: str, user_id: int | None) -> None:
    """Mark a unit's page closed (a unit said it stopped running it); audited, committed."""
    closure = db.session.scalar(
        select(PageClosure).where(PageClosure.unit_id == unit_id, PageClosure.page_key == key)
    )
    if closure is None:
        closure = PageClosure(unit_id=unit_id, page_key=key[:500])
        db.session.add(closure)
    closure.note, closure.closed_by_id = nfc(note).strip()[:2000], user_id
    db.session.flush()
    audit.record("close", closure, after={"unit_id": unit_id, "page": key, "note": closure.note})
    db.session.commit()


def reopen_page(unit_id: int, key: str) -> None:
    """Undo `close_page`; audited, committed."""
    closure = db.session.scalar(
        select(PageClosure).where(PageClosure.unit_id == unit_id, PageClosure.page_key == key)
    )
    if closure is not None:
        audit.record("reopen", closure, before={"unit_id": unit_id, "page": key})
        db.session.delete(closure)
        db.session.commit()
