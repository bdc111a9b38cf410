"""Flow `ingest_feeds`: poll RSS/Atom feeds and ingest every new entry's article."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from config import load_settings
from corpus.report import RunSummary
from corpus.store import open_store
from fetching.pages import PageFetcher, open_page_fetcher
from fetching.polling import FeedPoll
from flows.ingest_sitemaps import poll_sitemaps, remember_sitemaps
from flows.pipeline import run_pipeline


@task(name="poll-feeds", cache_policy=NO_CACHE)
def poll_feeds(fetcher: PageFetcher, feeds: list[str]) -> FeedPoll:
    """Fetch each feed (conditional GET) and list its entries not handled before."""
    return fetcher.poll(feeds)


@task(name="remember-feeds", cache_policy=NO_CACHE)
def remember_feeds(fetcher: PageFetcher, polled: FeedPoll) -> None:
    """Store the validators of feeds whose every entry is now handled."""
    fetcher.remember_feeds(polled)


@flow(name="ingest_feeds", log_prints=True)
def ingest_feeds(
    feeds: list[str] | None = None,
    database_url: str | None = None,
    config_path: str | None = None,
    sitemaps: list[str] | None = None,
) -> dict[str, Any]:
    """Poll feeds (and sitemaps) → fetch new entries → extract → dedup and store → report.

    Without `feeds` or `sitemaps`, every feed and sitemap of every `[[feeds.groups]]` in the
    config is polled."""
    settings = load_settings(config_path)
    if feeds is None and sitemaps is None:
        feeds, sitemaps = settings.feeds.all_feeds(), settings.feeds.all_sitemaps()
    feeds, sitemaps = list(feeds or []), list(sitemaps or [])
    with (
        open_store(database_url or settings.database.url, settings=settings) as store,
        open_page_fetcher(settings.fetch, store.engine) as fetcher,
    ):
        polled = poll_feeds(fetcher, feeds)
        summary = RunSummary()
        summary.extra.update(polled.counts())
        inputs = polled.inputs
        if sitemaps:
            from_sitemaps = poll_sitemaps(fetcher, sitemaps)
            summary.extra.update(from_sitemaps.counts())  # a Counter: new_entries add up
            inputs = inputs + from_sitemaps.inputs
        counts = run_pipeline(
            "ingest_feeds",
            inputs,
            settings,
            store,
            {"feeds": feeds, "sitemaps": sitemaps},
            summary=summary,
            fetcher=fetcher,
        )
        remember_feeds(fetcher, polled)
        if sitemaps:
            remember_sitemaps(fetcher, from_sitemaps)
    return counts
