"""What needs a person today ("Việc cần làm hôm nay"): the queues staff work through, each
counted, the units due tomorrow that have not reported, and the mailboxes' health."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.i18n import VIETNAM
from portal.models import (
    Dispatch,
    Recipient,
    RecipientState,
    Submission,
    SubmissionStatus,
    Unit,
)
from portal.services.overview import ServiceLine, queue_counts, service_lines

SHOWN = 20  # returns listed by name; the rest counted


@dataclass
class DueTomorrow:
    dispatch: Dispatch
    units: list[str]  # not reported yet, by name


@dataclass
class Today:
    day: dt.date
    to_review: list[Submission]
    review_count: int
    queues: dict[str, int]  # overview.queue_counts: triage, correspondence, failed_mail...
    due_tomorrow: list[DueTomorrow] = field(default_factory=list)
    services: list[ServiceLine] = field(default_factory=list)


def today(now: dt.datetime | None = None) -> Today:
    now = now or utcnow()
    day = now.astimezone(VIETNAM).date()
    waiting = (
        select(Submission)
        .where(Submission.is_current, Submission.status == SubmissionStatus.NEEDS_REVIEW)
        .order_by(Submission.received_at)
    )
    to_review = list(db.session.scalars(waiting.limit(SHOWN)))
    count = len(to_review)
    if count == SHOWN:
        count = len(db.session.scalars(waiting.with_only_columns(Submission.id)).all())
    return Today(day, to_review, count, queue_counts(), _due_tomorrow(day), service_lines(now))


def _due_tomorrow(day: dt.date) -> list[DueTomorrow]:
    """The open dispatches due tomorrow, each with the units that have not reported."""
    dispatches = db.session.scalars(
        select(Dispatch)
        .where(Dispatch.is_open, Dispatch.deadline == day + dt.timedelta(days=1))
        .order_by(Dispatch.number)
    ).all()
    due = []
    for dispatch in dispatches:
        names = db.session.scalars(
            select(Unit.name)
            .join(Recipient, Recipient.unit_id == Unit.id)
            .where(
                Recipient.dispatch_id == dispatch.id,
                Recipient.state.in_([RecipientState.AWAITING, RecipientState.LATE]),
            )
            .order_by(Unit.name)
        ).all()
        due.append(DueTomorrow(dispatch, list(names)))
    return due
