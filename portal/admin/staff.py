"""Staff accounts (administrators only) and the admin home page."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import PasswordField
from wtforms.validators import Length, Optional

from portal.admin.base import HomeBase, PortalModelView, labelled, raise_as_validation
from portal.emails import normalize_address
from portal.errors import InvalidInput
from portal.extensions import db
from portal.headers import proxy_unfixed
from portal.labels import ROLES, choices
from portal.models import Recipient, Unit
from portal.services.outbox import held_for_tomorrow
from portal.services.overview import bar_chart, open_dispatches, queue_counts, service_lines
from portal.services.reminders import remind_now
from portal.services.reporting import report_settings
from portal.services.users import MIN_PASSWORD_LENGTH, UNUSABLE_PASSWORD_HASH, hash_password


def normalized_address(form, field) -> None:
    try:
        normalize_address(field.data or "")
    except InvalidInput as exc:
        raise_as_validation(exc)


class UserView(PortalModelView):
    admin_only = True
    column_list = ["email", "name", "role", "is_active", "last_login_at", "created_at"]
    column_labels = {
        "email": _l("Email address"),
        "name": _l("Full name"),
        "role": _l("Role"),
        "is_active": _l("Active"),
        "last_login_at": _l("Last login"),
        "created_at": _l("Created at"),
        "new_password": _l("New password"),
    }
    column_searchable_list = ["email", "name"]
    column_formatters = {"role": labelled(ROLES)}
    column_formatters_detail = column_formatters
    column_details_exclude_list = ["password_hash"]
    form_columns = ["email", "name", "role", "is_active", "new_password"]
    form_choices = {"role": choices(ROLES)}
    form_args = {"email": {"validators": [normalized_address]}}
    form_extra_fields = {
        "new_password": PasswordField(
            _l("New password"),
            description=_l("Leave empty to keep the current password."),
            validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH)],
        )
    }
    folded_search = False

    def on_model_change(self, form, model, is_created):
        model.email = normalize_address(model.email)  # login compares lower-cased addresses
        if form.new_password.data:
            model.password_hash = hash_password(form.new_password.data)
        elif is_created:
            model.password_hash = UNUSABLE_PASSWORD_HASH  # nobody can log in until one is set
        super().on_model_change(form, model, is_created)


class HomeView(HomeBase):
    """The admin home: where each open dispatch stands, at a glance."""

    @expose("/")
    def index(self):
        progress = open_dispatches()
        totals = {
            "units": db.session.scalar(select(func.count(Unit.id)).where(Unit.is_active)),
            **queue_counts(),
        }
        # The SVG holds only numbers and dates computed here, nothing a unit typed.
        charts = {
            p.dispatch.id: Markup(bar_chart(p.returns_by_day, p.dispatch.deadline))  # noqa: S704
            for p in progress
        }
        return self.render(
            "admin/home.html",
            progress=progress,
            totals=totals,
            charts=charts,
            services=service_lines(),
            held_by_limit=held_for_tomorrow(),
            proxy_unfixed=proxy_unfixed(),
            daily_limit=current_app.config["MAIL_DAILY_LIMIT"],
        )

    @expose("/remind/<int:dispatch_id>", methods=["POST"])
    def remind(self, dispatch_id: int):
        """One click: a reminder to every unit of the dispatch that has not reported."""
        recipients = db.session.scalars(
            select(Recipient).where(Recipient.dispatch_id == dispatch_id)
        ).all()
        queued = remind_now(list(recipients))
        flash(
            _(
                "Reminders queued for %(count)d units (units that have reported or were "
                "already reminded today are skipped).",
                count=queued,
            ),
            "success",
        )
        return redirect(url_for(".index"))


class ReportSettingsView(PortalModelView):
    """How reports upstream are signed: one row, edited here (never code)."""

    may_create = False
    may_delete = False
    column_list = ["parent_body", "issuing_body", "place", "signer_title", "signer_name"]
    column_labels = {
        "parent_body": _l("Parent body (first line, left)"),
        "issuing_body": _l("Issuing body (second line, left)"),
        "number_suffix": _l("Number suffix (after “Số: …-”)"),
        "place": _l("Place (before the date)"),
        "addressee": _l("Addressee (Kính gửi)"),
        "copies_to": _l("Copies to (Nơi nhận), one per line"),
        "on_behalf": _l("On behalf of (TM. ...)"),
        "signer_title": _l("Signer's title"),
        "signer_name": _l("Signer's name"),
    }
    form_columns = list(column_labels)
    folded_search = False

    def get_query(self):
        report_settings()  # the row exists before anyone looks for it
        return super().get_query()
