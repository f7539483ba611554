"""How the consolidated reply upstream is signed: one row staff edit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.admin.base import PortalModelView
from portal.extensions import db
from portal.models import ReportSettings


class ReportSettingsView(PortalModelView):
    """How reports upstream are signed: one row, edited here (never code)."""

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

    @property
    def may_create(self) -> bool:
        """Saved once from the defaults (the form shows them), then edited: one row."""
        return db.session.scalar(select(ReportSettings.id)) is None
