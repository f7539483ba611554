"""Dispatches and their rosters."""

from __future__ import annotations

import io

from flask import abort, flash, has_app_context, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from wtforms.validators import Email, Optional

from portal.admin.base import (
    ChoiceFilter,
    PortalModelView,
    dispatch_number,
    int_ids,
    labelled,
)
from portal.admin.dispatch_form import FormColumnsPage
from portal.errors import PortalError
from portal.extensions import db
from portal.labels import FINDINGS, PLATFORMS, RECIPIENT_STATES, choices
from portal.models import (
    ConsolidatedReport,
    Dispatch,
    Recipient,
    Submission,
    SubmissionStatus,
    Unit,
)
from portal.services.blank_form import XLSX_TYPE, template_filename, template_for
from portal.services.consolidated_reply.sending import (
    DOCX_TYPE,
    build,
    latest_version,
    safe_number,
    send_report,
)
from portal.services.dispatches import check_dispatch, roster_counts, roster_units
from portal.services.reminders import remind_now

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATE_WIDGET = {"data-date-format": "DD/MM/YYYY", "placeholder": "dd/mm/yyyy"}

DISPATCH_LABELS = {
    "number": _l("Number"),
    "subject": _l("Subject"),
    "issued_on": _l("Issued on"),
    "deadline": _l("Deadline"),
    "issuer": _l("Issued by"),
    "upstream_email": _l("Upstream address"),
    "message_id": _l("Message-ID of the dispatch email"),
    "is_open": _l("Open"),
    "note": _l("Note"),
    "created_at": _l("Created at"),
    "roster": _l("Roster"),
    "search_folded": _l("Number or subject"),
    "form": _l("Form for units"),
    "report": _l("Consolidated report"),
}


class IdFilter(FilterEqual):
    """A filter on an id: the value arrives as text and is compared as an integer
    (PostgreSQL, unlike SQLite, will not compare an integer column with text)."""

    def validate(self, value):
        return str(value).isdigit()

    def clean(self, value):
        return int(value)


class ParentUnitFilter(IdFilter):
    """Roster rows of the units under one parent unit (a district, the Đoàn khối...)."""

    def apply(self, query, value, alias=None):
        children = select(Unit.id).where(Unit.parent_id == value)
        return query.filter(Recipient.unit_id.in_(children))

    def get_options(self, view):
        if not has_app_context():
            return []
        parents = db.session.scalars(
            select(Unit)
            .where(Unit.id.in_(select(Unit.parent_id).where(Unit.parent_id.is_not(None))))
            .order_by(Unit.name)
        )
        return [(str(unit.id), unit.name) for unit in parents]


def _current_return(view, context, model, name):
    """Rows and open findings of the unit's current return, linked to its review page."""
    submission = db.session.scalar(
        select(Submission).where(
            Submission.dispatch_id == model.dispatch_id,
            Submission.unit_id == model.unit_id,
            Submission.is_current,
        )
    )
    if submission is None:
        return ""
    text = _l(
        "%(rows)d rows, %(errors)d errors, %(warnings)d warnings",
        rows=submission.row_count,
        errors=submission.error_count,
        warnings=submission.warning_count,
    )
    href = url_for("submission.review", submission_id=submission.id)
    return Markup('<a href="{}">{}</a>').format(href, text)


class DispatchFilter(IdFilter):
    """Roster rows of one dispatch, chosen from the list of dispatches."""

    def get_options(self, view):
        if not has_app_context():  # Flask-Admin also asks once at start-up, outside any app
            return []
        dispatches = db.session.query(Dispatch).order_by(Dispatch.issued_on.desc())
        return [(str(d.id), d.number) for d in dispatches]


def _report_link(view, context, model, name):
    href = url_for("dispatch.report_preview", dispatch_id=model.id)
    return Markup('<a href="{}">{}</a>').format(href, _l("Consolidated report"))


