"""Staff accounts (administrators only) and the admin home page."""

from __future__ import annotations

from flask_admin import expose
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import PasswordField
from wtforms.validators import Length, Optional

from portal.admin.base import HomeBase, PortalModelView, labelled, raise_as_validation
from portal.emails import normalize_address
from portal.errors import InvalidInput
from portal.extensions import db
from portal.labels import ROLES, choices
from portal.models import Dispatch, InboundMessage, InboundStatus, OfficialPage, Unit
from portal.services.dispatches import roster_counts
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
        dispatches = db.session.scalars(
            select(Dispatch).where(Dispatch.is_open.is_(True)).order_by(Dispatch.deadline)
        ).all()
        progress = [(d, roster_counts(d.id)) for d in dispatches]
        totals = {
            "units": db.session.scalar(select(func.count(Unit.id)).where(Unit.is_active)),
            "official_pages": db.session.scalar(select(func.count(OfficialPage.id))),
            "triage": db.session.scalar(
                select(func.count(InboundMessage.id)).where(
                    InboundMessage.status == InboundStatus.TRIAGE
                )
            ),
        }
        return self.render("admin/home.html", progress=progress, totals=totals)


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
