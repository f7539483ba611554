"""The poller: one pass hands every new message to the app; the loop repeats it until stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from imapclient.exceptions import IMAPClientError

from mailin.fetch_ahead import Begin, fetched_ahead
from mailin.imap import Fetched, ImapSession, MailboxError

log = logging.getLogger(__name__)

# Re-issue IDLE at least this often: RFC 2177 allows 29 minutes, but Gmail and NAT boxes drop
# a quiet connection sooner (a dropped IDLE otherwise waits silently for mail that never comes).
IDLE_MAX_SECONDS = 9 * 60
MAX_BACKOFF_SECONDS = 300


class Ledger(Protocol):
    """Where the poller remembers the last UID handled per (mailbox, folder, UIDVALIDITY)."""

    def last_uid(self, mailbox: str, folder: str, uidvalidity: int) -> int: ...

    def advance(self, fetched: Fetched) -> None: ...


def poll_once(
    session: ImapSession, ledger: Ledger, handle: Callable[[Any], None], begin: Begin | None = None
) -> int:
    """Hand each batch of new messages to `handle`, then mark them done; return how many
    were handled. The next batch is fetched and parsed meanwhile, in a thread, and given to
    `begin` there when there is one: `handle` then gets what `begin` returned, not the
    batch (mailin.fetch_ahead)."""
    settings = session.settings
    last = ledger.last_uid(settings.user, settings.folder, session.uidvalidity)
    done = 0
    with fetched_ahead(session.fetch(session.uids_after(last)), begin) as batches:
        for batch, begun in batches:
            handle(begun)  # stores and commits; raises only if the store itself failed
            session.mark_done([f.uid for f in batch])  # after the commit: a crash re-fetches
            ledger.advance(batch[-1])  # only then: the store's keys make a re-fetch harmless
            done += len(batch)
    return done


class Poller:
    """Runs passes until `stop` is set: IDLE when the server has it, else a fixed interval;
    reconnects with growing delays when the server goes away."""

    def __init__(
        self,
        open_session: Callable[[], ImapSession],
        ledger: Ledger,
        handle: Callable[[Any], None],
        poll_seconds: float = 60,
        after_pass: Callable[[], None] = lambda: None,
        on_failure: Callable[[str, Exception], None] = lambda reason, exc: None,
        begin: Begin | None = None,
    ) -> None:
        self.open_session = open_session
        self.ledger = ledger
        self.handle = handle
        self.begin = begin  # the first part of handling, in the read-ahead thread
        self.poll_seconds = poll_seconds
        self.after_pass = after_pass  # after each pass that went through
        self.on_failure = on_failure  # (reason, error) when a pass could not be made
        self.stop = threading.Event()
        self.backoff = 1.0  # seconds to wait after a failure; doubles while failures last

    def run(self) -> None:
        """Serve until stopped. Whatever fails (the server, the connection, the app's
        store: a database away or a disk full) is logged and retried after a growing
        wait; mail not stored stays unflagged on the server and is fetched again."""
        while not self.stop.is_set():
            try:
                session = self.open_session()
            except MailboxError as exc:
                log.warning("mailbox unreachable (%s); retrying in %.0f s", exc, self.backoff)
                self._report(exc.reason, exc)
                self._back_off()
                continue
            try:
                self._serve(session)
            except (IMAPClientError, OSError) as exc:
                log.warning("connection lost (%s); reconnecting in %.0f s", exc, self.backoff)
                self._report("connection", exc)
                self._back_off()
            except Exception as exc:  # the store failed: the next pass fetches it again
                log.exception("pass failed; retrying in %.0f s", self.backoff)
                self._report("store", exc)
                self._back_off()
            finally:
                session.close()

    def _report(self, reason: str, exc: Exception) -> None:
        """Tell the app (its health record); a failure there must not stop the poller."""
        try:
            self.on_failure(reason, exc)
        except Exception:
            log.exception("could not record the failure")

    def _back_off(self) -> None:
        self.stop.wait(self.backoff)
        self.backoff = min(self.backoff * 2, MAX_BACKOFF_SECONDS)

    def _serve(self, session: ImapSession) -> None:
        while not self.stop.is_set():
            handled = poll_once(session, self.ledger, self.handle, self.begin)
            self.backoff = 1.0  # a pass went through: the next failure starts short again
            if handled:
                log.info("handled %d new messages", handled)
            self.after_pass()
            if session.can_idle:
                # Never longer than poll_seconds: mail that lands between a pass's SEARCH
                # and the start of IDLE is not always announced, and waits one interval.
                session.wait_for_mail(min(self.poll_seconds, IDLE_MAX_SECONDS), self.stop)
            else:
                self.stop.wait(self.poll_seconds)
