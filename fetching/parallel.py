"""Many hosts at once: jobs keyed by host run on up to `workers` threads, the host that may be
asked soonest first, at most `per_host` jobs of one host at a time, each host's jobs in the
order they were submitted.

Politeness itself is enforced where requests are made (fetching/politeness.py); this only
chooses when a job starts and which one a free worker takes: a job starts when its host may
be asked (a moment before), so no worker sits out a host's interval while another host could
be asked now. The scheduler lives as long as its fetcher, so the next batch's jobs can be
submitted while this one's run: a host with nothing left in this batch goes on with the next
instead of idling, and never before this batch's own jobs on that host. Each job runs on its
own daemon thread, so an interrupt (Ctrl-C, SIGTERM) leaves at once instead of waiting for
requests in flight, which end when the client is closed or at their own timeouts.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from itertools import count
from typing import Any, TypeVar

Result = TypeVar("Result")
# A job starts this long before its host may be asked, so its thread is running by then.
LEAD_SECONDS = 0.05


class HostScheduler:
    """Runs `(host, job)` pairs as workers come free; `ready_in(host)` is how many seconds the
    host still needs before its next request. Between hosts equally ready, the one whose
    waiting job was submitted first goes first."""

    def __init__(self, workers: int, per_host: int, ready_in: Callable[[str], float]) -> None:
        self.workers = workers
        self.per_host = per_host
        self.ready_in = ready_in
        self._waiting: dict[str, deque[tuple[int, Callable[[], Any], Future[Any]]]] = {}
        self._busy: Counter[str] = Counter()
        self._running = 0
        self._order = count()
        self._closed = False
        self._changed = threading.Condition()
        self._dispatcher: threading.Thread | None = None

    def submit(self, jobs: Sequence[tuple[str, Callable[[], Result]]]) -> list[Future[Result]]:
        """A future for each job, in the order given; the jobs start as workers come free."""
        futures: list[Future[Result]] = []
        with self._changed:
            if self._closed:
                raise RuntimeError("the host scheduler is closed")
            for host, job in jobs:
                future: Future[Result] = Future()
                self._waiting.setdefault(host, deque()).append((next(self._order), job, future))
                futures.append(future)
            if self._dispatcher is None:
                self._dispatcher = threading.Thread(
                    target=self._dispatch_until_closed, name="fetch-dispatch", daemon=True
                )
                self._dispatcher.start()
            self._changed.notify()
        return futures

    def close(self) -> None:
        """Cancel every job not started yet; jobs under way end on their own."""
        with self._changed:
            for future in self._close():
                future.cancel()
            self._changed.notify()

    def _dispatch_until_closed(self) -> None:
        """Start jobs as hosts come ready and workers free; sleep until the next may start,
        or until a job is submitted or finishes."""
        with self._changed:
            try:
                while not self._closed:
                    self._changed.wait(self._dispatch())
            except BaseException as exc:  # noqa: BLE001 - whoever waits gets it, never a hang
                for future in self._close():
                    future.set_exception(exc)

    def _close(self) -> list[Future[Any]]:
        """Take no more jobs (holding the lock); the futures of those not started yet."""
        self._closed = True
        futures = [future for waiting in self._waiting.values() for _o, _j, future in waiting]
        self._waiting.clear()
        return futures

    def _dispatch(self) -> float | None:
        """Start the jobs that may start now (holding the lock); the seconds until the next
        one may, or None when it waits for a free worker or a new job."""
        while self._running < self.workers:
            free = [host for host in self._waiting if self._busy[host] < self.per_host]
            if not free:
                return None
            ready_in = {host: self.ready_in(host) for host in free}
            host = min(free, key=lambda host: (ready_in[host], self._waiting[host][0][0]))
            if ready_in[host] > LEAD_SECONDS:
                return ready_in[host] - LEAD_SECONDS
            _order, job, future = self._waiting[host].popleft()
            if not self._waiting[host]:
                del self._waiting[host]
            thread = threading.Thread(
                target=self._run, args=(host, job, future), name=f"fetch-{host}", daemon=True
            )
            try:
                thread.start()
            except RuntimeError as exc:  # no thread to run it on
                future.set_exception(exc)
                raise
            self._busy[host] += 1
            self._running += 1
        return None

    def _run(self, host: str, job: Callable[[], Any], future: Future[Any]) -> None:
        try:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job())
                except BaseException as exc:  # noqa: BLE001 - handed to whoever waits
                    future.set_exception(exc)
        finally:
            with self._changed:
                self._running -= 1
                self._busy[host] -= 1
                self._changed.notify()


def results(futures: Sequence[Future[Result]]) -> list[Result]:
    """The futures' results in order; the first job's exception is raised as soon as it
    happens."""
    done, _pending = wait(futures, return_when=FIRST_EXCEPTION)
    for future in done:
        if not future.cancelled() and future.exception() is not None:
            future.result()
    return [future.result() for future in futures]
