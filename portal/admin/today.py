"""The page a member of staff opens first: what needs a person today (services/today.py)."""

from __future__ import annotations

from flask_admin import BaseView, expose

from portal.admin.base import StaffAccess
from portal.services.today import today


class TodayView(StaffAccess, BaseView):
    @expose("/")
    def index(self):
        return self.render("admin/today.html", today=today())
