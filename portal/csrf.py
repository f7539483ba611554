"""One kind of CSRF token for every staff POST: Flask-Admin's SecureForm (session-bound)."""

from __future__ import annotations

import datetime as dt

from flask import abort, request
from flask_admin.form import SecureForm


class StaffForm(SecureForm):
    """SecureForm whose token lasts a working day: a form filled slowly is not lost.

    (SecureForm's default is 30 minutes; the token is still bound to the session.)
    """

    class Meta(SecureForm.Meta):
        csrf_time_limit = dt.timedelta(hours=10)


def token() -> str:
    """A fresh token for a hand-written form or for scripts (the page's csrf-token meta)."""
    return StaffForm().csrf_token.current_token


def require_valid_token() -> None:
    """Refuse (400) the current POST unless it carries a valid token."""
    if not StaffForm(formdata=request.form).validate():
        abort(400, description="csrf")
