"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, or refuses it."""

from __future__ import annotations

import asyncio
import base64
import binascii
import email
import email.policy
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING, NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, AuthResult, LoginPassword

if TYPE_CHECKING:
    from tests.support.oauth_server import OAuthServer


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    peer: tuple = ()  # the client's (address, port): one per connection

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class Handler:
    messages: list[Received] = field(default_factory=list)
    reply: str = "250 OK"  # set to "451 ..." or "550 ..." to refuse
    delay: float = 0.0  # seconds before answering DATA: a slow server, a wider crash window
    # After this many messages on one connection, the next MAIL FROM is answered "421" and
    # the connection closed (as servers that limit messages per connection do).
    per_connection: int | None = None
    _carried: dict = field(default_factory=dict)  # messages taken, by connection (peer)
    # After this many messages in all, every DATA is answered `then_reply` (a quota spent).
    accept_only: int | None = None
    then_reply: str = "550 5.4.5 Daily user sending quota exceeded"

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        if self.per_connection is not None:
            if self._carried.get(session.peer, 0) >= self.per_connection:
                asyncio.get_running_loop().call_soon(server.transport.close)
                return "421 4.7.0 Too many messages on this connection, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.accept_only is not None and len(self.messages) >= self.accept_only:
            return self.then_reply
        if self.reply.startswith("250"):
            self.messages.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content or envelope.content,
                    tuple(session.peer),
                )
            )
            self._carried[session.peer] = self._carried.get(session.peer, 0) + 1
        return self.reply


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Bearer(NamedTuple):
    """What an AUTH XOAUTH2 carries (`login`, as aiosmtpd's LoginPassword has, ends up in
    session.login_data)."""

    login: bytes
    token: bytes


@dataclass
class Login:
    """SMTP AUTH (PLAIN, LOGIN) with one account, counting every attempt. Loopback only,
    so without TLS (the TLS tests give the server a certificate of their own). With
    `oauth`, AUTH XOAUTH2 too: the token must be one of that server's, valid and unexpired,
    for the user named beside it."""

    user: str
    password: str
    attempts: int = 0
    oauth: OAuthServer | None = None

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.attempts += 1
        if isinstance(auth_data, Bearer):
            user = auth_data.login.decode(errors="replace")
            ok = self.oauth is not None and self.oauth.user_of(auth_data.token.decode()) == user
        else:
            ok = isinstance(auth_data, LoginPassword) and (
                auth_data.login.decode() == self.user
                and auth_data.password.decode() == self.password
            )
        return AuthResult(success=ok, handled=False)


# Gmail's answer to a bad XOAUTH2 token: a 334 challenge carrying this (base64 JSON), and
# after the client's answer to it (an empty line, by the protocol) a 535.
XOAUTH2_ERROR = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
XOAUTH2_REFUSED = "535 5.7.8 Username and Password not accepted"


@dataclass
class OAuthHandler(Handler):
    """A Handler that also offers AUTH XOAUTH2: aiosmtpd takes a handler's `auth_<MECH>`
    methods as extra mechanisms (beside its own PLAIN and LOGIN), so only servers with an
    OAuth2 login get it, and the others' EHLO stays as it was."""

    login: Login | None = None

    async def auth_XOAUTH2(self, server, args: list[str]) -> AuthResult:  # noqa: N802
        if len(args) > 1:
            try:
                initial = base64.b64decode(args[1], validate=True)
            except (binascii.Error, ValueError):
                initial = b""
        else:  # no initial response: ask for it
            initial = await server.challenge_auth("")
            if initial is MISSING:  # aiosmtpd answered the client already (501)
                return AuthResult(success=False, handled=True)
        bearer = _parse_xoauth2(initial)
        if bearer is None:
            await server.push("501 5.5.2 Cannot decode the XOAUTH2 response")
            return AuthResult(success=False, handled=True)
        assert self.login is not None
        result = self.login(server, server.session, server.envelope, "XOAUTH2", bearer)
        if result.success:
            return AuthResult(success=True, auth_data=bearer)
        answer = await server.challenge_auth(json.dumps(XOAUTH2_ERROR))
        if answer is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message=XOAUTH2_REFUSED)


def _parse_xoauth2(text: bytes) -> Bearer | None:
    """`user=<u>^Aauth=Bearer <token>^A^A`: the user and token, or None."""
    fields = dict(part.partition(b"=")[::2] for part in text.split(b"\x01") if part)
    user, auth = fields.get(b"user"), fields.get(b"auth", b"")
    scheme, _, token = auth.partition(b" ")
    if not user or scheme.lower() != b"bearer" or not token:
        return None
    return Bearer(user, token.strip())


class SmtpServer:
    """aiosmtpd on a free local port; start() and stop() may be called again (an outage).
    With `login`, it requires SMTP AUTH with that account (and offers XOAUTH2 if the
    login has an OAuth2 server)."""

    def __init__(
        self,
        port: int | None = None,
        login: Login | None = None,
        tls=None,
        implicit_tls: bool = False,
    ) -> None:
        """`tls` (tests.support.tls.Certificates): STARTTLS required before anything else,
        or TLS from the first byte with `implicit_tls` (port 465's way)."""
        oauth = login is not None and login.oauth is not None
        self.handler = OAuthHandler(login=login) if oauth else Handler()
        self.port = port or free_port()
        self.login = login
        self.tls, self.implicit_tls = tls, implicit_tls
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        options: dict = {}
        if self.login:
            # (aiosmtpd only knows of STARTTLS: on implicit TLS the whole connection is
            # encrypted already, and it must not hide AUTH for want of a STARTTLS.)
            require_tls = bool(self.tls) and not self.implicit_tls
            options.update(
                authenticator=self.login, auth_required=True, auth_require_tls=require_tls
            )
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.tls.cert_file, self.tls.key_file)
            if self.implicit_tls:
                options["ssl_context"] = context
            else:
                options.update(tls_context=context, require_starttls=True)
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, decode_data=False, **options
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


class SilentServer:
    """Accepts connections and never says a word: a client without a timeout hangs."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(5)
        self.port = self.socket.getsockname()[1]
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return
            self._held.append(connection)

    def stop(self) -> None:
        self.socket.close()
        for connection in self._held:
            connection.close()


def use_smtp(app, port: int) -> None:
    """Send the app's mail to the test SMTP server on `port`."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
