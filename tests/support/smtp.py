"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, or refuses it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


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


@dataclass
class Login:
    """SMTP AUTH (PLAIN, LOGIN) with one account, counting every attempt. Loopback only,
    so without TLS (the TLS tests give the server a certificate of their own)."""

    user: str
    password: str
    attempts: int = 0

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.attempts += 1
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)


class SmtpServer:
    """aiosmtpd on a free local port; start() and stop() may be called again (an outage).
    With `login`, it requires SMTP AUTH with that account."""

    def __init__(
        self,
        port: int | None = None,
        login: Login | None = None,
        tls=None,
        implicit_tls: bool = False,
    ) -> None:
        """`tls` (tests.support.tls.Certificates): STARTTLS required before anything else,
        or TLS from the first byte with `implicit_tls` (port 465's way)."""
        self.handler = Handler()
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