def _template_link(view, context, model, name):
    href = url_for("dispatch.form_template", dispatch_id=model.id)
    columns = url_for("dispatch.form_columns_page", dispatch_id=model.id)
    spec = model.form_spec
    title = (spec.title or _l("own form")) if spec else _l("sites and pages")
    return Markup('<a href="{}">{}</a> · <a href="{}">{}</a>').format(
        href, _l("Blank form (.xlsx)"), columns, Markup("{}: {}").format(_l("Columns"), title)
    )


def _roster_link(view, context, model, name):
    counts = roster_counts(model.id)
    text = _l("%(reported)d of %(total)d reported", reported=counts.reported, total=counts.total)
    href = RecipientView.roster_url(model.id)
    return Markup('<a href="{}">{}</a>').format(href, text)


class DispatchView(FormColumnsPage, PortalModelView):
    column_list = [
        "number",
        "subject",
        "issued_on",
        "deadline",
        "roster",
        "form",
        "report",
        "is_open",
    ]
    column_details_list = [
        "number",
        "subject",
        "issued_on",
        "deadline",
        "issuer",
        "upstream_email",
        "message_id",
        "roster",
        "form",
        "report",
        "is_open",
        "note",
        "created_at",
    ]
    column_labels = DISPATCH_LABELS
    column_searchable_list = ["search_folded"]
    column_default_sort = ("issued_on", True)
    column_filters = ["is_open", "deadline"]
    column_formatters = {"roster": _roster_link, "form": _template_link, "report": _report_link}
    column_formatters_detail = column_formatters
    form_columns = [
        "number",
        "subject",
        "issued_on",
        "deadline",
        "issuer",
        "upstream_email",
        "message_id",
        "is_open",
        "note",
    ]
    # Dates are typed and shown as staff write them: dd/mm/yyyy.
    form_args = {
        "upstream_email": {"validators": [Optional(), Email()]},
        "issued_on": {"format": DATE_FORMATS},
        "deadline": {"format": DATE_FORMATS},
    }
    form_widget_args = {
        "issued_on": DATE_WIDGET,
        "deadline": DATE_WIDGET,
    }
    # The roster is large; it has its own screen (Recipient), linked from each dispatch.

    def on_model_change(self, form, model, is_created):
        check_dispatch(model)
        if is_created and not model.recipients:
            # As on the command line: a new dispatch goes to every active unit.
            model.recipients = [Recipient(unit=unit) for unit in roster_units(None)]
        super().on_model_change(form, model, is_created)

    def audit_state(self, model) -> dict:
        return super().audit_state(model) | {"roster": len(model.recipients)}

    @expose("/report/<int:dispatch_id>")
    def report_preview(self, dispatch_id: int):
        """The consolidated reply before it goes: figures, gaps, documents, sending."""
        dispatch = db.get_or_404(Dispatch, dispatch_id)
        documents = build(dispatch)
        review = db.session.scalars(
            select(Submission).where(
                Submission.dispatch_id == dispatch.id,
                Submission.is_current,
                Submission.status == SubmissionStatus.NEEDS_REVIEW,
            )
        ).all()
        sent = db.session.scalars(
            select(ConsolidatedReport)
            .where(ConsolidatedReport.dispatch_id == dispatch.id)
            .order_by(ConsolidatedReport.version.desc())
        ).all()
        return self.render(
            "admin/consolidated.html",
            dispatch=dispatch,
            figures=documents.figures,
            review=review,
            sent=sent,
            version=latest_version(dispatch),
            platforms=PLATFORMS,
            findings=FINDINGS,
        )

    @expose("/report/<int:dispatch_id>/<kind>")
    def report_file(self, dispatch_id: int, kind: str):
        """The workbook (xlsx) or the cover letter (docx), as they would be sent now."""
        dispatch = db.get_or_404(Dispatch, dispatch_id)
        if kind not in ("xlsx", "docx"):
            abort(404)
        documents = build(dispatch)
        data, mimetype, name = (
            (documents.workbook, XLSX_TYPE, "Tổng hợp")
            if kind == "xlsx"
            else (documents.letter, DOCX_TYPE, "Báo cáo")
        )
        return send_file(
            io.BytesIO(data),
            mimetype=mimetype,
            as_attachment=True,
            download_name=f"{name} {safe_number(dispatch)}.{kind}",
        )

    @expose("/report/<int:dispatch_id>/send", methods=["POST"])
    def report_send(self, dispatch_id: int):
        """Send once: the form carries the version it saw; a repeat finds it taken."""
        dispatch = db.get_or_404(Dispatch, dispatch_id)
        after = request.form.get("after_version", type=int)
        if after is None or (after > 0 and request.form.get("confirm_again") != "yes"):
            flash(_("To send the report again, tick the confirmation box."), "error")
        else:
            try:
                report = send_report(dispatch, after, current_user.email)
            except PortalError as exc:
                flash(str(exc), "error")
            else:
                flash(
                    _(
                        "The consolidated report (version %(version)d) is queued for %(to)s.",
                        version=report.version,
                        to=dispatch.upstream_email,
                    )
                    if report
                    else _("This report had already been sent; nothing was sent twice."),
                    "success" if report else "info",
                )
        return redirect(url_for(".report_preview", dispatch_id=dispatch.id))

    @expose("/form/<int:dispatch_id>")
    def form_template(self, dispatch_id: int):
        """The blank form of the dispatch (?unit=ID: with that unit's name filled in)."""
        dispatch = db.get_or_404(Dispatch, dispatch_id)
        unit = db.session.get(Unit, request.args.get("unit", type=int) or 0)
        return send_file(
            io.BytesIO(template_for(dispatch, unit)),
            mimetype=XLSX_TYPE,
            as_attachment=True,
            download_name=template_filename(dispatch, unit),
        )


