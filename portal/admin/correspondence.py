"""The correspondence queue ("Thư trao đổi"): units' messages that carry no form."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from portal.admin.base import ReadOnlyModelView, dispatch_number
from portal.errors import PortalError
from portal.extensions import db
from portal.labels import MESSAGE_REASONS
from portal.models import Dispatch, InboundMessage, InboundStatus
from portal.services import correspondence


def _reasons(view, context, model, name):
    codes = [code for code in (model.reasons or "").split(",") if code]
    return "; ".join(str(MESSAGE_REASONS.get(code, code)) for code in codes)


def _open_link(view, context, model, name):
    href = url_for("correspondence.read", message_id=model.id)
    return Markup('<a href="{}">{}</a>').format(href, model.subject or _("(no subject)"))


def _answer_state(view, context, model, name):
    if model.needs_answer:
        return Markup('<span class="badge badge-warning">{}</span>').format(_("Needs an answer"))
    return _("Done")


class CorrespondenceView(ReadOnlyModelView):
    """Questions, thanks, requests for more days: read by a person, never a return."""

    column_list = ["received_at", "unit", "from_address", "subject", "dispatch", "needs_answer"]
    column_details_list = [*column_list, "from_name", "reasons", "body_text"]
    column_labels = {
        "received_at": _l("Received at"),
        "unit": _l("Unit"),
        "from_address": _l("From"),
        "subject": _l("Email subject"),
        "dispatch": _l("Dispatch"),
        "needs_answer": _l("Answer"),
        "from_name": _l("Sender name"),
        "reasons": _l("Why it is not a return"),
        "body_text": _l("Text of the email"),
    }
    column_searchable_list = ["from_address", "subject"]
    column_filters = ["needs_answer", "received_at"]
    column_default_sort = [("needs_answer", True), ("received_at", True)]
    column_formatters = {
        "subject": _open_link,
        "dispatch": dispatch_number,
        "needs_answer": _answer_state,
        "reasons": _reasons,
    }
    folded_search = False

    def get_query(self):
        return super().get_query().filter(InboundMessage.status == InboundStatus.CORRESPONDENCE)

    def get_count_query(self):
        return (
            super().get_count_query().filter(InboundMessage.status == InboundStatus.CORRESPONDENCE)
        )

    @expose("/read/<int:message_id>", methods=["GET", "POST"])
    def read(self, message_id: int):
        """One message: its text and files, and what staff can do with it."""
        message = db.get_or_404(InboundMessage, message_id)
        if request.method == "POST":
            done = self._act(message, request.form.get("do", ""))
            if done is not None:
                return done
        dispatches = db.session.scalars(select(Dispatch).order_by(Dispatch.issued_on.desc()))
        return self.render(
            "admin/correspondence.html",
            message=message,
            dispatches=list(dispatches),
            reasons=_reasons(self, None, message, "reasons"),
            is_queued=message.status == InboundStatus.CORRESPONDENCE,
        )

    def _act(self, message: InboundMessage, action: str):
        """Carry out one of the page's buttons; the response, or None to show the page."""
        try:
            if action in ("answered", "reopen"):
                correspondence.set_answered(message, answered=action == "answered")
                flash(_("Saved."), "success")
                return redirect(url_for(".index_view"))
            if action == "triage":
                correspondence.move_to_triage(message)
                flash(_("Moved to triage: assign it to a unit and a dispatch there."), "success")
                return redirect(url_for("inboundmessage.assign", message_id=message.id))
            if action == "no_pages":
                dispatch = db.session.get(Dispatch, request.form.get("dispatch_id", type=int) or 0)
                if dispatch is None:
                    flash(_("Choose the dispatch this message answers."), "error")
                    return None
                submission = correspondence.record_as_no_pages(
                    message, dispatch, reviewer_id=self._user_id()
                )
                flash(_("Recorded as the unit's return: no pages."), "success")
                return redirect(url_for("submission.review", submission_id=submission.id))
        except PortalError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        return None

    @staticmethod
    def _user_id() -> int | None:
        from flask_login import current_user

        return current_user.id if current_user.is_authenticated else None
