"""Machine mail: what must never be acknowledged nor read as a return (RFC 3834 and practice)."""

from __future__ import annotations

import re

from mailin.message import ParsedMessage

_ROBOT_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|donotreply|bounces?|"
    r"notifications?|auto-?reply|autoresponder)([+._-].*)?@",
    re.IGNORECASE,
)
# Out-of-office replies of Exchange/Outlook, Gmail, Zimbra and others that may lack
# Auto-Submitted: their own headers, or subjects they always write.
_OOO_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-auto-reply",
    "x-ms-exchange-inbox-rules-loop",
    "x-ms-exchange-generated-message-source",
    "x-zimbra-autoreply",
)
_OOO_SUBJECT = re.compile(
    r"^(auto(matic)?[ -]?reply|out of (the )?office|vắng mặt|trả lời tự động|thư trả lời tự động|"
    r"abwesenheit|réponse automatique)\b",
    re.IGNORECASE,
)
_MACHINE_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
MACHINE_REASONS = (
    "auto_submitted",
    "precedence",
    "mailing_list",
    "auto_response_suppress",
    "out_of_office",
    "delivery_report",
    "null_return_path",
    "robot_sender",
    "own_message",
)


def machine_reason(
    parsed: ParsedMessage,
    own_domains: frozenset[str] = frozenset(),
    own_addresses: frozenset[str] = frozenset(),
) -> str:
    """Why this message was sent by a machine, as a code (see MACHINE_REASONS), or '' when a
    person sent it."""
    headers = parsed.headers
    auto = headers.get("auto-submitted", "").split(";")[0].split("(")[0].strip().lower()
    checks = [
        (auto and auto != "no", "auto_submitted"),
        (headers.get("precedence", "").strip().lower() in _MACHINE_PRECEDENCE, "precedence"),
        (any(name.startswith("list-") for name in headers), "mailing_list"),
        ("x-auto-response-suppress" in headers, "auto_response_suppress"),
        (any(name in headers for name in _OOO_HEADERS), "out_of_office"),
        (bool(_OOO_SUBJECT.match(parsed.subject)), "out_of_office"),
        (parsed.content_type == "multipart/report", "delivery_report"),
        (parsed.return_path == "", "null_return_path"),
        (bool(_ROBOT_SENDER.match(parsed.sender.address)), "robot_sender"),
        (_is_ours(parsed, own_domains, own_addresses), "own_message"),
    ]
    return next((reason for matched, reason in checks if matched), "")


def _is_ours(
    parsed: ParsedMessage, own_domains: frozenset[str], own_addresses: frozenset[str]
) -> bool:
    domain = parsed.message_id.rsplit("@", 1)[-1].rstrip(">").lower()
    return domain in own_domains or parsed.sender.address in own_addresses
