"""The audit trail: record who changed what, with the values before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import inspect

from portal.extensions import db
from portal.models import AuditEvent

# Derived or bulky columns that would only add noise (or secrets) to the trail.
SKIPPED = {"name_folded", "url_normalized", "raw", "content", "body_text", "updated_at"}
MASKED = {"password_hash"}


def jsonable(value: object) -> object:
    """value as something JSON can hold and a person can read."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return str(value)


def snapshot(obj: object) -> dict[str, object]:
    """Every column of obj (masked and skipped ones aside), for a create or a delete."""
    mapper = inspect(obj).mapper
    return {
        attr.key: "***" if attr.key in MASKED else jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SKIPPED
    }


def pending_changes(obj: object) -> tuple[dict[str, object], dict[str, object]]:
    """(before, after) of the attributes changed on obj and not yet flushed."""
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    state = inspect(obj)
    for attr in state.attrs:
        if attr.key in SKIPPED:
            continue
        history = attr.history
        if not history.has_changes():
            continue
        old = list(history.deleted) + list(history.unchanged)
        new = list(history.added) + list(history.unchanged)
        if attr.key in MASKED:
            before[attr.key], after[attr.key] = "***", "*** (changed)"
        elif attr.key in state.mapper.relationships:
            before[attr.key], after[attr.key] = jsonable(old), jsonable(new)
        else:
            before[attr.key] = jsonable(old[0] if old else None)
            after[attr.key] = jsonable(new[0] if new else None)
    return before, after


def current_actor() -> tuple[int | None, str]:
    """(user id, label) of whoever is acting: the logged-in member of staff, or the system."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, "system"


def record(
    action: str,
    obj: object,
    before: dict | None = None,
    after: dict | None = None,
    actor: str | None = None,
) -> AuditEvent:
    """Add an AuditEvent for obj to the session (committed with the change it describes)."""
    user_id, label = current_actor()
    identity = inspect(obj).identity
    event = AuditEvent(
        user_id=user_id,
        actor=actor or label,
        action=action,
        object_type=type(obj).__name__,
        object_id=",".join(str(part) for part in identity) if identity else "",
        summary=str(obj)[:500],
        before=before,
        after=after,
    )
    db.session.add(event)
    return event
