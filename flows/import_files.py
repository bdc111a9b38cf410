"""Flow `import_files`: import HTML, text, JSON Lines and WARC files into the corpus."""

from __future__ import annotations

from typing import Any

from prefect import flow

from config import load_settings
from corpus.report import RunSummary
from corpus.store import open_store
from extractors import ExtractionConfig, iter_documents
from flows.pipeline import run_pipeline


@flow(name="import_files", log_prints=True)
def import_files(
    paths: list[str], database_url: str | None = None, config_path: str | None = None
) -> dict[str, Any]:
    """Read files → extract → dedup and store → report."""
    settings = load_settings(config_path)
    limit = ExtractionConfig.from_settings(settings).max_input_bytes
    summary = RunSummary()  # WARC records that are not article pages are counted in it
    with open_store(database_url or settings.database.url, settings=settings) as store:
        return run_pipeline(
            "import_files",
            iter_documents(paths, max_bytes=limit, skipped=summary.extra),
            settings,
            store,
            {"paths": paths},
            summary,
        )
