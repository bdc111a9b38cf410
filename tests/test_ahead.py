"""Work ahead of the flow (`flows.ahead.produced_ahead`): order, bound, errors, leaving early."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator

import pytest

from flows.ahead import produced_ahead

WAIT = 10.0  # bound on every wait; generous for a busy machine

marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")


def test_results_come_in_input_order_with_their_items() -> None:
    with produced_ahead(range(20), lambda n: n * n, ahead=3) as results:
        assert list(results) == [(n, n * n) for n in range(20)]


def test_at_most_ahead_items_are_produced_or_waiting_before_the_consumer() -> None:
    started: list[int] = []
    two_started = threading.Event()

    def produce(n: int) -> int:
        started.append(n)
        if len(started) == 2:
            two_started.set()
        return n

    with produced_ahead(range(10), produce, ahead=2) as results:
        assert two_started.wait(WAIT)
        time.sleep(0.3)  # room for a third to start, were the bound not kept
        assert started == [0, 1]
        assert next(results) == (0, 0)
        # Taking one frees one place: at most one more is started while we hold on.
        rest = list(results)
    assert [n for n, _ in rest] == list(range(1, 10))


def test_items_are_produced_at_once_so_a_slow_one_does_not_hold_up_the_next() -> None:
    both_in_production = threading.Barrier(2, timeout=WAIT)
    finished: list[int] = []

    def produce(n: int) -> int:
        if n < 2:
            both_in_production.wait()  # breaks unless items 0 and 1 are produced together
        if n == 0:
            time.sleep(0.2)  # the slow one: item 1 is done first but still comes second
        finished.append(n)
        return n

    with produced_ahead(range(4), produce, ahead=2) as results:
        assert [n for n, _ in results] == [0, 1, 2, 3]
    assert finished.index(1) < finished.index(0)


def test_an_error_of_the_items_themselves_reaches_the_consumer_after_the_items_before() -> None:
    def items() -> Iterator[int]:
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
            release.wait(WAIT)  # item 1, once started, is in flight when the consumer leaves
        return n

    before = set(threading.enumerate())
    with produced_ahead(range(100), produce, ahead=1) as results:
        assert next(results) == (0, 0)
    (thread,) = [t for t in threading.enumerate() if t not in before and t.name == "ahead"]
    release.set()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert produced in ([0], [0, 1])  # item 1 may have started before the block was left


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
