"""Many hosts at once: jobs keyed by host run on up to `workers` threads, the host that may be
asked soonest first, at most `per_host` jobs of one host at a time, results in job order.

Politeness itself is enforced where requests are made (fetching/politeness.py); this only
chooses which job a free worker takes, so that workers are not parked behind a host that must
still wait while another host could be asked now. Each job runs on its own daemon thread, so
an interrupt (Ctrl-C, SIGTERM) leaves at once instead of waiting for requests in flight, which
end when the client is closed or at their own timeouts.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter, deque
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Result = TypeVar("Result")
# (job index, its result, the exception it raised instead)
Finished = queue.SimpleQueue[tuple[int, Any, BaseException | None]]


def run_by_host(
    jobs: Sequence[tuple[str, Callable[[], Result]]],
    workers: int,
    per_host: int,
    ready_in: Callable[[str], float],
) -> list[Result]:
    """Run each `(host, job)`; `ready_in(host)` is how many seconds the host still needs
    before its next request. A job's exception is raised here as soon as it happens."""
    waiting: dict[str, deque[int]] = {}
    for index, (host, _job) in enumerate(jobs):
        waiting.setdefault(host, deque()).append(index)
    finished: Finished = queue.SimpleQueue()
    results: dict[int, Result] = {}
    busy: Counter[str] = Counter()
    running = 0
    while waiting or running:
        while running < workers:
            free = [host for host in waiting if busy[host] < per_host]
            if not free:
                break
            host = min(free, key=ready_in)  # ties: the host listed first
            index = waiting[host].popleft()
            if not waiting[host]:
                del waiting[host]
            busy[host] += 1
            running += 1
            _start(jobs[index][1], index, finished)
        index, result, error = finished.get()
        running -= 1
        busy[jobs[index][0]] -= 1
        if error is not None:
            raise error
        results[index] = result
    return [results[index] for index in range(len(jobs))]


def _start(
    job: Callable[[], Result],
    index: int,
    finished: Finished,
) -> None:
    def run() -> None:
        try:
            finished.put((index, job(), None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            finished.put((index, None, exc))

    threading.Thread(target=run, name=f"fetch-{index}", daemon=True).start()
