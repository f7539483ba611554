"""One kind of CSRF token for every staff POST: Flask-Admin's SecureForm (session-bound)."""

from __future__ import annotations

from flask import abort, request
from flask_admin.form import SecureForm


def token() -> str:
    """A fresh token for a hand-written form or for scripts (the page's csrf-token meta)."""
    form = SecureForm()
    return form.csrf_token.current_token


def require_valid_token() -> None:
    """Refuse (400) the current POST unless it carries a valid token."""
    if not SecureForm(formdata=request.form).validate():
        abort(400, description="CSRF token missing or invalid")
