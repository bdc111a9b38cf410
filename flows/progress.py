"""How far a running pipeline is, for whoever watches it (the command line draws a progress
bar): `run_pipeline` says when its run starts and what each batch did, and the listeners
registered here hear it, in the flow's process, between batches. Without a listener (a
scheduled run, a test) nothing happens."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import Protocol


class ProgressListener(Protocol):
    def run_started(self, total: int | None) -> None:
        """The run starts on `total` documents (None: not known up front)."""

    def batch_done(self, documents: int, failures: int) -> None:
        """A batch of `documents` is handled; `failures` of them failed."""


_listeners: list[ProgressListener] = []


@contextmanager
def listening(listener: ProgressListener) -> Iterator[ProgressListener]:
    """`listener` hears every run of this process while the block runs."""
    _listeners.append(listener)
    try:
        yield listener
    finally:
        _listeners.remove(listener)


def run_started(documents: Iterable[object]) -> None:
    """A run starts on `documents`; their number is told when it is known without reading
    them (a list of URLs or feed entries, not a stream of files)."""
    total = len(documents) if isinstance(documents, Sized) else None
    for listener in list(_listeners):
        listener.run_started(total)


def batch_done(documents: int, failures: int) -> None:
    """A batch of `documents` is handled, `failures` of them failed."""
    for listener in list(_listeners):
        listener.batch_done(documents, failures)
