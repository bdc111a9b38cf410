"""Work ahead of the flow: producers on threads of their own, a bounded number of items ahead.

The flow fetches the next batches while it extracts and stores this one. Up to `ahead` items
are produced at once, so one slow item (a batch waiting for its last slow host) does not hold
up the next. Each producer runs in a copy of the flow's context, so its Prefect tasks belong to
the flow run. Leaving the block does not wait for the producers: an interrupt (Ctrl-C,
SIGTERM) leaves at once, and the work in flight ends on its own daemon thread (requests when
the client is closed or time out).
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_DONE = object()
_SLOT_WAIT_SECONDS = 0.2  # how often a producer waiting for room checks that it may go on


@contextmanager
def produced_ahead(
    items: Iterable[Item], produce: Callable[[Item], Result], ahead: int
) -> Iterator[Iterator[tuple[Item, Result]]]:
    """`(item, produce(item))` for each of `items` in order. At most `ahead` items are being
    produced or wait for the consumer at any time, each produced on a daemon thread of its own
    as soon as there is room. An exception (of `produce`, or of `items`) is raised to the
    consumer when it reaches that item; leaving the block starts no further item."""
    if ahead < 1:
        raise ValueError(f"ahead must be at least 1, not {ahead}")
    room = threading.Semaphore(ahead)
    started: queue.SimpleQueue[Any] = queue.SimpleQueue()
    stop = threading.Event()
    context = contextvars.copy_context()

    def wait_for_room() -> bool:
        while not stop.is_set():
            if room.acquire(timeout=_SLOT_WAIT_SECONDS):
                return not stop.is_set()
        return False

    def start_each() -> None:
        try:
            for item in items:
                if not wait_for_room():
                    return
                future: Future[Result] = Future()
                started.put((item, future))
                _start(context.copy(), produce, item, future)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer's thread
            failed: Future[Result] = Future()
            failed.set_exception(exc)
            started.put((None, failed))
        else:
            started.put(_DONE)

    def consume() -> Iterator[tuple[Item, Result]]:
        while (entry := started.get()) is not _DONE:
            item, future = entry
            result = future.result()
            room.release()
            yield item, result

    starter = threading.Thread(target=context.copy().run, args=(start_each,), name="ahead")
    starter.daemon = True
    starter.start()
    try:
        yield consume()
    finally:
        stop.set()


def _start(
    context: contextvars.Context,
    produce: Callable[[Item], Result],
    item: Item,
    future: Future[Result],
) -> None:
    """Produce `item` into `future` on a daemon thread, in `context`."""

    def run() -> None:
        try:
            future.set_result(produce(item))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer's thread
            future.set_exception(exc)

    threading.Thread(target=context.run, args=(run,), name="ahead-item", daemon=True).start()
