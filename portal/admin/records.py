"""Read-only records: inbound and outbound mail, the audit trail."""

from __future__ import annotations

import json

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from portal.admin.base import (
    ChoiceFilter,
    ReadOnlyModelView,
    dispatch_number,
    int_ids,
    labelled,
)
from portal.errors import PortalError
from portal.extensions import db
from portal.labels import (
    ACTORS,
    AUDIT_ACTIONS,
    HOLD_REASONS,
    INBOUND_STATUSES,
    MACHINE_REASONS,
    MAIL_KINDS,
    MESSAGE_REASONS,
    OBJECT_TYPES,
    OUTBOUND_KINDS,
    OUTBOUND_STATES,
    SENDER_PROOFS,
)
from portal.models import (
    AuditEvent,
    Dispatch,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    Unit,
)
from portal.services.outbox import resend_failed
from portal.services.triage import assign as assign_message


def _as_json(view, context, model, name):
    value = getattr(model, name)
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
    return Markup("<pre>{}</pre>").format(text)


def _triage_link(view, context, model, name):
    if model.status == InboundStatus.CORRESPONDENCE:
        href = url_for("correspondence.read", message_id=model.id)
        return Markup('<a href="{}">{}</a>').format(href, INBOUND_STATUSES[model.status])
    if model.status != InboundStatus.TRIAGE:
        return labelled(INBOUND_STATUSES)(view, context, model, name)
    href = url_for("inboundmessage.assign", message_id=model.id)
    link = Markup('<a href="{}">{}</a>').format(href, _l("Awaiting triage: assign"))
    if model.hold_reason:
        return link + Markup("<br><small>{}</small>").format(
            HOLD_REASONS.get(model.hold_reason, model.hold_reason)
        )
    return link


def _reason_codes(view, context, model, name):
    codes = [code for code in (getattr(model, name) or "").split(",") if code]
    return "; ".join(str(MESSAGE_REASONS.get(code, code)) for code in codes)


class InboundMessageView(ReadOnlyModelView):
    column_list = ["received_at", "from_address", "subject", "kind", "status", "unit", "dispatch"]
    column_details_list = column_list + [
        "from_name",
        "message_id",
        "sent_at",
        "mailbox",
        "folder",
        "uid",
        "size",
        "sha256",
        "fetched_at",
        "machine_reason",
        "reasons",
        "sender_proof",
        "hold_reason",
        "error",
        "problems",
        "forwarded_from",
        "attachments",
        "body_text",
        "purged_at",
    ]
    column_labels = {
        "purged_at": _l("Body and files dropped (retention) at"),
        "received_at": _l("Received at"),
        "from_address": _l("From"),
        "from_name": _l("Sender name"),
        "subject": _l("Email subject"),
        "kind": _l("Kind"),
        "status": _l("Status"),
        "unit": _l("Unit"),
        "dispatch": _l("Dispatch"),
        "message_id": _l("Message-ID"),
        "sent_at": _l("Sent at"),
        "mailbox": _l("Mailbox"),
        "folder": _l("Folder"),
        "uid": _l("UID"),
        "size": _l("Size (bytes)"),
        "sha256": _l("SHA-256"),
        "machine_reason": _l("Why it is automatic mail"),
        "fetched_at": _l("Read by the portal at"),
        "reasons": _l("Why it is or is not a return"),
        "sender_proof": _l("Sender authentication"),
        "hold_reason": _l("Why it awaits triage"),
        "problems": _l("Problems found while reading"),
        "forwarded_from": _l("Forwarded from"),
        "error": _l("Error"),
        "attachments": _l("Attachments"),
        "body_text": _l("Text of the email"),
    }
    column_searchable_list = ["from_address", "subject"]
    column_filters = [
        ChoiceFilter(InboundMessage.status, _l("Status"), INBOUND_STATUSES),
        ChoiceFilter(InboundMessage.kind, _l("Kind"), MAIL_KINDS),
        "received_at",
    ]
    column_default_sort = ("received_at", True)
    column_formatters = {
        "kind": labelled(MAIL_KINDS),
        "status": _triage_link,
        "machine_reason": labelled(MACHINE_REASONS),
        "reasons": _reason_codes,
        "sender_proof": labelled(SENDER_PROOFS),
        "hold_reason": labelled(HOLD_REASONS),
        "dispatch": dispatch_number,
    }
    column_formatters_detail = column_formatters
    folded_search = False

    @expose("/assign/<int:message_id>", methods=["GET", "POST"])
    def assign(self, message_id: int):
        """Triage: say which unit sent a message and which dispatch it answers."""
        message = db.get_or_404(InboundMessage, message_id)
        if request.method == "POST":
            unit = db.session.get(Unit, request.form.get("unit_id", type=int) or 0)
            dispatch = db.session.get(Dispatch, request.form.get("dispatch_id", type=int) or 0)
            if unit is None or dispatch is None:
                flash(_("Choose both the unit and the dispatch."), "error")
            else:
                try:
                    submission = assign_message(
                        message, unit, dispatch, request.form.get("remember") == "yes"
                    )
                except PortalError as exc:
                    flash(str(exc), "error")
                else:
                    flash(
                        _(
                            "Recorded as %(unit)s's return; the unit is sent an acknowledgement.",
                            unit=unit.name,
                        ),
                        "success",
                    )
                    return redirect(url_for("submission.review", submission_id=submission.id))
        units = db.session.scalars(select(Unit).where(Unit.is_active).order_by(Unit.name))
        dispatches = db.session.scalars(select(Dispatch).order_by(Dispatch.issued_on.desc()))
        return self.render(
            "admin/assign.html",
            message=message,
            units=list(units),
            dispatches=list(dispatches),
            hold_reason=HOLD_REASONS.get(message.hold_reason, ""),
            sender_proof=SENDER_PROOFS.get(message.sender_proof, ""),
        )


