"""Units' returns (submissions) and the rows they reported (sites)."""

from __future__ import annotations

import io

from flask import flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mailin.forms.columns import ROW_FIELDS
from portal.admin.base import (
    ChoiceFilter,
    PortalModelView,
    dispatch_number,
    joined,
    labelled,
)
from portal.errors import PortalError
from portal.extensions import db
from portal.labels import FINDINGS, PLATFORMS, READING_PROBLEMS, SUBMISSION_STATUSES, choices
from portal.models import Attachment, InboundMessage, Site, Submission
from portal.services.triage import accept, reject, reread


def _review_link(view, context, model, name):
    href = url_for("submission.review", submission_id=model.id)
    return Markup('<a href="{}">{}</a>').format(href, _l("Review"))


def _findings(view, context, model, name):
    """A row's errors and warnings in words, errors first and marked as such."""
    lines = [
        Markup('<span class="{}">{}</span>').format(
            "text-danger" if f.severity == "error" else "text-warning", FINDINGS.get(f.code, f.code)
        )
        for f in sorted(model.findings, key=lambda f: f.severity != "error")
    ]
    return Markup("<br>").join(lines)


def _changes(earlier: Submission, later: Submission) -> dict[str, list[str]]:
    """Pages the later version adds and drops, compared with an earlier one (by address)."""
    before = {site.url_normalized or site.name: site.name or site.url for site in earlier.sites}
    after = {site.url_normalized or site.name: site.name or site.url for site in later.sites}
    return {
        "added": [after[k] for k in after if k not in before],
        "removed": [before[k] for k in before if k not in after],
    }


class SubmissionView(PortalModelView):
    column_list = [
        "review",
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
        "review": _l("Review"),
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
        ChoiceFilter(Submission.status, _l("Status"), SUBMISSION_STATUSES),
        "is_current",
    ]
    column_formatters = {
        "status": labelled(SUBMISSION_STATUSES),
        "dispatch": dispatch_number,
        "read_error": labelled(READING_PROBLEMS),
        "review": _review_link,
    }
    column_formatters_detail = column_formatters | {"sites": joined("name")}
    column_details_list = column_list + ["read_error", "review_note", "reviewed_at", "sites"]
    form_columns = ["status", "review_note"]
    form_choices = {"status": choices(SUBMISSION_STATUSES)}
    may_create = False  # returns arrive by email; the intake creates them

    @expose("/review/<int:submission_id>", methods=["GET", "POST"])
    def review(self, submission_id: int):
        """A return's rows with findings, its file and email; accept, reject or re-read it."""
        submission = db.get_or_404(Submission, submission_id)
        if request.method == "POST":
            self._decide(submission, request.form.get("decision", ""), request.form.get("note", ""))
            return redirect(url_for(".review", submission_id=submission.id))
        message = db.session.get(InboundMessage, submission.inbound_message_id or 0)
        versions = db.session.scalars(
            select(Submission)
            .where(
                Submission.dispatch_id == submission.dispatch_id,
                Submission.unit_id == submission.unit_id,
                Submission.id != submission.id,
            )
            .order_by(Submission.version.desc())
        ).all()
        attachment = db.session.get(Attachment, submission.attachment_id or 0)
        changes = {v.id: _changes(v, submission) for v in versions}
        spec = submission.dispatch.form_spec
        return self.render(
            "admin/review.html",
            submission=submission,
            spec=spec,
            headers={one.key: one.header for one in spec.fields} if spec else {},
            message=message,
            versions=versions,
            attachment=attachment,
            changes=changes,
        )

    def _decide(self, submission: Submission, decision: str, note: str) -> None:
        actions = {
            "accept": (accept, _("The return is accepted.")),
            "reject": (reject, _("The return is rejected; the unit is told why.")),
            "reread": (None, _("The file was read again.")),
        }
        if decision not in actions:
            flash(_("Choose accept, reject or read again."), "error")
            return
        action, done = actions[decision]
        try:
            if action is None:
                reread(submission)
                changed = True
            else:
                changed = action(submission, note, current_user.id) is not False
        except PortalError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            if changed:
                flash(done, "success")
            else:
                flash(_("This return had already been rejected; the unit was not told twice."))

    @expose("/attachment/<int:attachment_id>")
    def attachment(self, attachment_id: int):
        """The file as the unit sent it: downloaded, never shown in the browser."""
        attachment = db.get_or_404(Attachment, attachment_id)
        response = send_file(
            io.BytesIO(attachment.content or b""),
            as_attachment=True,
            download_name=attachment.filename or "tep-dinh-kem",
            mimetype="application/octet-stream",
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


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
    indexed_search = True  # 100,000 rows and more: a scan took a few hundred ms
    column_sortable_list = ["name", "platform", "url", "agency"]
    column_filters = [ChoiceFilter(Site.platform, _l("Kind"), PLATFORMS)]
    column_formatters = {"platform": labelled(PLATFORMS), "findings": _findings}
    column_formatters_detail = column_formatters
    form_columns = list(ROW_FIELDS)
    # Edited in place in the list (each change goes through update_model: audited).
    column_editable_list = ["name", "url", "agency"]
    form_choices = {"platform": choices(PLATFORMS)}
    may_create = False

    def get_query(self):
        """A page's rows with their findings and their return's unit and dispatch (shown in
        each row) in two queries, not three more per row."""
        return (
            super()
            .get_query()
            .options(
                selectinload(Site.findings),
                joinedload(Site.submission).joinedload(Submission.unit),
                joinedload(Site.submission).joinedload(Submission.dispatch),
            )
        )
