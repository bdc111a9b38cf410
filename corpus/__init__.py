"""Storage, versions, deduplication and export of the article corpus."""
