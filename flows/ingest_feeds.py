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
) -> dict[str, Any]:
    """Poll feeds → fetch new entries → extract → dedup and store → report.

    Without `feeds`, every feed of every `[[feeds.groups]]` in the config is polled."""
    settings = load_settings(config_path)
    feeds = list(feeds or settings.feeds.all_feeds())
    with (
        open_store(database_url or settings.database.url, settings=settings) as store,
        open_page_fetcher(settings.fetch, store.engine) as fetcher,
    ):
        polled = poll_feeds(fetcher, feeds)
        summary = RunSummary()
        summary.extra.update(polled.counts())
        counts = run_pipeline(
            "ingest_feeds",
            polled.inputs,
            settings,
            store,
            {"feeds": feeds},
            summary=summary,
            fetcher=fetcher,
        )
        remember_feeds(fetcher, polled)
    return counts
