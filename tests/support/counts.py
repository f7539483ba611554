"""Counting at the far end: what the database holds, what the IMAP server still shows
unseen, what the SMTP server received; and the check that a run stored, read and answered
each message once (the fault and coordination tests)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Attachment,
    InboundMessage,
    InboundStatus,
    OutboundKind,
    OutboundMessage,
    OutboundState,
    Site,
    Submission,
)
from tests.support.mailbox import imap
from tests.support.smtp import SmtpServer

ACKNOWLEDGED = (OutboundMessage.kind == OutboundKind.ACKNOWLEDGEMENT,)


def state(app) -> dict[str, int]:
    """What the database holds, in the numbers the tests compare."""
    with app.app_context():
        number = lambda query: db.session.scalar(query)  # noqa: E731
        return {
            "messages": number(select(func.count(InboundMessage.id))),
            "distinct_bytes": number(select(func.count(func.distinct(InboundMessage.sha256)))),
            "new": number(
                select(func.count(InboundMessage.id)).where(
                    InboundMessage.status == InboundStatus.NEW
                )
            ),
            "processed": number(
                select(func.count(InboundMessage.id)).where(
                    InboundMessage.status == InboundStatus.PROCESSED
                )
            ),
            "ignored": number(
                select(func.count(InboundMessage.id)).where(
                    InboundMessage.status == InboundStatus.IGNORED
                )
            ),
            "submissions": number(select(func.count(Submission.id))),
            "submitted_messages": number(
                select(func.count(func.distinct(Submission.inbound_message_id)))
            ),
            "sites": number(select(func.count(Site.id))),
            "acks": number(select(func.count(OutboundMessage.id)).where(*ACKNOWLEDGED)),
            "acked_messages": number(
                select(func.count(func.distinct(OutboundMessage.inbound_message_id))).where(
                    *ACKNOWLEDGED
                )
            ),
            "unsent": number(
                select(func.count(OutboundMessage.id)).where(
                    OutboundMessage.state.in_([OutboundState.QUEUED, OutboundState.SENDING])
                )
            ),
            "attachments_without_content": number(
                select(func.count(Attachment.id)).where(
                    Attachment.content.is_(None)
                    | (func.length(Attachment.content) != Attachment.size)
                )
            ),
            "messages_without_bytes": number(
                select(func.count(InboundMessage.id)).where(
                    InboundMessage.raw.is_(None)
                    | (func.length(InboundMessage.raw) != InboundMessage.size)
                )
            ),
        }


def unseen(dovecot, folder: str) -> int:
    with imap(dovecot) as client:
        client.select_folder(folder, readonly=True)
        return len(client.search(["UNSEEN"]))


def received_ids(smtp: SmtpServer) -> Counter:
    """How many times the SMTP server accepted each Message-ID."""
    return Counter(received.message["Message-ID"] for received in smtp.messages)


def assert_all_there_once(app, dovecot, folder, total: int, returns: int) -> dict[str, int]:
    found = state(app)
    assert found["messages"] == found["distinct_bytes"] == total
    assert found["new"] == 0, "a stored message was never processed"
    assert found["processed"] == returns and found["ignored"] == total - returns
    assert found["submissions"] == found["submitted_messages"] == returns
    assert found["sites"] == 2 * returns
    assert found["acks"] == found["acked_messages"] == returns
    assert found["attachments_without_content"] == found["messages_without_bytes"] == 0
    assert unseen(dovecot, folder) == 0
    return found
