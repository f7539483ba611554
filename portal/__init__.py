"""The unit-returns portal: a Flask app for a Propaganda Department's staff."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, redirect, url_for
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent
# The release (CHANGELOG.md names each one's schema revision).
__version__ = "0.5.2"


def schema_head() -> str:
    """The schema revision this code needs: the newest migration's."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config (later wins), extensions, staff login, admin screens, CLI."""
    from portal import admin, auth, cli, error_pages, headers, healthz, i18n, jinja
    from portal.config import load_config
    from portal.extensions import db, migrate

    app = Flask(
        __name__,
        # The instance folder (config.py, secret key, SQLite file) may live elsewhere.
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, test_config)
    _texts_adapted_in_the_instance(app)
    db.init_app(app)
    # Batch mode lets later migrations alter tables on SQLite too.
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    i18n.init_app(app)
    auth.init_app(app)
    admin.init_app(app)
    jinja.init_app(app)
    error_pages.init_app(app)
    healthz.init_app(app)
    cli.init_app(app)
    headers.init_app(app)
    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.add_url_rule("/", "home", lambda: redirect(url_for("today.index")))  # staff start there
    return app


def _texts_adapted_in_the_instance(app: Flask) -> None:
    """A template in the instance folder's templates/ (instance/templates/email/reminder.txt)
    replaces the shipped one of the same name: staff adapt a text there, and an update of
    the code (which replaces templates/) keeps their version."""
    adapted = FileSystemLoader(os.path.join(app.instance_path, "templates"))
    app.jinja_loader = ChoiceLoader([adapted, app.jinja_loader])
