"""An IMAP session on the Propaganda mailbox: new UIDs only, fetched without marking read."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from mailin.message import ParsedMessage, parse_message

log = logging.getLogger(__name__)

SECURITY_CHOICES = ("ssl", "starttls", "none")
IDLE_CHECK_SECONDS = 5  # how often a waiting IDLE looks at the stop flag


class MailboxError(Exception):
    """The mailbox could not be reached or refused what was asked.

    `reason`: auth (the login was refused: a changed or revoked password, an expired
    token), tls (the server's certificate is not trusted) or connection."""

    def __init__(self, message: str, reason: str = "connection") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str = ""
    # XOAUTH2 (Gmail, Microsoft) instead of the password: called with "" for the access
    # token to use, or with the token the server just refused for a new one. Its errors
    # are MailboxError (a refresh refused: reason "oauth").
    oauth2_token: Callable[[str], str] | None = None
    security: str = "ssl"
    folder: str = "INBOX"
    processed_folder: str = ""  # move handled mail here; empty: flag it \Seen instead
    timeout: float = 60.0
    batch_size: int = 25
    max_bytes: int = 25 * 1024 * 1024  # larger messages are recorded, not downloaded
    since: dt.date | None = None  # first run of a folder: mail that arrived before is skipped
    ca_file: str = ""  # trust this CA (a provincial server's own) besides the system's
    allow_plaintext: bool = False  # a password in clear to a host other than loopback


@dataclass(frozen=True)
class Fetched:
    """One message as the server holds it: raw bytes, or only headers when too large."""

    mailbox: str
    folder: str
    uidvalidity: int
    uid: int
    size: int
    raw: bytes | None  # None when above max_bytes
    header_bytes: bytes = b""
    # When the message reached the mailbox (INTERNALDATE, aware), not when we read it.
    internal_date: dt.datetime | None = None

    # Worked out once, by whoever asks first: the poller's read-ahead thread
    # (mailin.fetch_ahead) while the app stores the batch before.
    @cached_property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.raw).hexdigest() if self.raw is not None else None

    @cached_property
    def parsed(self) -> ParsedMessage | None:
        """The message parsed; None when it was not downloaded or cannot be parsed (the
        app parses it again to keep it with the parser's error)."""
        if self.raw is None:
            return None
        try:
            return parse_message(self.raw)
        except Exception:
            return None

    def prepare(self) -> None:
        """Work out now what the app will ask of the message."""
        _ = self.sha256, self.parsed


