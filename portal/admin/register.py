"""The register of pages ("Sổ theo dõi trang"): each unit's pages across the dispatches,
searchable, exportable, a page markable as closed (services/register.py)."""

from __future__ import annotations

import io

from flask import flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin.base import StaffAccess
from portal.labels import PAGE_CHANGES, PAGE_STATES, PLATFORMS
from portal.services import register
from portal.services.blank_form import XLSX_TYPE
from portal.services.register_workbook import register_workbook

SHOWN = 500  # entries on the page; the workbook holds them all


class RegisterView(StaffAccess, BaseView):
    @expose("/", methods=["GET", "POST"])
    def index(self):
        if request.method == "POST":
            self._close_or_reopen()
            return redirect(url_for(".index", q=request.args.get("q", "")))
        search, status = request.args.get("q", ""), request.args.get("status", "")
        if status not in PAGE_STATES:
            status = ""
        found = register.build_register(search, status)
        return self.render(
            "admin/register.html",
            entries=found.entries[:SHOWN],
            total=len(found.entries),
            changes=found.changes[-SHOWN:][::-1],
            search=search,
            status=status,
            states=PAGE_STATES,
            kinds=PAGE_CHANGES,
            platforms=PLATFORMS,
            can_write=current_user.can_write,
        )

    @expose("/export.xlsx")
    def export(self):
        found = register.build_register(request.args.get("q", ""), request.args.get("status", ""))
        return send_file(
            io.BytesIO(register_workbook(found)),
            mimetype=XLSX_TYPE,
            as_attachment=True,
            download_name="So-theo-doi-trang.xlsx",
        )

    def _close_or_reopen(self) -> None:
        unit_id = request.form.get("unit_id", type=int)
        key = request.form.get("key", "")
        if not unit_id or not key:
            return
        if request.form.get("action") == "reopen":
            register.reopen_page(unit_id, key)
            flash(_("The page is followed again."), "success")
        else:
            register.close_page(unit_id, key, request.form.get("note", ""), current_user.id)
            flash(_("The page is marked closed."), "success")
