"""Work ahead of the flow: a producer on its own thread, a bounded number of items ahead.

The flow fetches batch N+1 (and N+2) while it extracts and stores batch N. The producer runs
in a copy of the flow's context, so its Prefect tasks belong to the flow run. Leaving the block
does not wait for the producer: an interrupt (Ctrl-C, SIGTERM) leaves at once, and the work in
flight ends on its own daemon thread (requests when the client is closed or time out).
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_DONE = object()
_PUT_WAIT_SECONDS = 0.2  # how often a producer waiting for room checks that it may go on


@contextmanager
def produced_ahead(
    items: Iterable[Item], produce: Callable[[Item], Result], ahead: int
) -> Iterator[Iterator[tuple[Item, Result]]]:
    """`(item, produce(item))` for each of `items` in order, computed on a daemon thread at
    most `ahead` items before the consumer. The producer's exception is raised to the consumer
    when it reaches that item; leaving the block stops the producer after its current item."""
    if ahead < 1:
        raise ValueError(f"ahead must be at least 1, not {ahead}")
    produced: queue.Queue[Any] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(entry: object) -> None:
        while not stop.is_set():
            try:
                produced.put(entry, timeout=_PUT_WAIT_SECONDS)
                return
            except queue.Full:
                continue

    def work() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                put((item, produce(item), None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer's thread
            put((None, None, exc))
        else:
            put(_DONE)

    def consume() -> Iterator[tuple[Item, Result]]:
        while (entry := produced.get()) is not _DONE:
            item, result, error = entry
            if error is not None:
                raise error
            yield item, result

    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(work,), name="ahead", daemon=True).start()
    try:
        yield consume()
    finally:
        stop.set()
