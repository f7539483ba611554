"""The page of a dispatch's own form (Công văn → the dispatch → "Các cột"): learned from
the blank form staff upload, copied from an earlier dispatch, or corrected column by
column (services/dispatch_forms.py). Part of DispatchView."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from sqlalchemy import select

from portal.errors import InvalidInput, PortalError
from portal.extensions import db
from portal.models import Dispatch, Submission
from portal.services import dispatch_forms


class FormColumnsPage:
    @expose("/columns/<int:dispatch_id>", methods=["GET", "POST"])
    def form_columns_page(self, dispatch_id: int):
        """The form the dispatch asks for: learned from a blank template, copied from an
        earlier dispatch, or the sites-and-pages form; its columns corrected by staff."""
        dispatch = db.get_or_404(Dispatch, dispatch_id)
        if request.method == "POST":
            if not self.can_edit:
                abort(403)
            try:
                self._change_form(dispatch, request.form.get("action", ""))
            except PortalError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            return redirect(url_for(".form_columns_page", dispatch_id=dispatch.id))
        others = db.session.scalars(
            select(Dispatch).where(Dispatch.id != dispatch.id).order_by(Dispatch.issued_on.desc())
        ).all()
        return self.render(
            "admin/dispatch_form.html",
            dispatch=dispatch,
            spec=dispatch.form_spec,
            others=others,
            types=dispatch_forms.TYPE_LABELS,
            has_returns=_has_returns(dispatch),
        )

    def _change_form(self, dispatch: Dispatch, action: str) -> None:
        if action == "learn":
            upload = request.files.get("template")
            if upload is None or not upload.filename:
                raise InvalidInput(_("Choose the blank form file first."))
            learned = dispatch_forms.learn_from_template(upload.read(MAX_TEMPLATE_BYTES))
            dispatch_forms.set_form(dispatch, learned.spec)
            flash(
                _(
                    "%(count)d columns found in the file: check them below and correct what "
                    "is wrong.",
                    count=len(learned.spec.fields),
                ),
                "success",
            )
        elif action == "copy":
            other = db.get_or_404(Dispatch, request.form.get("from", type=int) or 0)
            dispatch_forms.set_form(dispatch, other.form_spec)
            flash(_("The form of dispatch %(number)s was copied.", number=other.number), "success")
        elif action == "preset":
            dispatch_forms.set_form(dispatch, None)
            flash(_("The dispatch asks for the sites-and-pages form."), "success")
        elif action == "save" and dispatch.form_spec is not None:
            spec = dispatch_forms.edited_form(
                dispatch.form_spec, request.form.get("title", ""), _posted_columns()
            )
            dispatch_forms.set_form(dispatch, spec)
            flash(_("The form was saved."), "success")


MAX_TEMPLATE_BYTES = 10 * 1024 * 1024  # a blank form is a few tens of kilobytes
COLUMN_INPUTS = ("key", "header", "type", "choices", "alternatives", "required", "unique", "remove")


def _posted_columns() -> list[dict[str, str]]:
    """The rows of the form page's table of columns (inputs named 'header-3', 'type-3'...)."""
    count = min(request.form.get("count", type=int) or 0, 200)
    return [
        {name: request.form.get(f"{name}-{index}", "") for name in COLUMN_INPUTS}
        for index in range(count + 1)  # the last row adds a column
    ]


def _has_returns(dispatch: Dispatch) -> bool:
    found = select(Submission.id).where(Submission.dispatch_id == dispatch.id).limit(1)
    return db.session.scalar(found) is not None
