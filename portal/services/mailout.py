"""Turning an outbox row into an email and handing it to the SMTP server.

Messages are written with the standard library's email package (policy SMTP): subjects and
display names RFC 2047-encoded, attachment names RFC 2231 `utf-8''...` (Flask-Mail writes a
non-standard `UTF8''`), bodies quoted-printable so no line passes 998 octets. The connection
uses Flask-Mail's settings (MAIL_*) with a connect/read timeout, which Flask-Mail lacks.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid

from flask import current_app

from mailin.imap import is_loopback
from portal.database import utcnow
from portal.models import OutboundMessage, ServiceProblem
from portal.services import oauth
from portal.services.dispatches import strip_header_value
from portal.texts import render_line, render_optional, render_text

log = logging.getLogger(__name__)

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


class AccountFailure(Exception):
    """Nothing can be sent now, whatever the message: the login was refused (a revoked app
    password), the account's sending quota is spent, or the server cannot be reached or
    spoken to safely (TLS). The outbox pauses; no message is failed for it.

    `reason`: auth, quota, rate or connection (portal.labels.SERVICE_PROBLEMS)."""

    def __init__(self, reason: ServiceProblem | str, detail: str) -> None:
        super().__init__(detail)
        self.reason = ServiceProblem(reason)


def templated_message(name: str, context: dict, **fields) -> OutboundMessage:
    """An outbox row whose texts are templates/email/NAME.subject.txt (one line), NAME.txt
    and, when staff keep one, NAME.html; a new Message-ID. `fields`: the rest of the row."""
    return OutboundMessage(
        subject=render_line(f"email/{name}.subject.txt", **context),
        body_text=render_text(f"email/{name}.txt", **context),
        body_html=render_optional(f"email/{name}.html", **context),
        message_id=new_message_id(),
        **fields,
    )


def new_message_id() -> str:
    """A Message-ID on our own domain (so our mail coming back is recognised)."""
    domain = current_app.config["MAIL_MESSAGE_ID_DOMAIN"] or sender_address().rsplit("@", 1)[-1]
    return make_msgid(domain=domain or "localhost")


def sender_address(config=None) -> str:
    return sender_parts(config)[1]


def sender_parts(config=None) -> tuple[str, str]:
    """(display name, address) of MAIL_DEFAULT_SENDER (of `config`, an account's, else the
    app's). Written by hand, a display name often has a comma ("Ban Tuyên giáo, Tỉnh
    Đoàn..."), which address parsers split on."""
    config = config if config is not None else current_app.config
    sender = config["MAIL_DEFAULT_SENDER"] or config["MAIL_USERNAME"]
    if isinstance(sender, tuple | list):
        return str(sender[0]), str(sender[1])
    text = str(sender or "").strip()
    if text.endswith(">") and "<" in text:
        name, _bracket, address = text[:-1].rpartition("<")
        return name.strip().strip('"').strip(), address.strip()
    return "", text


def _from_header(config=None) -> Address:
    """The From address; a display name with a comma or accents is quoted and encoded."""
    name, address = sender_parts(config)
    user, _at, domain = address.partition("@")
    return Address(display_name=strip_header_value(name), username=user, domain=domain)


def compose(outbound: OutboundMessage, config=None) -> EmailMessage:
    """The email of an outbox row, ready for SMTP (From: the sending account's, `config`)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _from_header(config)
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


class SmtpConnection:
    """One SMTP connection for a batch of messages (the outbox's send_due): opened at the
    first message and kept for the next ones, which saves a connection, greeting (and TLS and
    login) per message. After any failure it is closed, so the next message starts on a fresh
    connection whatever state the failure left it in.

    A server may drop a connection it has kept a while (an idle timeout, a limit of messages
    per connection): the next command then meets a closed socket or a 421 "closing". On a
    connection that already carried a message, that is taken as this drop, and the message
    is sent once more on a new connection. It is no new risk of a double: a server that
    drops the connection just after taking the message is, on a fresh connection too, a
    failure the outbox tries again later."""

    def __init__(self, config=None) -> None:
        """`config`: the sending account's MAIL_* settings (a mailbox's own), else the app's."""
        self.config = config if config is not None else current_app.config
        self.sender = sender_address(self.config)
        self._server: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close(polite=True)

    def send(self, message: EmailMessage) -> None:
        recipients = [
            a for _n, a in getaddresses(message.get_all("To", []) + message.get_all("Cc", []))
        ]
        try:
            self._send(message, recipients)
        except AccountFailure:
            self.close()
            raise
        except Exception as exc:
            self.close()
            failure = _failure(exc)
            if failure is None:
                raise
            raise failure from exc

    def _send(self, message: EmailMessage, recipients: list[str]) -> None:
        reused = self._server is not None
        server = self._server or self._open()
        try:
            server.send_message(message, from_addr=self.sender, to_addrs=recipients)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as exc:
            dropped = not isinstance(exc, smtplib.SMTPResponseException) or exc.smtp_code == 421
            if not (reused and dropped):
                raise
            log.info("the SMTP server dropped the connection (%s): connecting again", exc)
            self.close()
            self._open().send_message(message, from_addr=self.sender, to_addrs=recipients)

    def _open(self) -> smtplib.SMTP:
        """Connect and log in; any failure here is the account's or the server's, not the
        message's (one login per connection, and the outbox stops at the first refusal)."""
        try:
            self._server = _connect(self.config)
        except smtplib.SMTPAuthenticationError as exc:
            raise AccountFailure(
                ServiceProblem.AUTH, f"{exc.smtp_code} {exc.smtp_error!r}"
            ) from exc
        except oauth.OAuthError as exc:  # no access token: the refresh refused, or unreachable
            raise AccountFailure(exc.reason, str(exc)) from exc
        except ssl.SSLError as exc:  # a certificate not trusted, a TLS handshake refused
            raise AccountFailure(ServiceProblem.TLS, f"{type(exc).__name__}: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            reason = _account_reason(exc) or ServiceProblem.CONNECTION
            raise AccountFailure(reason, f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, TLS refused
            raise AccountFailure(ServiceProblem.CONNECTION, f"{type(exc).__name__}: {exc}") from exc
        return self._server

    def close(self, polite: bool = False) -> None:
        """Say QUIT when all went well; after a failure just close the socket (a server in
        a bad state would keep us waiting for its answer)."""
        server, self._server = self._server, None
        if server is None:
            return
        if polite:
            try:
                server.quit()
                return
            except (smtplib.SMTPException, OSError):
                pass
        server.close()


# Answers about the account rather than the message: its sending quota (Gmail's
# "550 5.4.5 Daily user sending quota exceeded", Microsoft's "SubmissionQuotaExceeded"), a
# rate limit ("421 4.7.0 Try again later", "4.7.28"), a login needed or refused (5.7.x
# from 530/534/535).
_QUOTA = re.compile(r"\b5\.4\.5\b|quota", re.IGNORECASE)
_RATE = re.compile(r"\b4\.7\.\d+\b|rate limit|too many (messages|connections)", re.IGNORECASE)
_AUTH_CODES = {530, 534, 535}


def _account_reason(exc: smtplib.SMTPResponseException) -> ServiceProblem:
    """auth, quota or rate when the server's answer is about the account, else ''."""
    words = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    if exc.smtp_code in _AUTH_CODES:
        return ServiceProblem.AUTH
    if _QUOTA.search(words):
        return ServiceProblem.QUOTA
    if exc.smtp_code == 421 or _RATE.search(words):
        return ServiceProblem.RATE
    return ServiceProblem.NONE


def _failure(exc: Exception) -> Exception | None:
    """What an SMTP error means: AccountFailure (nothing can go now), TransientFailure or
    PermanentFailure (this message), or None for an error that is no SMTP failure (a bug:
    let it be seen)."""
    if isinstance(exc, smtplib.SMTPResponseException) and _account_reason(exc):
        return AccountFailure(_account_reason(exc), f"{exc.smtp_code} {exc.smtp_error!r}")
    if isinstance(exc, smtplib.SMTPResponseException):
        failure = PermanentFailure if 500 <= exc.smtp_code < 600 else TransientFailure
        return failure(f"{exc.smtp_code} {exc.smtp_error!r}")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        failure = PermanentFailure if all(500 <= c < 600 for c in codes) else TransientFailure
        return failure(f"recipients refused: {exc.recipients!r}")
    if isinstance(exc, TimeoutError | smtplib.SMTPException | OSError):
        return TransientFailure(f"{type(exc).__name__}: {exc}")
    return None


def _connect(config) -> smtplib.SMTP:
    """A connection with MAIL_* settings: implicit TLS (MAIL_USE_SSL, port 465) or STARTTLS
    (MAIL_USE_TLS, 587), certificates verified (MAIL_CA_FILE for a server's own CA); a login
    only over TLS, or to loopback, unless MAIL_ALLOW_PLAINTEXT says otherwise."""
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    encrypted = config["MAIL_USE_SSL"] or config["MAIL_USE_TLS"]
    if config["MAIL_USERNAME"] and not (
        encrypted or is_loopback(host) or config["MAIL_ALLOW_PLAINTEXT"]
    ):
        raise AccountFailure(
            ServiceProblem.TLS,
            f"{host}: the password would go unencrypted; set MAIL_USE_TLS (587) or "
            "MAIL_USE_SSL (465), or MAIL_ALLOW_PLAINTEXT if you really mean it",
        )
    context = ssl.create_default_context(cafile=config["MAIL_CA_FILE"] or None)
    if config["MAIL_USE_SSL"]:
        server = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        if config["MAIL_USE_TLS"]:
            server.starttls(context=context)
    if config["MAIL_USERNAME"] and _auth_method(config) == "oauth2":
        _oauth2_login(server, config)
    elif config["MAIL_USERNAME"]:
        server.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return server


def _auth_method(config) -> str:
    method = str(config["MAIL_AUTH"] or "password").strip().lower()
    if method not in ("password", "oauth2"):
        raise AccountFailure(
            ServiceProblem.AUTH, f"MAIL_AUTH must be password or oauth2, not {method!r}"
        )
    return method


def _oauth2_login(server: smtplib.SMTP, config) -> None:
    """AUTH XOAUTH2 with the account's access token; when the server refuses it (revoked
    before its time), once more with a new one."""
    user = config["MAIL_USERNAME"]
    token = oauth.access_token(config)
    try:
        _xoauth2(server, user, token)
    except smtplib.SMTPAuthenticationError:
        log.info("the SMTP server refused the access token; refreshing it once")
        _xoauth2(server, user, oauth.access_token(config, refused=token))


def _xoauth2(server: smtplib.SMTP, user: str, token: str) -> None:
    # smtplib's auth() neither says EHLO first nor refuses a 503 ("send EHLO first" is
    # taken as success): both done here. On a refusal Gmail first answers 334 with a JSON
    # error and waits for an empty line, then 535: smtplib passes that challenge to the
    # function, whose answer is then "".
    server.ehlo_or_helo_if_needed()
    offered = server.esmtp_features.get("auth", "").upper().split()
    if "XOAUTH2" not in offered:
        raise AccountFailure(
            ServiceProblem.AUTH, f"the SMTP server offers no XOAUTH2 (only {offered})"
        )
    initial = oauth.xoauth2(user, token)
    code, answer = server.auth(
        "XOAUTH2", lambda challenge=None: initial if challenge is None else ""
    )
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)
