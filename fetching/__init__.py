"""Polite, safe HTTP fetching of pages and feeds into extractor Documents."""
