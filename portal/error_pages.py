"""Error pages in the staff's language, saying what to do next."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    for code in (400, 403, 404, 405, 500):
        app.register_error_handler(code, show_error)


def show_error(error: HTTPException):
    code = getattr(error, "code", 500) or 500
    messages = {
        400: _("The form has expired or is incomplete. Go back, reload the page and try again."),
        403: _("Your account is not allowed to do this. Ask an administrator if you need to."),
        404: _("This page does not exist. Check the address or go back to the overview."),
        405: _("This page cannot be used this way. Go back to the overview."),
        500: _("Something went wrong on our side; it has been logged. Please try again later."),
    }
    return render_template("error.html", code=code, message=messages.get(code, messages[500])), code
