"""Turning an outbox row into an email and handing it to the SMTP server.

Messages are written with the standard library's email package (policy SMTP): subjects and
display names RFC 2047-encoded, attachment names RFC 2231 `utf-8''...` (Flask-Mail writes a
non-standard `UTF8''`), bodies quoted-printable so no line passes 998 octets. The connection
uses Flask-Mail's settings (MAIL_*) with a connect/read timeout, which Flask-Mail lacks.
"""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid

from flask import current_app

from portal.database import utcnow
from portal.models import OutboundMessage
from portal.services.dispatches import strip_header_value

SMTP_TIMEOUT = 30
# Headers an outbox row may carry (anything else in its JSON is ignored).
COPIED_HEADERS = (
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "X-Auto-Response-Suppress",
    "Reply-To",
)


class TransientFailure(Exception):
    """Try again later: the server was away, timed out, or answered 4xx."""


class PermanentFailure(Exception):
    """Do not try again: the server refused the message (5xx)."""


def new_message_id() -> str:
    """A Message-ID on our own domain (so our mail coming back is recognised)."""
    domain = current_app.config["MAIL_MESSAGE_ID_DOMAIN"] or sender_address().rsplit("@", 1)[-1]
    return make_msgid(domain=domain or "localhost")


def sender_address() -> str:
    return _sender_parts()[1]


def _sender_parts() -> tuple[str, str]:
    """(display name, address) of MAIL_DEFAULT_SENDER. Written by hand, a display name
    often has a comma ("Ban Tuyên giáo, Tỉnh Đoàn..."), which address parsers split on."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"] or current_app.config["MAIL_USERNAME"]
    if isinstance(sender, tuple | list):
        return str(sender[0]), str(sender[1])
    text = str(sender or "").strip()
    if text.endswith(">") and "<" in text:
        name, _bracket, address = text[:-1].rpartition("<")
        return name.strip().strip('"').strip(), address.strip()
    return "", text


def _from_header() -> Address:
    """The From address; a display name with a comma or accents is quoted and encoded."""
    name, address = _sender_parts()
    user, _at, domain = address.partition("@")
    return Address(display_name=strip_header_value(name), username=user, domain=domain)


def compose(outbound: OutboundMessage) -> EmailMessage:
    """The email of an outbox row, ready for SMTP."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _from_header()
    message["To"] = [address for _name, address in getaddresses([outbound.to_addresses])]
    if outbound.cc_addresses:
        message["Cc"] = [a for _n, a in getaddresses([outbound.cc_addresses])]
    message["Subject"] = strip_header_value(outbound.subject)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = outbound.message_id
    for name in COPIED_HEADERS:
        value = strip_header_value((outbound.headers or {}).get(name))
        if value:
            message[name] = value
    message.set_content(outbound.body_text, cte="quoted-printable")
    if outbound.body_html:
        message.add_alternative(outbound.body_html, subtype="html", cte="quoted-printable")
    for attachment in outbound.attachments:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def deliver(message: EmailMessage) -> None:
    """Send one message over SMTP; TransientFailure or PermanentFailure when it fails."""
    config = current_app.config
    recipients = [
        a for _n, a in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
    ]
    try:
        with _connect(config) as server:
            server.send_message(message, from_addr=sender_address(), to_addrs=recipients)
    except smtplib.SMTPResponseException as exc:
        failure = PermanentFailure if 500 <= exc.smtp_code < 600 else TransientFailure
        raise failure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        failure = PermanentFailure if all(500 <= c < 600 for c in codes) else TransientFailure
        raise failure(f"recipients refused: {exc.recipients!r}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc


def _connect(config) -> smtplib.SMTP:
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config["MAIL_USE_SSL"]:
        server = smtplib.SMTP_SSL(
            host, port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        if config["MAIL_USE_TLS"]:
            server.starttls(context=ssl.create_default_context())
    if config["MAIL_USERNAME"]:
        server.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return server
