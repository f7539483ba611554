"""The portal's own health: is the mailbox being read, can mail go out? For the overview
(in Vietnamese) and for a monitoring tool (/healthz, JSON without secrets)."""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.database import utcnow
from portal.extensions import db
from portal.models import ServiceProblem, ServiceState

OUTBOX = "outbox"


def mailbox_service(user: str, folder: str) -> str:
    return f"mailbox:{user}/{folder}"[:300]


def state_of(name: str) -> ServiceState:
    """The service's row (made the first time; two processes making it at once is fine)."""
    state = db.session.scalar(select(ServiceState).where(ServiceState.name == name))
    if state is not None:
        return state
    db.session.add(ServiceState(name=name))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return db.session.scalar(select(ServiceState).where(ServiceState.name == name))


def record_success(name: str, now: dt.datetime | None = None) -> None:
    """A pass went through: the service is fine again, nothing paused. Committed."""
    state, now = state_of(name), now or utcnow()
    state.is_ok, state.reason, state.last_error, state.failures = True, ServiceProblem.NONE, "", 0
    state.paused_until, state.last_attempt_at, state.last_success_at = None, now, now
    db.session.commit()


def record_failure(
    name: str,
    reason: ServiceProblem | str,
    error: str,
    now: dt.datetime | None = None,
    paused_until: dt.datetime | None = None,
    fingerprint: str = "",
) -> ServiceState:
    """A pass failed for `reason` (a SERVICE_PROBLEMS code); committed."""
    state, now = state_of(name), now or utcnow()
    state.is_ok, state.reason, state.last_error = False, ServiceProblem(reason), error[:2000]
    state.failures += 1
    state.paused_until, state.settings_fingerprint = paused_until, fingerprint
    state.last_attempt_at = now
    db.session.commit()
    return state


def is_paused(state: ServiceState, now: dt.datetime, fingerprint: str) -> bool:
    """Paused until a later time, under the settings still in force (new settings, such
    as a corrected password, lift the pause at once)."""
    return (
        state.paused_until is not None
        and state.paused_until > now
        and state.settings_fingerprint == fingerprint
    )


def fingerprint(*values: object) -> str:
    """A digest of settings (never stored or shown as they are: passwords among them)."""
    return hashlib.sha256("\x00".join(str(v) for v in values).encode()).hexdigest()[:32]


def silent_for(state: ServiceState, now: dt.datetime) -> dt.timedelta | None:
    """How long since the last successful pass (None: never one)."""
    return now - state.last_success_at if state.last_success_at else None


def is_alarming(state: ServiceState, now: dt.datetime) -> bool:
    """A mailbox staff must look at: its last pass failed, or none succeeded for longer
    than HEALTH_MAX_SILENCE_MINUTES."""
    limit = dt.timedelta(minutes=current_app.config["HEALTH_MAX_SILENCE_MINUTES"])
    silence = silent_for(state, now)
    return not state.is_ok or silence is None or silence > limit


def mailbox_states() -> list[ServiceState]:
    return list(
        db.session.scalars(
            select(ServiceState)
            .where(ServiceState.name.like("mailbox:%"))
            .order_by(ServiceState.name)
        )
    )


def health_report(now: dt.datetime | None = None) -> tuple[bool, dict]:
    """(all well, the JSON of /healthz): the database, each mailbox, the outbox."""
    now = now or utcnow()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False, {"ok": False, "database": "unreachable"}
    mailboxes = [_mailbox_json(state, now) for state in mailbox_states()]
    outbox = db.session.scalar(select(ServiceState).where(ServiceState.name == OUTBOX))
    outbox_json = {"ok": True, "reason": ""} if outbox is None else _outbox_json(outbox, now)
    healthy = all(m["ok"] for m in mailboxes) and outbox_json["ok"]
    if not mailboxes:
        healthy = False  # no poller has ever run: nothing reads the mail
    return healthy, {
        "ok": healthy,
        "database": "ok",
        "mailboxes": mailboxes,
        "outbox": outbox_json,
        "checked_at": now.isoformat(),
    }


def _mailbox_json(state: ServiceState, now: dt.datetime) -> dict:
    silence = silent_for(state, now)
    return {
        "name": state.name.removeprefix("mailbox:"),
        "ok": not is_alarming(state, now),
        "reason": state.reason,
        "seconds_since_last_success": round(silence.total_seconds()) if silence else None,
        "last_attempt_at": state.last_attempt_at.isoformat() if state.last_attempt_at else None,
    }


def _outbox_json(state: ServiceState, now: dt.datetime) -> dict:
    paused = state.paused_until is not None and state.paused_until > now
    return {
        "ok": state.is_ok,
        "reason": state.reason,
        "paused_until": state.paused_until.isoformat() if paused else None,
    }
