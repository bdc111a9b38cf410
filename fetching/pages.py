"""Batches of URLs → extractor Documents, and what to remember once they are stored.

Each target is fetched conditionally with the validators of its last stored fetch; a 304
is counted as "not modified" and goes no further. Anything that goes wrong becomes an
InputFailure at stage `fetch` with the reason, so one bad URL never stops a batch.
A batch's pages are fetched many hosts at once (fetching/parallel.py), each host still with
its interval and request slots, and come back in input order whatever order they finished in.
The next batches can be started while one is awaited (`started_ahead`): their pages go only
where this batch leaves a host idle, so this batch comes no later and no host waits for it.
A permanent failure (a 4xx but 408/429) is also remembered as handled, so a feed entry that
is gone for good is not fetched again at every poll and its feed can be polled conditionally.
Validators (and feed entries) are remembered only after the store step, for pages that made
it into the corpus, so a failed store is retried in full next time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from sqlalchemy.engine import Engine

from config import FetchSettings
from corpus.fetch_state import FetchMemory
from extractors import Document, FailureStage, InputFailure
from extractors.article import DocumentKind
from fetching.http import PAGE_TYPES, Fetcher, FetchError, FetchResponse, Validators
from fetching.parallel import HostScheduler, results
from fetching.polling import FeedPoll, poll_feeds, remember_feeds
from fetching.sitemap_polling import DateWindow, SitemapPoll, poll_sitemaps, remember_sitemaps
from fetching.targets import FetchTarget
from fetching.urls import article_url, request_url

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass
class FetchedBatch:
    """The documents and failures of a batch, plus what the store step must know."""

    items: list[Document | InputFailure] = field(default_factory=list)
    targets: list[FetchTarget] = field(default_factory=list)
    not_modified: list[FetchTarget] = field(default_factory=list)
    given_up: list[FetchTarget] = field(default_factory=list)
    validators: dict[str, Validators] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        fetched = sum(isinstance(item, Document) for item in self.items)
        return {"fetched": fetched, "not_modified": len(self.not_modified)}


def document_kind(response: FetchResponse) -> DocumentKind:
    """`html` for HTML types, `text` for text/plain, sniffed when no type was sent."""
    if response.content_type in HTML_TYPES:
        return "html"
    if response.content_type is None and response.body.lstrip()[:1] == b"<":
        return "html"
    return "text"


def _kept_headers(response: FetchResponse) -> list[tuple[str, str]]:
    """The response headers kept with the archived original (corpus/archive.py)."""
    if not response.content_type:
        return []
    charset = f"; charset={response.charset}" if response.charset else ""
    return [("Content-Type", response.content_type + charset)]


def to_document(target: FetchTarget, response: FetchResponse) -> Document:
    """The fetched page as a Document identified by its canonical article URL."""
    kind = document_kind(response)
    html = response.body if kind == "html" else None
    return Document(
        source=target.url,
        kind=kind,
        payload=response.body,
        url=article_url(response.url, html, response.charset),
        charset=response.charset,
        metadata=dict(target.metadata),
        http_headers=_kept_headers(response),
        fetched_at=datetime.now(UTC),
    )


@dataclass
class StartedBatch:
    """A batch whose fetching is under way: its inputs and a future for each FetchTarget."""

    inputs: list[FetchTarget | InputFailure]
    futures: list[Future[FetchResponse | FetchError]]


class PageFetcher:
    """Fetches batches of targets through one Fetcher, with fetch state from the corpus."""

    def __init__(self, fetcher: Fetcher, memory: FetchMemory) -> None:
        self.fetcher = fetcher
        self.memory = memory
        config = fetcher.config
        self.scheduler = HostScheduler(
            config.concurrent_fetches, config.concurrent_fetches_per_host, fetcher.throttle.ready_in
        )
        self._robots_asked: set[str] = set()

    def __enter__(self) -> PageFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.scheduler.close()
        self.fetcher.close()

    def poll(self, feeds: list[str]) -> FeedPoll:
        """Fetch each feed (conditional GET) and list its entries not handled before."""
        return poll_feeds(self.fetcher, self.memory, feeds)

    def remember_feeds(self, poll: FeedPoll) -> None:
        """Store the validators of polled feeds whose every entry is now handled."""
        remember_feeds(self.memory, poll)

    def poll_sitemaps(self, urls: list[str], window: DateWindow | None = None) -> SitemapPoll:
        """Fetch each sitemap (conditional GET), follow indexes, list the entries not handled
        before (only those dated inside `window`, when given)."""
        return poll_sitemaps(self.fetcher, self.memory, urls, window)

    def remember_sitemaps(self, poll: SitemapPoll) -> None:
        """Store the validators of polled sitemaps whose every entry is now handled."""
        remember_sitemaps(self.memory, poll)

    def fetch_batch(self, inputs: Iterable[FetchTarget | InputFailure]) -> FetchedBatch:
        """Fetch every target, many hosts at once (`concurrent_fetches`, each host with its
        manners); InputFailures (e.g. from feed polling) pass through. The batch is the same
        as fetching one target after the other: everything stays in input order."""
        return self.finish(self.start(inputs))

    def started_ahead(
        self, batches: Iterable[list[FetchTarget | InputFailure]], ahead: int
    ) -> Iterator[StartedBatch]:
        """Each batch started, handed out once the `ahead` batches after it are started too,
        so their pages can be fetched while the caller awaits this one (`finish`)."""
        started: deque[StartedBatch] = deque()
        for batch in batches:
            started.append(self.start(batch))
            if len(started) > ahead:
                yield started.popleft()
        yield from started

    def start(self, inputs: Iterable[FetchTarget | InputFailure]) -> StartedBatch:
        """Submit the batch's targets, each fetched conditionally on its known validators;
        a site's robots.txt is read first, as a request of its own, so that no worker waits
        out the site's interval between robots.txt and its first page."""
        inputs = list(inputs)
        targets = [item for item in inputs if isinstance(item, FetchTarget)]
        known = self.memory.validators(target.key for target in targets)
        self.scheduler.submit(self._robots_jobs(targets))
        pages = [(target.host, partial(self._fetch_one, target, known)) for target in targets]
        return StartedBatch(inputs, self.scheduler.submit(pages))

    def _robots_jobs(self, targets: list[FetchTarget]) -> list[tuple[str, Callable[[], None]]]:
        """A job reading robots.txt for each site of `targets` not read or asked for yet."""
        jobs: list[tuple[str, Callable[[], None]]] = []
        for target in targets:
            url = request_url(target.url)
            site = self.fetcher.unread_robots(url)
            if site and site not in self._robots_asked:
                self._robots_asked.add(site)
                jobs.append((target.host, partial(self.fetcher.read_robots, url)))
        return jobs

    def finish(self, started: StartedBatch) -> FetchedBatch:
        """The started batch once all its targets are fetched, in input order."""
        fetched = iter(results(started.futures))
        batch = FetchedBatch(targets=[i for i in started.inputs if isinstance(i, FetchTarget)])
        for item in started.inputs:
            if isinstance(item, InputFailure):
                batch.items.append(item)
                continue
            outcome = next(fetched)
            if isinstance(outcome, FetchError):
                batch.items.append(InputFailure(item.url, outcome.reason, FailureStage.FETCH))
                if outcome.permanent:
                    batch.given_up.append(item)
            elif outcome.not_modified:
                batch.not_modified.append(item)
            else:
                batch.validators[item.key] = outcome.validators
                batch.items.append(to_document(item, outcome))
        return batch

    def _fetch_one(
        self, target: FetchTarget, known: dict[str, Validators]
    ) -> FetchResponse | FetchError:
        try:
            return self.fetcher.fetch(request_url(target.url), PAGE_TYPES, known.get(target.key))
        except FetchError as exc:
            return exc

    def remember(
        self, batch: FetchedBatch, stored_sources: Iterable[str], failures: Iterable[InputFailure]
    ) -> None:
        """Keep validators and mark feed entries seen for pages now handled: stored, not
        modified, fetched but without an article, or failed for good (refetching would not
        change that)."""
        extract_failed = {f.source for f in failures if f.stage == FailureStage.EXTRACT}
        handled = set(stored_sources) | extract_failed
        done = [t for t in batch.targets if t.url in handled] + batch.not_modified
        done += batch.given_up
        self.memory.remember_validators(
            {t.key: batch.validators[t.key] for t in done if t.key in batch.validators}
        )
        by_feed: dict[str, list[str]] = {}
        for target in done:
            if target.feed:
                by_feed.setdefault(target.feed, []).append(target.key)
        for feed, entries in by_feed.items():
            self.memory.mark_entries_seen(feed, entries)


def open_page_fetcher(config: FetchSettings, engine: Engine) -> PageFetcher:
    """A PageFetcher with the `[fetch]` settings and fetch state in the corpus at `engine`."""
    return PageFetcher(Fetcher(config), FetchMemory(engine))