class OutboundMessageView(ReadOnlyModelView):
    column_list = [
        "created_at",
        "kind",
        "to_addresses",
        "subject",
        "state",
        "attempts",
        "sent_at",
        "last_error",
    ]
    column_details_list = column_list + [
        "cc_addresses",
        "message_id",
        "next_attempt_at",
        "body_text",
    ]
    column_labels = {
        "created_at": _l("Created at"),
        "kind": _l("Kind"),
        "to_addresses": _l("To"),
        "cc_addresses": _l("Cc"),
        "subject": _l("Email subject"),
        "state": _l("State"),
        "attempts": _l("Attempts"),
        "sent_at": _l("Sent at"),
        "last_error": _l("Last error"),
        "message_id": _l("Message-ID"),
        "next_attempt_at": _l("Next attempt"),
        "body_text": _l("Text of the email"),
    }
    column_searchable_list = ["to_addresses", "subject"]
    column_filters = [
        ChoiceFilter(OutboundMessage.state, _l("State"), OUTBOUND_STATES),
        ChoiceFilter(OutboundMessage.kind, _l("Kind"), OUTBOUND_KINDS),
    ]
    column_default_sort = ("created_at", True)
    column_formatters = {"kind": labelled(OUTBOUND_KINDS), "state": labelled(OUTBOUND_STATES)}
    column_formatters_detail = column_formatters
    folded_search = False


class OutboxView(OutboundMessageView):
    """The outbox: read-only, but a failed message can be queued again."""

    @action("resend", _l("Send again"), _l("Queue the selected failed messages again?"))
    def action_resend(self, ids):
        count = resend_failed(int_ids(ids))
        flash(_("%(count)d messages queued again.", count=count), "success")


class AuditEventView(ReadOnlyModelView):
    column_list = ["at", "actor", "action", "object_type", "object_id", "summary"]
    column_details_list = column_list + ["before", "after"]
    column_labels = {
        "at": _l("When"),
        "actor": _l("Who"),
        "action": _l("Action"),
        "object_type": _l("Kind of record"),
        "object_id": _l("Record"),
        "summary": _l("Summary"),
        "before": _l("Before"),
        "after": _l("After"),
    }
    column_searchable_list = ["actor", "summary"]
    column_filters = [
        ChoiceFilter(AuditEvent.action, _l("Action"), AUDIT_ACTIONS),
        ChoiceFilter(AuditEvent.object_type, _l("Kind of record"), OBJECT_TYPES),
        "actor",
        "at",
    ]
    column_default_sort = ("at", True)
    column_formatters = {
        "action": labelled(AUDIT_ACTIONS),
        "object_type": labelled(OBJECT_TYPES),
        "actor": labelled(ACTORS),
    }
    column_formatters_detail = {
        "actor": labelled(ACTORS),
        "action": labelled(AUDIT_ACTIONS),
        "object_type": labelled(OBJECT_TYPES),
        "before": _as_json,
        "after": _as_json,
    }
    folded_search = False
