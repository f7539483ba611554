"""The audit trail: record who changed what, with the values before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib

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
    """Every column of obj, readable; secrets only as a digest (enough to see a change)."""
    mapper = inspect(obj).mapper
    state = {}
    for attr in mapper.column_attrs:
        if attr.key in SKIPPED:
            continue
        value = getattr(obj, attr.key)
        if attr.key in MASKED:
            value = hashlib.sha256(str(value).encode()).hexdigest()[:12]
        state[attr.key] = jsonable(value)
    return state


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """(before, after) restricted to what changed; secrets shown as stars."""
    changed = [key for key in after if before.get(key) != after.get(key)]
    old = {key: "***" if key in MASKED else before.get(key) for key in changed}
    new = {key: "*** (changed)" if key in MASKED else after.get(key) for key in changed}
    return old, new


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
