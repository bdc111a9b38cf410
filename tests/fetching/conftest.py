"""Fixtures for the fetching tests: a real local HTTP server and tiny fetch limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from localsite import LocalSite, RecordedSleep, start_site

from config import FetchSettings


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """A fresh local site on an ephemeral port of 127.0.0.1."""
    local, server = start_site()
    try:
        yield local
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fetch_config() -> FetchSettings:
    """Small limits, no waiting between requests, 127.0.0.1 allow-listed."""
    return FetchSettings(
        connect_timeout=2.0,
        read_timeout=0.3,
        max_fetch_seconds=5.0,
        max_body_bytes=1_000_000,
        max_redirects=3,
        retries=2,
        backoff_seconds=0.01,
        backoff_max_seconds=0.05,
        retry_after_max_seconds=30.0,
        min_host_interval_seconds=0.0,
        user_agent="newscorpus-test/1.0",
        allow_hosts=("127.0.0.1",),
    )


@pytest.fixture
def recorded_sleep() -> RecordedSleep:
    return RecordedSleep()
