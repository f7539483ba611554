"""Units' returns (submissions) and the rows they reported (sites)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.admin.base import (
    PortalModelView,
    choice_filter,
    dispatch_number,
    joined,
    labelled,
)
from portal.labels import FINDINGS, PLATFORMS, READING_PROBLEMS, SUBMISSION_STATUSES, choices
from portal.models import Site, Submission
from portal.services.reading import SITE_FIELDS


def _findings(view, context, model, name):
    """A row's errors and warnings in words, errors first and marked as such."""
    lines = [
        Markup('<span class="{}">{}</span>').format(
            "text-danger" if f.severity == "error" else "text-warning", FINDINGS.get(f.code, f.code)
        )
        for f in sorted(model.findings, key=lambda f: f.severity != "error")
    ]
    return Markup("<br>").join(lines)


class SubmissionView(PortalModelView):
    column_list = [
        "unit",
        "dispatch",
        "version",
        "is_current",
        "status",
        "received_at",
        "row_count",
        "error_count",
        "warning_count",
    ]
    column_labels = {
        "unit": _l("Unit"),
        "unit.name_folded": _l("Unit"),
        "unit.code": _l("Code"),
        "dispatch": _l("Dispatch"),
        "dispatch.number": _l("Dispatch"),
        "version": _l("Version"),
        "is_current": _l("Current version"),
        "status": _l("Status"),
        "received_at": _l("Received at"),
        "row_count": _l("Rows"),
        "error_count": _l("Errors"),
        "warning_count": _l("Warnings"),
        "read_error": _l("Reading problem"),
        "review_note": _l("Review note"),
        "reviewed_at": _l("Reviewed at"),
        "sites": _l("Pages reported"),
    }
    column_searchable_list = ["unit.name_folded", "dispatch.number"]
    column_sortable_list = [
        ("unit", "unit.name"),
        ("dispatch", "dispatch.number"),
        "version",
        "status",
        "received_at",
        "row_count",
        "error_count",
        "warning_count",
    ]
    column_default_sort = ("received_at", True)
    column_filters = [
        "dispatch.number",
        choice_filter(Submission.status, _l("Status"), SUBMISSION_STATUSES),
        "is_current",
    ]
    column_formatters = {
        "status": labelled(SUBMISSION_STATUSES),
        "dispatch": dispatch_number,
        "read_error": labelled(READING_PROBLEMS),
    }
    column_formatters_detail = column_formatters | {"sites": joined("name")}
    column_details_list = column_list + ["read_error", "review_note", "reviewed_at", "sites"]
    form_columns = ["status", "review_note"]
    form_choices = {"status": choices(SUBMISSION_STATUSES)}
    may_create = False  # returns arrive by email; the intake creates them


class SiteView(PortalModelView):
    column_list = ["name", "platform", "url", "agency", "submission", "findings"]
    column_labels = {
        "name": _l("Page name"),
        "name_folded": _l("Page name"),
        "platform": _l("Kind"),
        "url": _l("Address (URL)"),
        "url_normalized": _l("Normalised address"),
        "agency": _l("Managing agency"),
        "contact": _l("Contact address"),
        "admin_name": _l("Administrator"),
        "phone": _l("Phone"),
        "email": _l("Email"),
        "note": _l("Note"),
        "submission": _l("Return"),
        "findings": _l("Findings"),
        "sheet": _l("Sheet"),
        "source_row": _l("Row"),
    }
    column_searchable_list = ["name_folded", "url_normalized"]
    column_sortable_list = ["name", "platform", "url", "agency"]
    column_filters = [choice_filter(Site.platform, _l("Kind"), PLATFORMS)]
    column_formatters = {"platform": labelled(PLATFORMS), "findings": _findings}
    column_formatters_detail = column_formatters
    form_columns = list(SITE_FIELDS)
    form_choices = {"platform": choices(PLATFORMS)}
    may_create = False
