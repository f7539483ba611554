"""Staff login: the login and logout pages, the session cookie, safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from portal import csrf
from portal.errors import LoginRefused, LoginThrottled
from portal.extensions import db, login_manager
from portal.i18n import wtforms_translations
from portal.models import User
from portal.services.users import authenticate, end_session, session_is_open, start_session

LOGIN_KEY = "login"  # the session key holding the token of this login

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return wtforms_translations()

    email = EmailField(_l("Email address"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or request.is_secure


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.session_interface = HttpsAwareSessionInterface()
    app.register_blueprint(bp)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The active user of this session, unless their password changed since it began or
    the login was ended (logged out: a copied cookie opens nothing afterwards)."""
    user_id, _dot, fingerprint = session_id.partition(".")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active or user.password_fingerprint != fingerprint:
        return None
    if not session_is_open(user.id, session.get(LOGIN_KEY)):
        return None
    return user


def safe_next(target: str | None) -> str:
    """target if it stays on this site (a path, not //host or a scheme), else "Việc cần làm
    hôm nay", the page a member of staff opens first."""
    fallback = url_for("today.index")
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except LoginThrottled as exc:
            flash(str(exc), "error")
            status = 429
        except LoginRefused as exc:
            flash(str(exc), "error")
            status = 401
        else:
            # A new session: nothing from before the login (a planted cookie) carries over
            # but the language chosen on the login page.
            language = session.get("lang")
            session.clear()
            if language:
                session["lang"] = language
            login_user(user)
            session[LOGIN_KEY] = start_session(user, request.remote_addr or "")
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    csrf.require_valid_token()  # a page elsewhere must not log staff out
    end_session(session.pop(LOGIN_KEY, None))
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
