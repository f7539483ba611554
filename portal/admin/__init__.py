"""The staff screens (Flask-Admin), in Vietnamese, behind the login."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from portal.admin.accounts import UserView
from portal.admin.correspondence import CorrespondenceView
from portal.admin.dispatches import DispatchView, RecipientView
from portal.admin.home import HomeView
from portal.admin.mailboxes import MailboxView
from portal.admin.records import AuditEventView, InboundMessageView, OutboxView
from portal.admin.register import RegisterView
from portal.admin.report_settings import ReportSettingsView
from portal.admin.returns import SiteView, SubmissionView
from portal.admin.today import TodayView
from portal.admin.units import OfficialPageView, UnitView
from portal.extensions import db
from portal.headers import csp_nonce
from portal.models import (
    AuditEvent,
    Dispatch,
    InboundMessage,
    Mailbox,
    OfficialPage,
    OutboundMessage,
    Recipient,
    ReportSettings,
    Site,
    Submission,
    Unit,
    User,
)


def init_app(app: Flask) -> None:
    """Build a new Admin for this app (never module-level: tests build several apps)."""
    admin = Admin(
        app,
        name=_l("Returns portal"),
        index_view=HomeView(name=_l("Overview"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/portal_base.html", fluid=True),
        csp_nonce_generator=csp_nonce,  # its inline scripts carry the answer's CSP nonce
    )
    session = db  # Flask-Admin 2 takes the Flask-SQLAlchemy object
    admin.add_view(TodayView(name=_l("Today's work"), endpoint="today"))
    work = _l("Dispatches")
    admin.add_view(DispatchView(Dispatch, session, name=_l("Dispatches"), category=work))
    admin.add_view(RecipientView(Recipient, session, name=_l("Rosters"), category=work))
    admin.add_view(SubmissionView(Submission, session, name=_l("Returns"), category=work))
    admin.add_view(SiteView(Site, session, name=_l("Pages reported"), category=work))
    admin.add_view(RegisterView(name=_l("Register of pages"), endpoint="register", category=work))
    admin.add_view(UnitView(Unit, session, name=_l("Units")))
    admin.add_view(OfficialPageView(OfficialPage, session, name=_l("Official pages")))
    mail = _l("Mail")
    admin.add_view(InboundMessageView(InboundMessage, session, name=_l("Inbox"), category=mail))
    admin.add_view(
        CorrespondenceView(
            InboundMessage,
            session,
            name=_l("Correspondence"),
            category=mail,
            endpoint="correspondence",
        )
    )
    admin.add_view(OutboxView(OutboundMessage, session, name=_l("Outbox"), category=mail))
    admin.add_view(MailboxView(Mailbox, session, name=_l("Mailboxes"), category=mail))
    admin.add_view(
        ReportSettingsView(ReportSettings, session, name=_l("Report settings"), category=work)
    )
    admin.add_view(AuditEventView(AuditEvent, session, name=_l("Audit trail")))
    admin.add_view(UserView(User, session, name=_l("Staff accounts")))
