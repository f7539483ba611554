"""The mailboxes the poller reads besides the environment's own (administrators only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange

from portal.admin.base import PortalModelView

SECURITY = [
    ("ssl", "SSL/TLS (993)"),
    ("starttls", "STARTTLS (143)"),
    ("none", _l("No encryption (a server on this machine)")),
]
SMTP_SECURITY = [
    ("starttls", "STARTTLS (587)"),
    ("ssl", "SSL/TLS (465)"),
    ("none", _l("No encryption (a server on this machine)")),
]
AUTH = [("password", _l("App password")), ("oauth2", "OAuth2")]


class MailboxView(PortalModelView):
    """Where each mailbox is and how to log in; never the secret itself, only where the
    poller finds it (an environment variable or a file on the server)."""

    admin_only = True
    column_list = ["name", "user", "host", "folder", "is_active"]
    column_labels = {
        "name": _l("Name"),
        "host": _l("IMAP server"),
        "port": _l("Port"),
        "security": _l("Encryption"),
        "user": _l("Account"),
        "auth": _l("Login with"),
        "folder": _l("Folder"),
        "processed_folder": _l("Folder for handled mail"),
        "secret_from": _l("Where the secret is"),
        "is_active": _l("Active"),
        "created_at": _l("Created at"),
        "smtp_host": _l("SMTP server for replies"),
        "smtp_port": _l("SMTP port"),
        "smtp_security": _l("SMTP encryption"),
    }
    column_descriptions = {
        "secret_from": _l(
            "The name of an environment variable of the poller (IMAP_PASSWORD_GOV) or the "
            "path of a file on the server (/etc/portal/gov.secret) holding the app password "
            "or, for OAuth2, the refresh token. The secret itself is never stored here."
        ),
        "processed_folder": _l("Empty: handled mail stays where it is, marked as read."),
        "smtp_host": _l(
            "Replies to mail that came in here leave through this server, with this account "
            "and its secret. Empty: through the portal's own sending account (MAIL_*)."
        ),
    }
    form_columns = [
        "name",
        "host",
        "port",
        "security",
        "user",
        "auth",
        "folder",
        "processed_folder",
        "secret_from",
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "is_active",
    ]
    form_choices = {"security": SECURITY, "auth": AUTH, "smtp_security": SMTP_SECURITY}
    # A port is a name, not a quantity: 1025, never "1.025".
    column_formatters_detail = {
        "port": lambda view, context, model, name: str(model.port),
        "smtp_port": lambda view, context, model, name: str(model.smtp_port),
    }
    form_args = {
        "port": {"validators": [NumberRange(1, 65535)]},
        "smtp_port": {"validators": [NumberRange(1, 65535)]},
    }
    folded_search = False
    column_searchable_list = ["name", "user", "host"]
