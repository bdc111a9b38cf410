"""A minimum interval between requests to the same host, so a run never hammers one site."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class HostThrottle:
    """Waits before a request until `interval` seconds have passed since the host's last one.

    A host's robots.txt `Crawl-delay` can lengthen its interval (`set_delay`), never shorten it.
    """

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._last: dict[str, float] = {}
        self._delays: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_delay(self, host: str, seconds: float) -> None:
        """Use `seconds` for `host` when it is longer than the configured interval."""
        self._delays[host] = max(seconds, self.interval)

    def wait(self, host: str) -> float:
        """Sleep as long as `host` still needs; returns the seconds waited."""
        with self._lock:
            interval = self._delays.get(host, self.interval)
            last = self._last.get(host)
            waited = 0.0
            if last is not None:
                waited = max(0.0, last + interval - self.clock())
                if waited:
                    self.sleep(waited)
            self._last[host] = self.clock()
            return waited
