"""What every staff screen shares: login required, roles, CSRF, audit, Vietnamese formats."""

from __future__ import annotations

import datetime as dt
import logging

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_admin import AdminIndexView
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter, FilterEqual
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS
from flask_admin.model.filters import convert
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from wtforms.validators import ValidationError

from mailin.text import fold
from portal import csrf
from portal import search as search_index
from portal.errors import PortalError
from portal.extensions import db
from portal.i18n import VIETNAM, show_date, show_datetime, show_number
from portal.labels import choices
from portal.services import audit

log = logging.getLogger(__name__)

# The ModelView endpoints that change data (or show a form to): refused to viewers.
WRITE_VIEWS = {"create_view", "edit_view", "delete_view", "action_view", "ajax_update"}
# The last page a list URL may ask for (its offset must fit a 64-bit integer).
MAX_PAGE = 1_000_000
MAX_ID = 2**63 - 1  # the largest id a database row can have
MAX_SEARCH = 500  # characters of a search term that are used


def _without_nul(value):
    """A value typed into a list's search or filter box, NUL characters removed."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def _is_staff() -> bool:
    return current_user.is_authenticated and current_user.is_active


class StaffAccess:
    """Mixin for admin views: anonymous → login page, viewer → 403 on writes, CSRF on POST."""

    admin_only = False

    def is_accessible(self) -> bool:
        return _is_staff() and (current_user.is_admin or not self.admin_only)

    def inaccessible_callback(self, name, **kwargs):
        if not _is_staff():
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        writing = request.method == "POST" or name in WRITE_VIEWS
        if writing and not current_user.can_write:
            abort(403)
        if request.method == "POST":
            csrf.require_valid_token()  # one check for every admin form, whatever its kind
        return None


class HomeBase(StaffAccess, AdminIndexView):
    """Base of the admin home page."""


def _time_formatter(view, value, name):
    # A datetime is also a date, and Flask-Admin picks the first isinstance match.
    return show_datetime(value) if isinstance(value, dt.datetime) else show_date(value)


def _bool_formatter(view, value, name):
    return _("Yes") if value else _("No")


def _number_formatter(view, value, name):
    return show_number(value)


# bool before int (a bool is an int, and the first isinstance match wins): numbers with
# Vietnamese separators, 1.250 rather than 1250 (issue 20).
FORMATTERS = dict(DEFAULT_FORMATTERS)
FORMATTERS.update({dt.date: _time_formatter, dt.datetime: _time_formatter, bool: _bool_formatter})
FORMATTERS.update({int: _number_formatter, float: _number_formatter})


def _as_utc(value):
    """What staff typed (Vietnam time, no zone) as the UTC instant the database holds."""
    if isinstance(value, list):
        return [_as_utc(v) for v in value]
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=VIETNAM).astimezone(dt.UTC)
    return value


def _in_vietnam_time(filter_class):
    """filter_class reading its value as Vietnam time (timestamps are stored in UTC)."""

    class VietnamTimeFilter(filter_class):
        def clean(self, value):
            return _as_utc(super().clean(value))

    VietnamTimeFilter.__name__ = filter_class.__name__
    return VietnamTimeFilter


class PortalFilterConverter(FilterConverter):
    """Flask-Admin's filters, also for our UTC timestamp column type."""

    datetime_filters = tuple(_in_vietnam_time(f) for f in FilterConverter.datetime_filters)

    @convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


