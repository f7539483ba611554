"""Staff accounts: who may log in, with which role."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import Length, Optional

from portal.admin.base import PortalModelView, labelled, raise_as_validation
from portal.emails import normalize_address
from portal.errors import InvalidInput
from portal.labels import ROLES, choices
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
