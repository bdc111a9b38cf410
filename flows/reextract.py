"""Flow `reextract`: the current extractor over archived originals; new versions only where the
clean text changed (dedup runs on them as on any new version)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow

from config import load_settings
from corpus.archive import open_archive
from corpus.store import open_store
from flows.pipeline import run_pipeline


class ReextractError(Exception):
    """Re-extraction cannot run (the archive is off); the message says why."""


def parse_since(value: str | None) -> datetime | None:
    """`2026-03-01` or an ISO date-time (UTC when no zone is given) as an aware datetime."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@flow(name="reextract", log_prints=True)
def reextract(
    since: str | None = None,
    site: str | None = None,
    database_url: str | None = None,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Archived originals → extract → dedup and store (changed texts only) → report."""
    settings = load_settings(config_path)
    url = database_url or settings.database.url
    with open_store(url, settings=settings) as store:
        archive = open_archive(settings.archive, store.engine, url)
        if archive is None:
            raise ReextractError("the archive is off ([archive] enabled = false): nothing to read")
        documents = archive.originals_of_latest(parse_since(since), site)
        return run_pipeline("reextract", documents, settings, store, {"since": since, "site": site})
