"""Shared fixtures: isolated Prefect state, real databases, and service checks.

Tests that need PostgreSQL, Redis or Chromium skip with the reason when the service is
missing, unless NEWSCORPUS_REQUIRE_SERVICES=1 (as in CI), where that skip is a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import EXAMPLES, REDIS_URL, port_open, postgres_database, require_service

# Isolate Prefect before anything imports it: own home, offline, no telemetry.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="newscorpus-prefect-")
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)
# The user's own settings overrides (NEWSCORPUS_CONFIG, NEWSCORPUS_<SECTION>_<KEY>) stay out.
for _name in [n for n in os.environ if n.startswith("NEWSCORPUS_")]:
    if not _name.startswith("NEWSCORPUS_TEST_") and _name != "NEWSCORPUS_REQUIRE_SERVICES":
        os.environ.pop(_name)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One real Prefect API server (temporary, local) for every flow run in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite corpus file."""
    return f"sqlite:///{tmp_path / 'corpus.db'}"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A private copy of the five sample articles."""
    target = tmp_path / "articles"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    with postgres_database() as url:
        yield url


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Redis database 15, flushed before and after."""
    require_service("Redis", port_open("127.0.0.1", 6379), "nothing listens on 127.0.0.1:6379")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