class ImapSession:
    """A logged-in connection with IMAP_FOLDER selected."""

    def __init__(self, settings: ImapSettings) -> None:
        if settings.security not in SECURITY_CHOICES:
            raise MailboxError(f"IMAP_SECURITY must be one of {SECURITY_CHOICES}")
        if settings.security == "none" and not (
            is_loopback(settings.host) or settings.allow_plaintext
        ):
            raise MailboxError(
                f"{settings.host}: IMAP_SECURITY=none would send the password unencrypted; "
                "use ssl or starttls (or set IMAP_ALLOW_PLAINTEXT if you really mean it)",
                "tls",
            )
        self.settings = settings
        self.uidvalidity = 0
        self.client: IMAPClient | None = None
        self.idle_announced = False  # "waiting with IDLE" is logged once per connection
        # One command at a time: the read-ahead thread fetches the next batch while the
        # poller flags the last one (mailin.fetch_ahead).
        self.lock = threading.Lock()
        try:
            self._open()
        except BaseException:
            self._close_quietly()  # a refused login must not leave its connection open
            raise

    def _open(self) -> None:
        """Connect, log in and select; what fails is a MailboxError saying why."""
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            self.client = self._connect()
            self._login()
            self.select()
        except LoginError as exc:
            raise MailboxError(f"{where}: {exc}", "auth") from exc
        except ssl.SSLError as exc:
            raise MailboxError(f"{where}: {exc}", "tls") from exc
        except (IMAPClientError, OSError) as exc:
            raise MailboxError(f"{where}: {exc}") from exc

    def _connect(self) -> IMAPClient:
        settings = self.settings
        context = ssl.create_default_context(cafile=settings.ca_file or None)
        client = IMAPClient(
            settings.host,
            port=settings.port,
            ssl=settings.security == "ssl",
            ssl_context=context,
            timeout=settings.timeout,
        )
        client.normalise_times = False  # INTERNALDATE with its zone, not local naive time
        if settings.security == "starttls":
            client.starttls(context)
        return client

    def _login(self) -> None:
        settings = self.settings
        if settings.oauth2_token is None:
            self.client.login(settings.user, settings.password)
            return
        token = settings.oauth2_token("")
        try:
            self.client.oauth2_login(settings.user, token)
        except LoginError:
            # Refused before its time (revoked, or the clocks disagree): one new token, on
            # a new connection (after a refused AUTHENTICATE some servers want a new one).
            log.info("%s refused the access token; refreshing it once", settings.host)
            fresh = settings.oauth2_token(token)
            self._close_quietly()
            self.client = self._connect()
            self.client.oauth2_login(settings.user, fresh)

    def select(self) -> int:
        """Select the folder (any name: imapclient encodes modified UTF-7); its UIDVALIDITY."""
        info = self.client.select_folder(self.settings.folder)
        self.uidvalidity = int(info[b"UIDVALIDITY"])
        return self.uidvalidity

    @property
    def can_idle(self) -> bool:
        return self.client.has_capability("IDLE")

    def wait_for_mail(self, seconds: float, stop: threading.Event) -> None:
        """Wait in IDLE for news of new mail, `stop`, or `seconds`.

        After a quiet IDLE the next pass's UID SEARCH is the check that the connection
        still lives (a dead one fails it within IMAP_TIMEOUT, and the poller reconnects).
        A server that says BYE (a restart, an administrator's kick) or closes the
        connection ends the wait at once (ConnectionResetError): the poller reconnects
        rather than waiting on a dead socket.
        """
        self.client.idle()
        log.debug("waiting for new mail (IDLE)")
        if not self.idle_announced:
            log.info("connected; waiting for new mail with IDLE")
            self.idle_announced = True
        deadline = time.monotonic() + seconds
        early_empty = 0  # answers with nothing in them, well before the timeout
        while not stop.is_set() and time.monotonic() < deadline:
            started = time.monotonic()
            responses = self.client.idle_check(timeout=IDLE_CHECK_SECONDS)
            if any(response and response[0] == b"BYE" for response in responses):
                raise ConnectionResetError(f"the server said BYE: {responses}")
            if responses:
                break
            # imapclient reads an end of file as "no news": a closed connection would
            # answer nothing at once, again and again, spinning until the deadline.
            early = time.monotonic() - started < IDLE_CHECK_SECONDS / 2
            early_empty = early_empty + 1 if early else 0
            if early_empty >= 3:
                raise ConnectionResetError("the server closed the connection during IDLE")
        self.client.idle_done()

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above last_uid, ascending. ("n:*" also answers the highest UID when none is
        above n, hence the filter; explicit lists everywhere else: imapclient 4 refuses "1:*".)
        On a folder's first run (last_uid 0) with `since` set, only mail that arrived on or
        after that day: the older mail is left alone, unread and unflagged."""
        criteria = ["UID", f"{last_uid + 1}:*"]
        if last_uid == 0 and self.settings.since is not None:
            criteria += ["SINCE", self.settings.since]
        found = self.client.search(criteria)
        return sorted(uid for uid in found if uid > last_uid)

    def fetch(self, uids: list[int]) -> Iterator[list[Fetched]]:
        """The messages in UID order, a batch (batch_size) at a time, so the caller can
        commit and flag each batch at once; bodies with BODY.PEEK[] (nothing marked read).
        Only one batch is held in memory, whatever the mailbox holds."""
        for start in range(0, len(uids), self.settings.batch_size):
            batch = self._fetch_batch(uids[start : start + self.settings.batch_size])
            if batch:
                yield batch

    def _fetch_batch(self, batch: list[int]) -> list[Fetched]:
        settings = self.settings
        with self.lock:
            described = self.client.fetch(batch, ["RFC822.SIZE", "INTERNALDATE"])
            sizes = {uid: data[b"RFC822.SIZE"] for uid, data in described.items()}
            small = [uid for uid in batch if sizes.get(uid, 0) <= settings.max_bytes]
            bodies = self.client.fetch(small, ["BODY.PEEK[]"]) if small else {}
            large = [uid for uid in batch if uid in sizes and uid not in small]
            headers = self.client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}
        return [
            Fetched(
                mailbox=settings.user,
                folder=settings.folder,
                uidvalidity=self.uidvalidity,
                uid=uid,
                size=sizes[uid],
                raw=bodies.get(uid, {}).get(b"BODY[]"),
                header_bytes=headers.get(uid, {}).get(b"BODY[HEADER]", b""),
                internal_date=_aware(described[uid].get(b"INTERNALDATE")),
            )
            for uid in batch
            if uid in sizes  # not expunged meanwhile
        ]

    def mark_done(self, uids: list[int]) -> None:
        """Flag the messages \\Seen, or move them to the processed folder (one command for
        the batch); never delete them."""
        with self.lock:
            self._mark_done(uids)

    def _mark_done(self, uids: list[int]) -> None:
        target = self.settings.processed_folder
        if not target:
            self.client.add_flags(uids, [b"\\Seen"])
            return
        if not self.client.folder_exists(target):
            self.client.create_folder(target)
        if self.client.has_capability("MOVE"):
            self.client.move(uids, target)
        else:  # without MOVE a copy is made and the original flagged read, not deleted
            self.client.copy(uids, target)
            self.client.add_flags(uids, [b"\\Seen"])

    def close(self) -> None:
        try:
            self.client.logout()
        except (IMAPClientError, OSError):
            pass

    def _close_quietly(self) -> None:
        """Drop the connection without a word (it failed, or a login on it was refused)."""
        if self.client is not None:
            try:
                self.client.shutdown()
            except (IMAPClientError, OSError):
                pass


def _aware(value: object) -> dt.datetime | None:
    """An INTERNALDATE as an aware datetime (a server that sent no zone: taken as UTC)."""
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def is_loopback(host: str) -> bool:
    """127.0.0.1, ::1 or localhost: a password sent there never crosses a network."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() == "localhost"
