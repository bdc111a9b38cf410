"""Prefect flows: orchestration only; the work is done by `extractors` and `corpus`."""
