"""Shared fixtures: isolated Prefect state, real databases, and service checks.

Tests that need PostgreSQL, Redis or Chromium skip with the reason when the service is
missing, unless NEWSCORPUS_REQUIRE_SERVICES=1 (as in CI), where that skip is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "articles"

# Isolate Prefect before anything imports it: own home, offline, no telemetry.
_PREFECT_HOME = tempfile.mkdtemp(prefix="newscorpus-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("NEWSCORPUS_DATABASE_URL", None)
os.environ.pop("NEWSCORPUS_CONFIG", None)

POSTGRES_ADMIN_URL = os.environ.get(
    "NEWSCORPUS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("NEWSCORPUS_TEST_REDIS", "redis://127.0.0.1:6379/15")


def require_service(name: str, available: bool, reason: str) -> None:
    """Skip (or, under NEWSCORPUS_REQUIRE_SERVICES=1, fail) when a service is missing."""
    if available:
        return
    message = f"{name} not available: {reason}"
    if os.environ.get("NEWSCORPUS_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (NEWSCORPUS_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


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


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (psycopg URL), dropped afterwards."""
    require_service("PostgreSQL", port_open("127.0.0.1", 5432), "nothing listens on 127.0.0.1:5432")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"newscorpus_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
