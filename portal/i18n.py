"""Vietnamese first: locale choice, our catalogs for Flask-Admin and WTForms, date formats."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_admin.babel as admin_babel
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, redirect, request, session
from flask_babel import format_date, format_datetime, format_decimal

from portal.extensions import babel

log = logging.getLogger(__name__)

CATALOG_DIR = Path(__file__).parent / "translations"
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_PATTERN = "dd/MM/yyyy"
DATETIME_PATTERN = "dd/MM/yyyy HH:mm"


def select_locale() -> str:
    """The language the member of staff chose; Vietnamese by default and outside requests
    (CLI, poller, emails to units)."""
    chosen = session.get("lang") if has_request_context() else None
    return chosen if chosen in LANGUAGES else "vi"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(CATALOG_DIR))
    compile_catalogs(CATALOG_DIR)
    babel.init_app(app, locale_selector=select_locale)
    _use_our_catalogs_for_flask_admin()
    app.jinja_env.filters.update(
        vn_date=show_date, vn_datetime=show_datetime, vn_number=show_number
    )
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.add_url_rule("/lang/<code>", "set_language", set_language)


def set_language(code: str):
    """Remember the chosen language in the session and go back to the page."""
    if code in LANGUAGES:
        session["lang"] = code
    from portal.auth import safe_next  # avoid an import cycle at module load

    return redirect(safe_next(request.args.get("next")))


def _use_our_catalogs_for_flask_admin() -> None:
    """Make Flask-Admin and WTForms read our catalogs only.

    Flask-Admin's shipped vi catalog has wrong strings, and Admin(translations_path=...)
    does not replace it: Flask-Babel merges the shipped catalog last, so its strings win.
    WTForms ships no vi catalog at all. Ours are complete, so they are the only source.
    """
    admin_babel.domain._translation_directories = [str(CATALOG_DIR)]
    admin_babel.wtforms_domain._translation_directories = [str(CATALOG_DIR)]


def compile_catalogs(directory: Path) -> None:
    """Compile each .po into its .mo when the .mo is missing or older (fresh clones)."""
    for po_path in directory.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        try:
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError as exc:  # a read-only install must have compiled them at build time
            log.warning("cannot write %s: %s", mo_path, exc)


def show_date(value: dt.date | None) -> str:
    """dd/mm/yyyy, or '' for nothing."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_datetime(value, DATE_PATTERN)
    return format_date(value, DATE_PATTERN)


def show_datetime(value: dt.datetime | None) -> str:
    """dd/mm/yyyy HH:mm in the Asia/Ho_Chi_Minh time zone (stored in UTC)."""
    return format_datetime(value, DATETIME_PATTERN) if value is not None else ""


def show_number(value: float | int | None) -> str:
    """A number with the current locale's separators (1.234 in Vietnamese)."""
    return format_decimal(value) if value is not None else ""


def wtforms_translations():
    """The WTForms message translations in the current language, for our own forms."""
    return admin_babel.Translations()
