"""The poller's read-ahead (mailin/fetch_ahead.py): the next batch fetched and prepared in a
thread while the one before is handled, never more than one ahead, its errors raised in
order. The batches here come from a generator (the thread's contract is an iterator of
batches); the real IMAP session under it is tests/test_mailin_poll.py's."""

from __future__ import annotations

import threading
import time

import pytest

from mailin.fetch_ahead import fetched_ahead
from mailin.imap import Fetched
from tests.support.mails import make_mail


def batch(start: int, size: int = 3) -> list[Fetched]:
    return [
        Fetched("unit@example.vn", "INBOX", 1, uid, 100, make_mail(subject=f"Báo cáo {uid}"))
        for uid in range(start, start + size)
    ]


class Source:
    """Batches handed out on demand, counting how many were asked for."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at, self.asked = count, fail_at, 0
        self.thread_names: set[str] = set()

    def __iter__(self):
        for number in range(self.count):
            self.asked += 1
            self.thread_names.add(threading.current_thread().name)
            if number == self.fail_at:
                raise ConnectionResetError("the server closed the connection")
            yield batch(number * 10)


def test_batches_come_in_order_parsed_in_the_thread_with_what_begin_made():
    source = Source(4)
    with fetched_ahead(iter(source), begin=lambda b: [f.uid for f in b]) as batches:
        got = list(batches)
    assert [begun for _batch, begun in got] == [[0, 1, 2], [10, 11, 12], [20, 21, 22], [30, 31, 32]]
    assert source.thread_names == {"mailin-fetch-ahead"}
    for fetched_batch, _begun in got:
        for fetched in fetched_batch:  # worked out ahead: read without parsing again
            assert "parsed" in fetched.__dict__ and "sha256" in fetched.__dict__
            assert fetched.parsed.subject == f"Báo cáo {fetched.uid}"


def test_never_more_than_one_batch_ahead_of_the_one_handled():
    source = Source(6)
    with fetched_ahead(iter(source)) as batches:
        for handled, _ in enumerate(batches, start=1):
            time.sleep(0.05)  # the thread has all the time it wants to run ahead
            assert source.asked <= handled + 1


def test_an_error_of_the_thread_comes_after_the_batches_before_it():
    source = Source(5, fail_at=2)
    handled = []
    with pytest.raises(ConnectionResetError):
        with fetched_ahead(iter(source)) as batches:
            for fetched_batch, _ in batches:
                handled.append(fetched_batch[0].uid)
    assert handled == [0, 10]


def test_an_error_of_begin_is_raised_in_order_too():
    def begin(fetched_batch):
        if fetched_batch[0].uid == 10:
            raise RuntimeError("database away")
        return fetched_batch

    handled = []
    with pytest.raises(RuntimeError, match="database away"):
        with fetched_ahead(iter(Source(3)), begin) as batches:
            for fetched_batch, _ in batches:
                handled.append(fetched_batch[0].uid)
    assert handled == [0]


def test_leaving_early_stops_the_thread_without_fetching_further():
    source = Source(10)
    with pytest.raises(RuntimeError):
        with fetched_ahead(iter(source)) as batches:
            for _ in batches:
                raise RuntimeError("the store failed")
    assert source.asked <= 2
    assert not [t for t in threading.enumerate() if t.name == "mailin-fetch-ahead"]
