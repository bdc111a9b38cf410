"""Manners, so a run never hammers one site: a minimum interval between requests to the same
host, a cap on how many of its requests run at once, and one on all requests at once.
Thread-safe: requests to different hosts only ever wait for a free slot of the overall cap."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext


class HostThrottle:
    """Waits before a request until `interval` seconds have passed since the host's last one,
    and lets at most `per_host` requests to one host and `total` in all run at once
    (`request`; `total=None`: no overall cap).

    A host's robots.txt `Crawl-delay` can lengthen its interval (`set_delay`), never shorten it.
    """

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        per_host: int = 1,
        total: int | None = None,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self.per_host = per_host
        self._last: dict[str, float] = {}
        self._delays: dict[str, float] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._total: AbstractContextManager[object] = (
            threading.BoundedSemaphore(total) if total else nullcontext()
        )
        self._lock = threading.Lock()

    def set_delay(self, host: str, seconds: float) -> None:
        """Use `seconds` for `host` when it is longer than the configured interval."""
        with self._lock:
            self._delays[host] = max(seconds, self.interval)

    def ready_in(self, host: str) -> float:
        """Seconds until `host` may take its next request (0: now)."""
        with self._lock:
            return self._pause(host, self._last.get(host))

    def wait(self, host: str) -> float:
        """Sleep as long as `host` still needs, then count a request as sent to it now;
        returns the seconds waited. Only waiters for the same host queue behind each other."""
        waited, slept_after = 0.0, None
        while True:
            with self._lock:
                last = self._last.get(host)
                pause = 0.0 if last == slept_after else self._pause(host, last)
                if not pause:
                    self._last[host] = self.clock()
                    return waited
            self.sleep(pause)  # outside the lock: other hosts go on meanwhile
            waited += pause
            slept_after = last  # another request to the host since then means waiting again

    def sent(self, host: str) -> None:
        """The request `wait` let go to `host` leaves only now (a new connection, or a thread
        that ran late on a busy machine): the host's interval counts from now."""
        with self._lock:
            self._last[host] = max(self._last.get(host, 0.0), self.clock())

    @contextmanager
    def request(self, host: str) -> Iterator[float]:
        """Hold one of `host`'s request slots and one overall, then wait for the host's
        interval; yields the seconds waited for it. Slots are always taken in that order, so
        two requests cannot each hold what the other waits for."""
        with self._lock:
            slot = self._slots.setdefault(host, threading.BoundedSemaphore(self.per_host))
        with slot, self._total:
            yield self.wait(host)

    def _pause(self, host: str, last: float | None) -> float:
        if last is None:
            return 0.0
        return max(0.0, last + self._delays.get(host, self.interval) - self.clock())
