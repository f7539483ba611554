"""Template helpers shared by the admin pages and the login page."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from portal import csrf
from portal.admin.dispatches import RecipientView
from portal.labels import (
    ATTACHMENT_STATUSES,
    FINDINGS,
    MACROS_NOTE,
    OUTBOUND_STATES,
    PLATFORMS,
    ROLES,
    SERVICE_PROBLEMS,
    SUBMISSION_STATUSES,
)
from portal.services.acknowledge import finding_text
from portal.services.spec_rows import show_value


def current_language() -> str:
    return str(get_locale() or "vi")


def role_label(role: str) -> str:
    return str(ROLES.get(role, role))


def outbound_state(state: str) -> str:
    return str(OUTBOUND_STATES.get(state, state))


def label_of(labels: dict):
    """A template function showing a stored code by its label (the code if none)."""
    return lambda code: str(labels.get(code, code))


def attachment_note(attachment) -> str:
    """What staff must know about an attachment beyond its status (macros), or ''."""
    return str(MACROS_NOTE) if attachment and attachment.has_macros else ""


def init_app(app: Flask) -> None:
    from portal import __version__

    app.jinja_env.globals.update(
        portal_version=__version__,
        admin_csrf_token=csrf.token,
        current_language=current_language,
        role_label=role_label,
        outbound_state=outbound_state,
        reading_problem=label_of(ATTACHMENT_STATUSES),
        attachment_note=attachment_note,
        submission_status=label_of(SUBMISSION_STATUSES),
        platform=label_of(PLATFORMS),
        finding=label_of(FINDINGS),
        service_problem=label_of(SERVICE_PROBLEMS),
        roster_url=RecipientView.roster_url,
        show_value=show_value,
        finding_text=finding_text,
    )