class RecipientView(PortalModelView):
    column_list = ["dispatch", "unit", "unit.parent", "state", "last_return_at", "current"]
    column_labels = {
        "dispatch": _l("Dispatch"),
        "dispatch_id": _l("Dispatch"),
        "unit": _l("Unit"),
        "unit.parent": _l("Parent unit"),
        "unit.name_folded": _l("Unit"),
        "unit.code": _l("Code"),
        "state": _l("State"),
        "last_return_at": _l("Last return"),
        "current": _l("Current return"),
        "created_at": _l("Added at"),
    }
    column_searchable_list = ["unit.name_folded", "unit.code"]
    column_sortable_list = [
        ("dispatch", "dispatch.number"),
        ("unit", "unit.name"),
        "state",
        "last_return_at",
    ]
    column_filters = [
        DispatchFilter(Recipient.dispatch_id, _l("Dispatch")),
        ChoiceFilter(Recipient.state, _l("State"), RECIPIENT_STATES),
        ParentUnitFilter(Recipient.unit_id, _l("Parent unit")),
    ]
    column_formatters = {
        "state": labelled(RECIPIENT_STATES),
        "dispatch": dispatch_number,
        "current": _current_return,
    }
    column_formatters_detail = column_formatters
    form_columns = ["dispatch", "unit", "state"]
    form_choices = {"state": choices(RECIPIENT_STATES)}

    def _get_filter_groups(self):
        self._refresh_filters_cache()  # the list of dispatches to filter by changes over time
        return super()._get_filter_groups()

    @action(
        "remind",
        _l("Send a reminder"),
        _l("Send a reminder to the selected units that have not reported?"),
    )
    def action_remind(self, ids):
        recipients = list(
            db.session.scalars(select(Recipient).where(Recipient.id.in_(int_ids(ids))))
        )
        queued = remind_now(recipients)
        # Sent by the poller's outbox pass (within a minute), not while the page waits.
        flash(
            _(
                "Reminders queued for %(count)d units (units that have reported or were "
                "already reminded today are skipped).",
                count=queued,
            ),
            "success",
        )

    @staticmethod
    def roster_url(dispatch_id: int) -> str:
        """This list filtered to one dispatch (its filter is the first of column_filters)."""
        return url_for("recipient.index_view", flt0_0=dispatch_id)
