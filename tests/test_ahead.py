"""Work ahead of the flow (`flows.ahead.produced_ahead`): order, bound, errors, leaving early."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator

import pytest

from flows.ahead import produced_ahead

WAIT = 10.0  # bound on every wait; generous for a busy machine

marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")


def test_results_come_in_input_order_with_their_items() -> None:
    with produced_ahead(range(20), lambda n: n * n, ahead=3) as results:
        assert list(results) == [(n, n * n) for n in range(20)]


def test_the_producer_stays_at_most_ahead_items_before_the_consumer() -> None:
    produced: list[int] = []
    waiting = threading.Event()

    def produce(n: int) -> int:
        produced.append(n)
        if len(produced) == 3:  # the queue holds 2: the third must wait for room
            waiting.set()
        return n

    with produced_ahead(range(10), produce, ahead=2) as results:
        assert waiting.wait(WAIT)
        first = next(results)
        assert first == (0, 0)
        # Taking one frees one place: at most one more is produced while we hold on.
        assert len(produced) <= 4
        rest = list(results)
    assert [n for n, _ in rest] == list(range(1, 10))


def test_an_error_of_the_items_themselves_reaches_the_consumer_after_the_items_before() -> None:
    def items() -> Iterator[int]:  # the flow's items start batches: that can fail too
        yield 0
        yield 1
        raise ValueError("unreadable input")

    seen = []
    with (
        produced_ahead(items(), lambda n: n, ahead=2) as results,
        pytest.raises(ValueError, match="unreadable input"),
    ):
        for n, _ in results:
            seen.append(n)
    assert seen == [0, 1]


def test_the_producers_error_reaches_the_consumer_at_its_item() -> None:
    def produce(n: int) -> int:
        if n == 3:
            raise OSError("disk gone")
        return n

    seen = []
    with (
        produced_ahead(range(6), produce, ahead=2) as results,
        pytest.raises(OSError, match="disk gone"),
    ):
        for n, _ in results:
            seen.append(n)
    assert seen == [0, 1, 2]


def test_leaving_the_block_does_not_wait_for_work_in_flight() -> None:
    release = threading.Event()
    started = threading.Event()

    def produce(n: int) -> int:
        started.set()
        release.wait(WAIT)  # a request that hangs
        return n

    with pytest.raises(KeyboardInterrupt), produced_ahead(range(5), produce, ahead=1):
        assert started.wait(WAIT)
        raise KeyboardInterrupt  # Ctrl-C while the producer is stuck
    release.set()


def test_the_producer_stops_after_the_block_is_left() -> None:
    produced: list[int] = []
    release = threading.Event()

    def produce(n: int) -> int:
        produced.append(n)
        if n >= 1:
            release.wait(WAIT)  # item 1 is in flight when the consumer leaves
        return n

    before = set(threading.enumerate())
    with produced_ahead(range(100), produce, ahead=1) as results:
        assert next(results) == (0, 0)
    (thread,) = [t for t in threading.enumerate() if t not in before and t.name == "ahead"]
    release.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert produced == [0, 1]


def test_the_producer_runs_in_the_callers_context() -> None:
    token = marker.set("flow run")
    try:
        with produced_ahead([1], lambda _n: marker.get(), ahead=1) as results:
            assert list(results) == [(1, "flow run")]
    finally:
        marker.reset(token)


def test_ahead_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"), produced_ahead([1], lambda n: n, ahead=0):
        pass
