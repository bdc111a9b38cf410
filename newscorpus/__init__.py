"""newscorpus: news ingestion, extraction and near-deduplication into a versioned corpus.

Read a corpus from Python with `newscorpus.open(url)` (see newscorpus.api). The API is
imported on first use, so the command line starts without loading the database layer.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["ArticleRecord", "Cluster", "Corpus", "CorpusNotFound", "RunRecord", "open"]


def __getattr__(name: str) -> Any:
    if name == "ArticleRecord":
        from corpus.records import ArticleRecord

        return ArticleRecord
    if name in __all__:
        from newscorpus import api

        return getattr(api, name)
    raise AttributeError(f"module 'newscorpus' has no attribute {name!r}")
