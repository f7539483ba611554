"""Staff accounts: create, authenticate (rate-limited)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal.database import utcnow
from portal.emails import normalize_address
from portal.errors import InvalidInput, LoginRefused, LoginThrottled
from portal.extensions import db
from portal.models import LoginAttempt, Role, StaffSession, User

MIN_PASSWORD_LENGTH = 10
# Stored for an account created without a password: no password hash ever equals it.
UNUSABLE_PASSWORD_HASH = "!"  # noqa: S105
# A hash to check against when the address is unknown, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def create_user(email: str, password: str, role: str = Role.VIEWER, name: str = "") -> User:
    """A new active account, password hashed with scrypt; committed."""
    address = normalize_address(email)
    if role not in set(Role):
        raise InvalidInput(_("Unknown role “%(role)s”.", role=role))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    if db.session.scalar(select(User).where(User.email == address)):
        raise InvalidInput(_("An account for %(email)s already exists.", email=address))
    user = User(email=address, name=name, role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.commit()
    return user


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def authenticate(email: str, password: str, ip: str) -> User:
    """The active user with these credentials, or LoginRefused / LoginThrottled.

    Every attempt is recorded; too many failures for the address or the client IP
    within the window refuse further attempts until the window has passed.
    """
    address = (email or "").strip().lower()[:254]
    ip = (ip or "")[:64]
    if _is_throttled(address, ip):
        raise LoginThrottled(_("Too many failed logins. Please wait a few minutes and try again."))
    user = db.session.scalar(select(User).where(User.email == address))
    # Unknown address or no password set: check against a dummy, so timing tells nothing.
    usable = user is not None and user.password_hash != UNUSABLE_PASSWORD_HASH
    valid = check_password_hash(user.password_hash if usable else _DUMMY_HASH, password or "")
    valid = valid and usable
    succeeded = bool(user and valid and user.is_active)
    db.session.add(LoginAttempt(email=address, ip=ip, succeeded=succeeded))
    if succeeded:
        user.last_login_at = utcnow()
    db.session.commit()
    if not succeeded:
        raise LoginRefused(_("Wrong email address or password."))
    return user


def _is_throttled(address: str, ip: str) -> bool:
    """Whether this address or this client IP has failed too often within the window."""
    config = current_app.config
    since = utcnow() - dt.timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    recent = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
    )
    by_address = db.session.scalar(recent.where(LoginAttempt.email == address)) or 0
    by_ip = db.session.scalar(recent.where(LoginAttempt.ip == ip)) or 0
    return (
        by_address >= config["LOGIN_MAX_FAILURES"] or by_ip >= config["LOGIN_MAX_FAILURES_PER_IP"]
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, ip: str) -> str:
    """A new login of user: its token for the session cookie (only a digest is stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(token_hash=_digest(token), user_id=user.id, ip=(ip or "")[:64]))
    db.session.commit()
    return token


def session_is_open(user_id: int, token: object) -> bool:
    """Whether token is a login of this user that has not been ended."""
    if not isinstance(token, str) or not token:
        return False
    return (
        db.session.scalar(
            select(StaffSession.id).where(
                StaffSession.token_hash == _digest(token),
                StaffSession.user_id == user_id,
                StaffSession.ended_at.is_(None),
            )
        )
        is not None
    )


def end_session(token: object) -> None:
    """Logging out: the login of this token is over (committed)."""
    if not isinstance(token, str) or not token:
        return
    found = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))
    if found is not None and found.ended_at is None:
        found.ended_at = utcnow()
        db.session.commit()
