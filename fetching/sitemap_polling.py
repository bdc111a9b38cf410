"""Polling sitemaps: walk indexes breadth first, fetch each sitemap conditionally, keep the
entries not seen before (and inside the date window).

Like feeds, a sitemap's validators are stored only once every entry it listed is handled,
and an index's only once each of its sitemaps is; a run with a date window (a backfill)
stores none, so the entries it left out are still found by the next full poll. An index
that did not change (304) is not walked: its sitemaps are not fetched at all.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from config import FetchSettings
from corpus.fetch_state import FetchMemory, Validators
from corpus.models import utcnow
from extractors import FailureStage, InputFailure
from fetching.http import Fetcher, FetchError
from fetching.polling import SourceOutcomes
from fetching.sitemaps import (
    SITEMAP_TYPES,
    DateWindow,
    SitemapError,
    inflate,
    is_site_root,
    parse_sitemap,
    robots_sitemaps,
)
from fetching.targets import FetchTarget
from fetching.urls import fetch_key, request_url


@dataclass
class PolledSitemap:
    """A sitemap fetched in full: its validators and the entries (or sitemaps) it lists."""

    key: str
    validators: Validators
    entries: set[str]
    is_index: bool = False


@dataclass
class SitemapPoll:
    """The new entries to fetch and sitemap failures to record, plus bookkeeping."""

    window: DateWindow = field(default_factory=DateWindow)
    inputs: list[FetchTarget | InputFailure] = field(default_factory=list)
    polled: list[PolledSitemap] = field(default_factory=list)
    not_modified: set[str] = field(default_factory=set)
    outside_window: int = 0
    backing_off: int = 0
    outcomes: SourceOutcomes = field(default_factory=SourceOutcomes)

    def counts(self) -> dict[str, int]:
        failed = sum(isinstance(item, InputFailure) for item in self.inputs)
        return {
            "sitemaps_fetched": len(self.polled),
            "sitemaps_not_modified": len(self.not_modified),
            "sitemaps_failed": failed - self.backing_off,
            "sitemaps_backing_off": self.backing_off,
            "new_entries": len(self.inputs) - failed,
            "outside_window": self.outside_window,
        }


def sitemap_urls(fetcher: Fetcher, urls: list[str], poll: SitemapPoll) -> list[str]:
    """`urls` with each site root replaced by the sitemaps its robots.txt names (or its
    /sitemap.xml when it names none)."""
    found: list[str] = []
    for url in urls:
        if not is_site_root(url):
            found.append(url)
            continue
        try:
            found += robots_sitemaps(fetcher, url) or [url.rstrip("/") + "/sitemap.xml"]
        except FetchError as exc:
            poll.inputs.append(InputFailure(url, exc.reason, FailureStage.SITEMAP))
    return list(dict.fromkeys(found))


class _Walk:
    """One breadth-first walk over sitemaps and their indexes."""

    def __init__(self, fetcher: Fetcher, memory: FetchMemory, poll: SitemapPoll) -> None:
        self.fetcher = fetcher
        self.memory = memory
        self.poll = poll
        self.limits: FetchSettings = fetcher.config

    def fail(self, url: str, reason: str) -> None:
        self.poll.inputs.append(InputFailure(url, reason, FailureStage.SITEMAP))
        self.poll.outcomes.failed[fetch_key(url)] = reason

    def backing_off(self, url: str, key: str) -> bool:
        """True (and the skip recorded with the last error) when the sitemap keeps failing."""
        health = self.memory.source_health([key]).get(key)
        reason = health.skip_reason(utcnow()) if health else None
        if reason:
            self.poll.inputs.append(InputFailure(url, reason, FailureStage.SITEMAP))
            self.poll.backing_off += 1
        return reason is not None

    def run(self, urls: list[str]) -> None:
        queue = deque((url, 0) for url in urls)
        visited: set[str] = set()
        while queue:
            url, depth = queue.popleft()
            key = fetch_key(url)
            if key in visited:
                continue
            if len(visited) == self.limits.max_sitemaps:
                skipped = len({fetch_key(u) for u, _ in queue} - visited) + 1
                reason = f"over {self.limits.max_sitemaps} sitemaps in one run (max_sitemaps)"
                self.poll.inputs.append(
                    InputFailure(url, f"{reason}: {skipped} not fetched", FailureStage.SITEMAP)
                )
                return
            visited.add(key)
            queue += [(child, depth + 1) for child in self.visit(url, key, depth)]

    def visit(self, url: str, key: str, depth: int) -> list[str]:
        """Fetch and read one sitemap; returns the sitemaps it lists when it is an index."""
        if self.backing_off(url, key):
            return []
        known = self.memory.validators([key]).get(key)
        try:
            response = self.fetcher.fetch(request_url(url), SITEMAP_TYPES, known)
            self.poll.outcomes.succeeded.add(key)
            if response.not_modified:
                self.poll.not_modified.add(key)
                return []
            body = inflate(response.body, self.limits)
            sitemap = parse_sitemap(body, response.url, self.limits.max_sitemap_entries)
        except FetchError as exc:
            self.fail(url, exc.reason)
            return []
        except SitemapError as exc:
            self.fail(url, str(exc))
            return []
        window = self.poll.window
        if sitemap.is_index:
            if depth >= self.limits.max_sitemap_depth:
                self.fail(url, f"sitemap index nested deeper than {self.limits.max_sitemap_depth}"
                          " levels (max_sitemap_depth)")  # fmt: skip
                return []
            # A sitemap last changed before `since` lists nothing newer.
            children = [c.url for c in sitemap.entries if not window.before(c.date)]
            self.poll.polled.append(
                PolledSitemap(key, response.validators, {fetch_key(c) for c in children}, True)
            )
            return children
        entries: dict[str, FetchTarget] = {}
        for entry in sitemap.entries:
            if entry.date not in window:
                self.poll.outside_window += 1
                continue
            target = FetchTarget(entry.url, feed=key, metadata=entry.metadata)
            entries.setdefault(target.key, target)
        self.poll.polled.append(PolledSitemap(key, response.validators, set(entries)))
        seen = self.memory.seen_entries(key)
        self.poll.inputs += [target for entry, target in entries.items() if entry not in seen]
        return []


def poll_sitemaps(
    fetcher: Fetcher, memory: FetchMemory, urls: list[str], window: DateWindow | None = None
) -> SitemapPoll:
    """Fetch and read the sitemaps at `urls` (site roots through their robots.txt), following
    indexes; a sitemap that fails or is refused becomes an InputFailure at stage `sitemap`."""
    poll = SitemapPoll(window=window or DateWindow())
    _Walk(fetcher, memory, poll).run(sitemap_urls(fetcher, urls, poll))
    memory.record_source_outcomes(poll.outcomes.failed, poll.outcomes.succeeded, fetcher.config)
    return poll


def remember_sitemaps(memory: FetchMemory, poll: SitemapPoll) -> None:
    """Store the validators of sitemaps whose every entry (or, for an index, every sitemap)
    is now handled; nothing after a run with a date window."""
    if not poll.window.open:
        return
    complete = set(poll.not_modified)
    validators: dict[str, Validators] = {}
    for sitemap in reversed(poll.polled):  # sitemaps before the indexes that list them
        if sitemap.is_index:
            done = sitemap.entries <= complete
        else:
            done = sitemap.entries <= memory.seen_entries(sitemap.key)
        if done:
            complete.add(sitemap.key)
            validators[sitemap.key] = sitemap.validators
    memory.remember_validators(validators)
