"""Flow `ingest_urls`: fetch a list of URLs and ingest the articles into the corpus."""

from __future__ import annotations

from typing import Any

from prefect import flow

from config import load_settings
from corpus.store import open_store
from fetching.pages import open_page_fetcher
from fetching.targets import url_list_targets
from flows.pipeline import run_pipeline


@flow(name="ingest_urls", log_prints=True)
def ingest_urls(
    urls: list[str], database_url: str | None = None, config_path: str | None = None
) -> dict[str, Any]:
    """Fetch → extract → dedup and store → report."""
    settings = load_settings(config_path)
    targets = url_list_targets(urls)
    with (
        open_store(database_url or settings.database.url, settings=settings) as store,
        open_page_fetcher(settings.fetch, store.engine) as fetcher,
    ):
        return run_pipeline(
            "ingest_urls", targets, settings, store, {"url_count": len(urls)}, fetcher=fetcher
        )
