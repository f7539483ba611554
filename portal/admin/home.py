"""The admin's home page: the overview of open dispatches, the queues and the services."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from portal.admin.base import HomeBase
from portal.extensions import db
from portal.headers import proxy_unfixed
from portal.models import Recipient, Unit
from portal.services.outbox import held_for_tomorrow
from portal.services.overview import bar_chart, open_dispatches, queue_counts, service_lines
from portal.services.reminders import remind_now


class HomeView(HomeBase):
    """The admin home: where each open dispatch stands, at a glance."""

    @expose("/")
    def index(self):
        progress = open_dispatches()
        totals = {
            "units": db.session.scalar(select(func.count(Unit.id)).where(Unit.is_active)),
            **queue_counts(),
        }
        # The SVG holds only numbers and dates computed here, nothing a unit typed.
        charts = {
            p.dispatch.id: Markup(bar_chart(p.returns_by_day, p.dispatch.deadline))  # noqa: S704
            for p in progress
        }
        return self.render(
            "admin/home.html",
            progress=progress,
            totals=totals,
            charts=charts,
            services=service_lines(),
            held_by_limit=held_for_tomorrow(),
            proxy_unfixed=proxy_unfixed(),
            daily_limit=current_app.config["MAIL_DAILY_LIMIT"],
        )

    @expose("/remind/<int:dispatch_id>", methods=["POST"])
    def remind(self, dispatch_id: int):
        """One click: a reminder to every unit of the dispatch that has not reported."""
        recipients = db.session.scalars(
            select(Recipient).where(Recipient.dispatch_id == dispatch_id)
        ).all()
        queued = remind_now(list(recipients))
        flash(
            _(
                "Reminders queued for %(count)d units (units that have reported or were "
                "already reminded today are skipped).",
                count=queued,
            ),
            "success",
        )
        return redirect(url_for(".index"))
