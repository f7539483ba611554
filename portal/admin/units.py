"""Units and their addresses; official pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from portal.admin.base import PortalModelView, joined, raise_as_validation
from portal.emails import split_addresses
from portal.errors import InvalidInput
from portal.services.units import (
    refuse_delete_in_use,
    refuse_parent_loop,
    set_unit_emails,
    unit_audit_state,
)


def _valid_addresses(form, field) -> None:
    try:
        split_addresses(field.data or "")
    except InvalidInput as exc:
        raise_as_validation(exc)


UNIT_LABELS = {
    "code": _l("Code"),
    "name": _l("Unit name"),
    "name_folded": _l("Unit name"),
    "kind": _l("Kind of unit"),
    "parent": _l("Parent unit"),
    "parent.name": _l("Parent unit"),
    "emails": _l("Email addresses"),
    "contact_name": _l("Contact person"),
    "contact_phone": _l("Phone"),
    "address": _l("Address"),
    "is_active": _l("Active"),
    "created_at": _l("Created at"),
    "updated_at": _l("Updated at"),
}


class UnitView(PortalModelView):
    column_list = ["code", "name", "parent", "kind", "emails", "is_active"]
    column_details_list = [
        "code",
        "name",
        "parent",
        "kind",
        "emails",
        "contact_name",
        "contact_phone",
        "address",
        "is_active",
        "created_at",
        "updated_at",
    ]
    column_labels = UNIT_LABELS
    column_searchable_list = ["name_folded", "code"]
    column_sortable_list = ["code", "name", "kind", "is_active", ("parent", "parent.name")]
    column_default_sort = "code"
    column_filters = ["parent.name", "kind", "is_active"]
    column_formatters = {"emails": joined("address")}
    column_formatters_detail = column_formatters
    form_columns = [
        "code",
        "name",
        "kind",
        "parent",
        "emails_text",
        "contact_name",
        "contact_phone",
        "address",
        "is_active",
    ]
    form_extra_fields = {
        "emails_text": TextAreaField(
            _l("Email addresses"),
            description=_l(
                "One address per line (or separated by ; or ,). "
                "Returns from these addresses are matched to this unit."
            ),
            validators=[_valid_addresses],
        )
    }
    form_args = {"code": {"label": _l("Code")}, "name": {"label": _l("Unit name")}}

    def audit_state(self, model) -> dict:
        return unit_audit_state(model)

    def on_form_prefill(self, form, id):
        unit = self.get_one(id)
        form.emails_text.data = "\n".join(unit.email_list)

    def on_model_change(self, form, model, is_created):
        refuse_parent_loop(model)
        set_unit_emails(model, split_addresses(form.emails_text.data or ""))
        super().on_model_change(form, model, is_created)

    def on_model_delete(self, model):
        refuse_delete_in_use(model)
        super().on_model_delete(model)


class OfficialPageView(PortalModelView):
    column_list = ["name", "url", "owner", "dispatch"]
    column_labels = {
        "name": _l("Page name"),
        "name_folded": _l("Page name"),
        "url": _l("Address (URL)"),
        "url_normalized": _l("Normalised address"),
        "owner": _l("Owner"),
        "note": _l("Note"),
        "dispatch": _l("Dispatch"),
    }
    column_searchable_list = ["name_folded", "url_normalized"]
    column_default_sort = "id"
    form_columns = ["name", "url", "owner", "dispatch", "note"]