class PortalModelView(StaffAccess, ModelView):
    """A model screen: roles decide what may be changed; every change is audited."""

    form_base_class = csrf.StaffForm
    filter_converter = PortalFilterConverter()
    column_type_formatters = FORMATTERS
    column_type_formatters_detail = FORMATTERS
    can_view_details = True
    page_size = 50
    # What the screen allows at most; a viewer gets none of it.
    may_create = True
    may_edit = True
    may_delete = True
    # Searched after folding (no case, no diacritics): fields holding folded text.
    folded_search = True
    # Searched through the trigram index of portal.search (big tables; no joined columns).
    indexed_search = False

    @property
    def can_create(self) -> bool:
        return self.may_create and _is_staff() and current_user.can_write

    @property
    def can_edit(self) -> bool:
        return self.may_edit and _is_staff() and current_user.can_write

    @property
    def can_delete(self) -> bool:
        return self.may_delete and _is_staff() and current_user.can_write

    def _handle_view(self, name, **kwargs):
        """As StaffAccess, and a change this screen never allows (a new audit event, a
        deleted email) is refused with 403 rather than a silent redirect."""
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        allowed = {
            "create_view": self.can_create,
            "edit_view": self.can_edit,
            "ajax_update": self.can_edit,
            "delete_view": self.can_delete,
        }
        if not allowed.get(name, True):
            abort(403)
        if name == "action_view" and request.method == "POST":
            action = request.form.get("action", "")
            if action not in (self._actions_data or {}) or not self.is_action_allowed(action):
                abort(403)
        return None

    def handle_view_exception(self, exc: Exception) -> bool:
        """Say in Vietnamese what went wrong, rather than the database's English message."""
        if isinstance(exc, IntegrityError):
            flash(
                _(
                    "The change was not saved: it conflicts with other records (a code or "
                    "address already used, or a record that others still refer to)."
                ),
                "error",
            )
            return True
        if isinstance(exc, PortalError):
            flash(str(exc), "error")
            return True
        if isinstance(exc, ValidationError):
            return super().handle_view_exception(exc)
        if current_app.testing:  # a bug in a view must fail its test, not become a flash
            raise exc
        log.exception("an admin change failed")
        flash(
            _(
                "The change was not saved because of an unexpected error, which has been "
                "logged. Please try again or tell the administrator."
            ),
            "error",
        )
        return True

    def _get_list_extra_args(self):
        """The list's arguments from the URL, the page kept within what a database can
        offset (page=10**20 or page=-1 is a hand-made URL, never a 500)."""
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        return args

    def get_one(self, id):
        """The record of an ?id= in a URL; None (not a 500) when it is no record id."""
        if not str(id).isdigit() or int(id) > MAX_ID:
            return None
        return super().get_one(id)

    def action_delete(self, ids):
        return super().action_delete([str(i) for i in int_ids(ids)])

    def _get_list_filter_args(self):
        """The filters of the URL, their values without NUL (PostgreSQL refuses it)."""
        filters = super()._get_list_filter_args()
        if not filters:
            return filters
        return [(index, name, _without_nul(value)) for index, name, value in filters]

    def _apply_search(self, query, count_query, joins, count_joins, search):
        search = _without_nul(search)[:MAX_SEARCH]
        term = fold(search) if self.folded_search else search
        if not self.indexed_search:
            return super()._apply_search(query, count_query, joins, count_joins, term)
        columns = [field for field, path in self._search_fields]
        where = search_index.condition(db.session, self.model, columns, term)
        if where is None:
            return query, count_query, joins, count_joins
        if count_query is not None:
            count_query = count_query.filter(where)
        return query.filter(where), count_query, joins, count_joins

    def audit_state(self, model) -> dict:
        """What the audit trail records of a model; views add their relationships."""
        return audit.snapshot(model)

    def update_model(self, form, model):
        # Taken before the form changes anything: autoflushes while saving would
        # otherwise hide part of the change from SQLAlchemy's attribute history.
        g.audit_before = self.audit_state(model)
        return super().update_model(form, model)

    def on_model_change(self, form, model, is_created):
        if is_created:
            db.session.flush()  # the new row's id goes into the trail
            audit.record("create", model, after=self.audit_state(model))
            return
        before, after = audit.diff(g.pop("audit_before", {}), self.audit_state(model))
        if after:
            audit.record("update", model, before=before, after=after)

    def on_model_delete(self, model):
        audit.record("delete", model, before=self.audit_state(model))


class ReadOnlyModelView(PortalModelView):
    """A list nobody edits here (mail, audit trail)."""

    may_create = False
    may_edit = False
    may_delete = False


def labelled(labels: dict[str, str]):
    """A column formatter that shows a code by its (translated) label."""

    def format_code(view, context, model, name):
        value = getattr(model, name)
        return labels.get(value, value)

    return format_code


class ChoiceFilter(FilterEqual):
    """A filter on a coded column, offering the codes by their labels. Any other value (a
    hand-written URL) is ignored like an invalid filter, never sent to the database: a
    coded column refuses a value outside its enum."""

    def __init__(self, column, label, labels: dict) -> None:
        super().__init__(column, label, options=lambda: choices(labels))
        self.codes = labels

    def validate(self, value) -> bool:
        return value in self.codes


def int_ids(ids: list[str]) -> list[int]:
    """The ids an admin action posts (text) as integers; anything else is dropped.
    (PostgreSQL, unlike SQLite, will not compare an integer column with text.)"""
    return [int(i) for i in ids if str(i).isdigit() and int(i) <= MAX_ID]


def dispatch_number(view, context, model, name):
    """A dispatch by its number alone (the subject is long; it is on the dispatch's page)."""
    return model.dispatch.number if model.dispatch else ""


def joined(attribute: str):
    """A column formatter that lists a collection's attribute, one per line."""

    def format_collection(view, context, model, name):
        items = [str(getattr(item, attribute)) for item in getattr(model, name)]
        return Markup("<br>").join(items)

    return format_collection


def raise_as_validation(error: Exception) -> None:
    raise ValidationError(str(error)) from error
