"""Flow `import_files`: import HTML, text and JSON Lines files into the corpus."""

from __future__ import annotations

from typing import Any

from prefect import flow

from config import load_settings
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
    with open_store(database_url or settings.database.url, settings=settings) as store:
        return run_pipeline(
            "import_files",
            iter_documents(paths, max_bytes=limit),
            settings,
            store,
            {"paths": paths},
        )
