"""Many hosts at once: jobs keyed by host run on a pool of threads, the host that may be asked
soonest first, at most `per_host` jobs of one host at a time, results in job order.

Politeness itself is enforced where requests are made (fetching/politeness.py); this only
chooses which job a free worker takes, so that workers are not parked behind a host that must
still wait while another host could be asked now.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

Result = TypeVar("Result")


def run_by_host(
    jobs: Sequence[tuple[str, Callable[[], Result]]],
    workers: int,
    per_host: int,
    ready_in: Callable[[str], float],
) -> list[Result]:
    """Run each `(host, job)` on `workers` threads; `ready_in(host)` is how many seconds the
    host still needs before its next request. A job's exception is raised here once every
    started job has ended."""
    waiting: dict[str, deque[int]] = {}
    for index, (host, _job) in enumerate(jobs):
        waiting.setdefault(host, deque()).append(index)
    results: dict[int, Result] = {}
    running: dict[Future[Result], tuple[str, int]] = {}
    busy: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
        while waiting or running:
            while len(running) < workers:
                free = [host for host in waiting if busy[host] < per_host]
                if not free:
                    break
                host = min(free, key=ready_in)  # ties: the host listed first
                index = waiting[host].popleft()
                if not waiting[host]:
                    del waiting[host]
                busy[host] += 1
                running[pool.submit(jobs[index][1])] = (host, index)
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                host, index = running.pop(future)
                busy[host] -= 1
                results[index] = future.result()
    return [results[index] for index in range(len(jobs))]
