"""What the overview page shows for each open dispatch."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal.database import utcnow
from portal.extensions import db
from portal.i18n import VIETNAM
from portal.models import (
    Dispatch,
    InboundMessage,
    InboundStatus,
    Mailbox,
    OutboundMessage,
    OutboundState,
    Recipient,
    RecipientState,
    ServiceState,
    Submission,
)
from portal.services import accounts, health


@dataclass
class DispatchProgress:
    dispatch: Dispatch
    states: Counter
    returns_by_day: list[tuple[dt.date, int]] = field(default_factory=list)
    awaiting: list[Recipient] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def reported(self) -> int:
        return self.total - self.states[RecipientState.AWAITING] - self.states[RecipientState.LATE]


def open_dispatches() -> list[DispatchProgress]:
    """Every open dispatch, soonest deadline first, with where its roster stands."""
    progress = []
    for dispatch in db.session.scalars(
        select(Dispatch).where(Dispatch.is_open).order_by(Dispatch.deadline)
    ):
        states = Counter(
            dict(
                db.session.execute(
                    select(Recipient.state, func.count())
                    .where(Recipient.dispatch_id == dispatch.id)
                    .group_by(Recipient.state)
                ).all()
            )
        )
        awaiting = db.session.scalars(
            select(Recipient).where(
                Recipient.dispatch_id == dispatch.id,
                Recipient.state.in_([RecipientState.AWAITING, RecipientState.LATE]),
            )
        ).all()
        progress.append(DispatchProgress(dispatch, states, _returns_by_day(dispatch), awaiting))
    return progress


def _returns_by_day(dispatch: Dispatch) -> list[tuple[dt.date, int]]:
    """Returns received per day (Vietnam time), first versions only."""
    times = db.session.scalars(
        select(Submission.received_at).where(
            Submission.dispatch_id == dispatch.id, Submission.version == 1
        )
    )
    per_day = Counter(t.astimezone(VIETNAM).date() for t in times)
    return sorted(per_day.items())


def queue_counts() -> dict[str, int]:
    return {
        "triage": db.session.scalar(
            select(func.count(InboundMessage.id)).where(
                InboundMessage.status == InboundStatus.TRIAGE
            )
        ),
        "unprocessed": db.session.scalar(
            select(func.count(InboundMessage.id)).where(
                InboundMessage.status.in_([InboundStatus.FAILED, InboundStatus.QUARANTINED])
            )
        ),
        "correspondence": db.session.scalar(
            select(func.count(InboundMessage.id)).where(
                InboundMessage.status == InboundStatus.CORRESPONDENCE,
                InboundMessage.needs_answer,
            )
        ),
        "failed_mail": db.session.scalar(
            select(func.count(OutboundMessage.id)).where(
                OutboundMessage.state.in_([OutboundState.FAILED, OutboundState.BOUNCED])
            )
        ),
    }


def bar_chart(
    days: list[tuple[dt.date, int]], deadline: dt.date, width: int = 360, height: int = 90
) -> str:
    """A small SVG bar chart of returns per day with the deadline marked (no CDN, no JS)."""
    if not days:
        return ""
    last = max(days[-1][0], deadline)
    # At most the last 60 days: enough to see the run-up to the deadline.
    first = max(min(days[0][0], deadline), last - dt.timedelta(days=59))
    days = [(day, count) for day, count in days if day >= first]
    span = (last - first).days + 1
    bar = max(2, width // span - 2)
    top = max((n for _d, n in days), default=1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 16}" '
        f'role="img"><title>Số báo cáo nhận theo ngày</title>'
    ]
    for day, count in days:
        x = (day - first).days * (width // span)
        h = round(height * count / top)
        parts.append(
            f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" fill="#0d6efd">'
            f"<title>{day:%d/%m/%Y}: {count}</title></rect>"
        )
    x = max(0, (deadline - first).days) * (width // span) + bar // 2
    parts.append(
        f'<line x1="{x}" y1="0" x2="{x}" y2="{height}" stroke="#dc3545" stroke-dasharray="4 2"/>'
    )
    parts.append(
        f'<text x="{x + 3}" y="{height + 12}" font-size="10" fill="#dc3545">'
        f"Hạn {deadline:%d/%m}</text></svg>"
    )
    return "".join(parts)


@dataclass
class ServiceLine:
    """One line of the overview's "is it working" box."""

    name: str  # the mailbox (user/folder), or "" for the outbox
    is_alarm: bool
    reason: str  # SERVICE_PROBLEMS code, or ''
    last_success_at: dt.datetime | None
    paused_until: dt.datetime | None = None
    error: str = ""
    title: str = ""  # how staff know it: the name given in the admin, else user/folder


def service_lines(now: dt.datetime | None = None) -> list[ServiceLine]:
    """Each mailbox ("read last at ...", red when failing or silent too long), then the
    outbox when it is paused or failing."""
    now = now or utcnow()
    names = {f"{box.user}/{box.folder}": box.name for box in db.session.scalars(select(Mailbox))}
    lines = []
    for state in health.mailbox_states():
        where = state.name.removeprefix("mailbox:")
        title = f"{names[where]} ({where})" if where in names else where
        lines.append(
            ServiceLine(
                where,
                health.is_alarming(state, now),
                state.reason,
                state.last_success_at,
                error=state.last_error,
                title=title,
            )
        )
    return lines + _sending_lines(now)


def _sending_lines(now: dt.datetime) -> list[ServiceLine]:
    """The accounts that cannot send now: the MAIL_* one, and mailboxes' own (by name)."""
    boxes = db.session.scalars(select(Mailbox))
    names = {accounts.outbox_service(box.id): box.name for box in boxes}
    failing = db.session.scalars(
        select(ServiceState)
        .where(ServiceState.name.like(f"{health.OUTBOX}%"), ServiceState.is_ok.is_(False))
        .order_by(ServiceState.name)
    )
    lines = []
    for state in failing:
        paused = state.paused_until if state.paused_until and state.paused_until > now else None
        title = names.get(state.name, "")
        line = ServiceLine("", True, state.reason, state.last_success_at, paused, state.last_error)
        line.title = title
        lines.append(line)
    return lines
