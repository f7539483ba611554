"""Telling a sender, once, that their message was too large to be received."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from mailin.authres import SenderProof
from mailin.kinds import Kind
from mailin.message import ParsedMessage
from portal.extensions import db
from portal.models import InboundMessage, OutboundKind, OutboundMessage
from portal.services.accounts import mailbox_id_of
from portal.services.acknowledge import is_stale
from portal.services.dispatches import strip_header_value
from portal.services.filing import sender_proof, verdict_of
from portal.services.mailout import templated_message
from portal.services.matching import units_by_address

MB = 1024 * 1024


def queue_too_large_notice(message: InboundMessage, headers: ParsedMessage) -> None:
    """Queue one notice in the outbox (delivered by the outbox sender), at most once;
    the caller commits it with the message. Its texts: templates/email/too_large.*."""
    if not _may_notify(message, headers):
        return
    context = dict(
        subject=message.subject,
        size=-(-message.size // MB),  # rounded up: never "(25 MB) is larger than 25 MB"
        limit=current_app.config["MAILIN_MAX_BYTES"] // MB,
    )
    db.session.add(
        templated_message(
            "too_large",
            context,
            kind=OutboundKind.OTHER,
            to_addresses=message.from_address,
            inbound_message_id=message.id,
            mailbox_id=mailbox_id_of(message),
            headers={
                "In-Reply-To": strip_header_value(message.message_id),
                "Auto-Submitted": "auto-replied",
            },
        )
    )


def _may_notify(message: InboundMessage, headers: ParsedMessage) -> bool:
    """Only to a registered unit's proven address, for a person's recent message, once:
    never to a stranger, a forgery or a machine."""
    if not message.from_address or is_stale(message) or verdict_of(headers).kind == Kind.MACHINE:
        return False
    if sender_proof(headers).proof == SenderProof.NOT_PROVEN:
        return False
    if not units_by_address(message.from_address):
        return False
    already = db.session.scalar(
        select(OutboundMessage.id).where(
            OutboundMessage.inbound_message_id == message.id,
            OutboundMessage.kind == OutboundKind.OTHER,
        )
    )
    return not already
