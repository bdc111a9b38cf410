"""Helpers shared by tests and fixtures: paths, service checks, throwaway PostgreSQL databases."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "articles"

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
