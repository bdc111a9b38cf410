"""Flow `ingest_sitemaps`: read sitemaps (indexes, gzipped, Google News) and ingest every new
entry's article, optionally only those dated inside a `since`/`until` window (a backfill)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from config import load_settings
from corpus.report import RunSummary
from corpus.store import open_store
from fetching.pages import PageFetcher, open_page_fetcher
from fetching.sitemap_polling import SitemapPoll
from fetching.sitemaps import DateWindow, parse_w3c_date
from flows.pipeline import run_pipeline


def date_window(since: str | None, until: str | None) -> DateWindow:
    """The window from ISO dates (`2026-11-01` or a full timestamp); a bad date is an error.
    Both ends are inclusive: `until` as a plain date runs to the end of that day (UTC)."""
    bounds: dict[str, datetime] = {}
    for name, value in (("since", since), ("until", until)):
        if value:
            moment = parse_w3c_date(value)
            if moment is None:
                raise ValueError(f"{name}: {value!r} is not a date (e.g. 2026-11-01)")
            bounds[name] = moment
    if until and len(until.strip()) == len("2026-11-01"):
        bounds["until"] += timedelta(days=1, microseconds=-1)
    return DateWindow(**bounds)


@task(name="poll-sitemaps", cache_policy=NO_CACHE)
def poll_sitemaps(
    fetcher: PageFetcher, sitemaps: list[str], window: DateWindow | None = None
) -> SitemapPoll:
    """Fetch each sitemap (conditional GET), follow indexes, list the entries not handled."""
    return fetcher.poll_sitemaps(sitemaps, window)


@task(name="remember-sitemaps", cache_policy=NO_CACHE)
def remember_sitemaps(fetcher: PageFetcher, polled: SitemapPoll) -> None:
    """Store the validators of sitemaps whose every entry is now handled."""
    fetcher.remember_sitemaps(polled)


@flow(name="ingest_sitemaps", log_prints=True)
def ingest_sitemaps(
    sitemaps: list[str],
    since: str | None = None,
    until: str | None = None,
    database_url: str | None = None,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Poll sitemaps → fetch new entries → extract → dedup and store → report."""
    settings = load_settings(config_path)
    window = date_window(since, until)
    with (
        open_store(database_url or settings.database.url, settings=settings) as store,
        open_page_fetcher(settings.fetch, store.engine) as fetcher,
    ):
        polled = poll_sitemaps(fetcher, sitemaps, window)
        summary = RunSummary()
        summary.extra.update(polled.counts())
        parameters = {"sitemaps": sitemaps, "since": since, "until": until}
        counts = run_pipeline(
            "ingest_sitemaps",
            polled.inputs,
            settings,
            store,
            parameters,
            summary=summary,
            fetcher=fetcher,
        )
        remember_sitemaps(fetcher, polled)
    return counts
