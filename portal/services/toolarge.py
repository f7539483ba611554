"""Telling a sender, once, that their message was too large to be received."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from mailin.authres import SenderProof
from mailin.kinds import Kind
from mailin.message import ParsedMessage
from portal.extensions import db
from portal.models import InboundMessage, OutboundKind, OutboundMessage
from portal.services.acknowledge import is_stale
from portal.services.dispatches import strip_header_value
from portal.services.filing import sender_proof, verdict_of
from portal.services.mailout import new_message_id
from portal.services.matching import units_by_address


def queue_too_large_notice(message: InboundMessage, headers: ParsedMessage) -> None:
    """Queue one notice in the outbox (delivered by the outbox sender), at most once;
    the caller commits it with the message. Only to a registered unit's proven address,
    for a person's recent message: never to a stranger, a forgery or a machine."""
    if not message.from_address or is_stale(message) or verdict_of(headers).kind == Kind.MACHINE:
        return
    if sender_proof(headers).proof == SenderProof.NOT_PROVEN:
        return
    if not units_by_address(message.from_address):
        return
    already = db.session.scalar(
        select(OutboundMessage.id).where(
            OutboundMessage.inbound_message_id == message.id,
            OutboundMessage.kind == OutboundKind.OTHER,
        )
    )
    if already:
        return
    limit_mb = current_app.config["MAILIN_MAX_BYTES"] // (1024 * 1024)
    with force_locale("vi"):
        subject = _("Your email was too large to be received")
        body = _(
            "Your email “%(subject)s” (%(size)d MB) is larger than the %(limit)d MB this "
            "mailbox accepts, so it was not received. Please send the completed form again "
            "as an Excel or Word file without large pictures or scans.",
            subject=message.subject,
            size=message.size // (1024 * 1024),
            limit=limit_mb,
        )
    db.session.add(
        OutboundMessage(
            kind=OutboundKind.OTHER,
            to_addresses=message.from_address,
            subject=strip_header_value(subject),
            body_text=body,
            message_id=new_message_id(),
            inbound_message_id=message.id,
            headers={
                "In-Reply-To": strip_header_value(message.message_id),
                "Auto-Submitted": "auto-replied",
            },
        )
    )
