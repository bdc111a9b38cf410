"""robots.txt (protego), fetched once per site through the same safe client and cached.

As RFC 9309 says: a missing robots.txt (4xx) allows everything; one that cannot be fetched
(5xx, timeout, refused) disallows everything for the run, with the reason. Thread-safe: when
several workers need one site's rules at once, one downloads them and the others wait for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

# Download robots.txt: its bytes, None when the site has none (4xx); raises on other errors.
RobotsDownloader = Callable[[str], bytes | None]


@dataclass(frozen=True)
class RobotsRules:
    """The parsed rules of one site; `unavailable` is the reason it could not be read."""

    parser: Protego | None
    unavailable: str | None = None


def robots_url(url: str) -> str:
    """`scheme://host[:port]/robots.txt` of `url`'s site."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "/robots.txt", "", ""))


class RobotsCache:
    """Rules per site (scheme, host and port), downloaded on first use."""

    def __init__(self, download: RobotsDownloader, user_agent: str) -> None:
        self.download = download
        self.user_agent = user_agent
        self._sites: dict[str, RobotsRules] = {}
        self._loading: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def known(self, url: str) -> bool:
        """True when the rules of `url`'s site are read (or could not be)."""
        with self._lock:
            return robots_url(url) in self._sites

    def rules(self, url: str) -> RobotsRules:
        site = robots_url(url)
        with self._lock:
            loading = self._loading.setdefault(site, threading.Lock())
        with loading:  # only this site's other users wait for its download
            if site not in self._sites:
                self._sites[site] = self._load(site)
            return self._sites[site]

    def _load(self, site: str) -> RobotsRules:
        try:
            body = self.download(site)
        except Exception as exc:  # noqa: BLE001 - any failure means "cannot read the rules"
            return RobotsRules(None, unavailable=str(exc))
        if body is None:
            return RobotsRules(None)
        return RobotsRules(Protego.parse(body.decode("utf-8", errors="replace")))

    def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids `url` for our user agent, or None when it is allowed."""
        rules = self.rules(url)
        if rules.unavailable:
            return f"robots.txt could not be read ({rules.unavailable}), so the site is skipped"
        if rules.parser and not rules.parser.can_fetch(url, self.user_agent):
            return "disallowed by robots.txt"
        return None

    def crawl_delay(self, url: str) -> float | None:
        """The site's Crawl-delay for our user agent, if it sets one."""
        parser = self.rules(url).parser
        return parser.crawl_delay(self.user_agent) if parser else None
