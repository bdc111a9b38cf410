"""newscorpus: news ingestion, extraction and near-deduplication into a versioned corpus."""

__version__ = "0.1.0"
