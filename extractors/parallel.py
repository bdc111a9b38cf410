"""Extraction on worker processes: every core parses pages while the caller stores results.

Workers are forked from a fork server that imported the extractors once (start-up stays cheap,
and no thread of the caller, Prefect's among them, is ever forked). A batch is cut into small
chunks so every worker stays busy; results come back in input order, so a run stores exactly
what a sequential run stores. Language detection seeds langdetect before every call
(`detect_language`), so a worker's results do not depend on which pages it saw before.
A worker that dies (a crash in a parser's C code, the kernel's out-of-memory killer) breaks
the pool: it is started again and the pages of the lost chunks are retried one by one, so only
a page that kills its worker again becomes a failure, and the run goes on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from langdetect.detector_factory import init_factory

from extractors.article import FailureStage
from extractors.inputs import InputFailure
from extractors.pipeline import Document, Extracted, ExtractionConfig, extract_many

# Pages per call sent to a worker: small enough to balance the load, large enough that the
# round trip (pickling the pages and the articles) stays a small part of the work.
CHUNK_SIZE = 4
_PR_SET_PDEATHSIG = 1
_PRELOADED = ["extractors.parallel"]


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _start_worker() -> None:
    """Ctrl-C reaches the whole process group: the parent decides, a worker ignores it. A
    worker dies with the fork server, which ends with the parent, even when it is killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the executor's shutdown still ends it
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
    init_factory()  # langdetect's language profiles, loaded once per worker


def _fork_server() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOADED)
    return context


def start_fork_server() -> None:
    """Start the fork server now rather than with the first pool: it imports the extractors
    while the caller goes on (e.g. while a Prefect server starts), and pools use it later."""
    _fork_server()
    multiprocessing.forkserver.ensure_running()


class ExtractionPool:
    """`extract_many` over `workers` processes, started on first use; a context manager that
    stops them on exit (at once, dropping queued work, when leaving on an exception, Ctrl-C
    among them)."""

    def __init__(self, config: ExtractionConfig, workers: int, chunk_size: int = CHUNK_SIZE):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.config = config
        self.workers = workers
        self.chunk_size = chunk_size
        self._restarting = threading.Lock()  # extract() runs on several threads at once
        self._closing = False
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, _fork_server(), initializer=_start_worker)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """A new pool in place of `broken` (once, whichever thread saw it break first)."""
        with self._restarting:
            if self._executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._start()

    def submit(
        self, documents: Sequence[Document | InputFailure]
    ) -> list[Future[list[Extracted | InputFailure]]]:
        """Queue `documents` in chunks, one future per chunk, in input order."""
        return [
            self._executor.submit(
                extract_many, documents[start : start + self.chunk_size], self.config
            )
            for start in range(0, len(documents), self.chunk_size)
        ]

    def extract(
        self, documents: Sequence[Document | InputFailure]
    ) -> list[Extracted | InputFailure]:
        """What `extract_many(documents, config)` returns, computed on the workers; the pages
        of a chunk whose worker died are retried one by one (`_isolate`)."""
        executor = self._executor
        try:
            chunks = self.submit(documents)
        except BrokenProcessPool:  # broken since the last batch: a new pool, then as usual
            self._restart(executor)
            executor = self._executor
            chunks = self.submit(documents)
        results: list[Extracted | InputFailure] = []
        for start, chunk in zip(range(0, len(documents), self.chunk_size), chunks, strict=True):
            try:
                results += chunk.result()
            except BrokenProcessPool:
                if self._closing:  # stopped on purpose (Ctrl-C): no retries
                    raise
                self._restart(executor)
                results += self._isolate(documents[start : start + self.chunk_size])
                executor = self._executor
        return results

    def _isolate(
        self, documents: Sequence[Document | InputFailure]
    ) -> list[Extracted | InputFailure]:
        """Each page alone on a worker: a page that kills its worker again is a failure."""
        results: list[Extracted | InputFailure] = []
        for doc in documents:
            executor = self._executor
            try:
                results += executor.submit(extract_many, [doc], self.config).result()
            except BrokenProcessPool:
                if self._closing:
                    raise
                self._restart(executor)
                source = doc.source
                reason = "the extraction worker died on this page (a crash or out of memory)"
                results.append(InputFailure(source, reason, FailureStage.EXTRACT))
        return results

    def close(self, cancel: bool = False) -> None:
        """Stop the workers: after the queued work, or (`cancel`) at once, the queued work
        dropped and whoever waits on it woken with an error."""
        self._closing = True
        if cancel:
            _terminate_workers(self._executor)
        else:
            self._executor.shutdown()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close(cancel=exc_type is not None)


def _terminate_workers(executor: ProcessPoolExecutor) -> None:
    """`ProcessPoolExecutor.terminate_workers()` (Python 3.14), done by hand before it: the
    workers' table is private (`_processes`, the one 3.14 reads too)."""
    terminate = getattr(executor, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    workers = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()
