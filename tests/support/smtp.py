"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, or refuses it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


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


class SmtpServer:
    """aiosmtpd on a free local port; start() and stop() may be called again (an outage)."""

    def __init__(self, port: int | None = None) -> None:
        self.handler = Handler()
        self.port = port or free_port()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, decode_data=False
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
