"""Fetch state written by two runs at once, on real SQLite and PostgreSQL databases.

One connection writes a row and keeps its transaction open; a second run (another thread,
its own connection) writes the same row and has to wait for it. When the first commits, the
second must update (validators) or skip (seen entries) the row, not fail on its key.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from corpus.fetch_state import FetchMemory, Validators
from corpus.models import FeedEntry, FetchState, utcnow
from corpus.store import open_store

FEED = "https://news.example/rss.xml"
PAGE = "https://news.example/a"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def engine(request) -> Engine:
    url = request.getfixturevalue("db_url" if request.param == "sqlite" else "postgres_url")
    engine = open_store(url).engine
    yield engine
    engine.dispose()


def wait_until_blocked(engine: Engine, writer: threading.Thread, limit: float = 30.0) -> None:
    """Return once the writer waits for the held row (or has finished, or `limit` seconds
    passed): PostgreSQL shows the lock wait; SQLite does not, so it gets a moment to reach
    its busy wait. Each probe is its own transaction: `pg_stat_activity` is a snapshot per
    transaction, so a probe that stayed in one would never see the writer block."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    deadline = time.monotonic() + limit
    with engine.connect() as probe:
        while writer.is_alive() and time.monotonic() < deadline:
            blocked = probe.execute(query).scalar()
            probe.rollback()
            if blocked:
                return
            time.sleep(0.02)


def race(engine: Engine, first_write, second_write) -> list[BaseException]:
    """Run `second_write` (FetchMemory) while `first_write` (a connection) is uncommitted."""
    errors: list[BaseException] = []

    def second() -> None:
        try:
            second_write(FetchMemory(engine))
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    with engine.connect() as holder:
        first_write(holder)
        writer = threading.Thread(target=second)
        writer.start()
        wait_until_blocked(engine, writer)
        holder.commit()
    writer.join(timeout=60)
    assert not writer.is_alive()
    return errors


def test_validators_written_by_two_runs_at_once(engine):
    errors = race(
        engine,
        lambda c: c.execute(insert(FetchState).values(url=PAGE, etag='"1"', updated_at=utcnow())),
        lambda memory: memory.remember_validators({PAGE: Validators('"2"', "yesterday")}),
    )
    assert errors == []
    assert FetchMemory(engine).validators([PAGE]) == {PAGE: Validators('"2"', "yesterday")}


def test_feed_entries_marked_by_two_runs_at_once(engine):
    errors = race(
        engine,
        lambda c: c.execute(
            insert(FeedEntry).values(feed_url=FEED, entry_url=PAGE, first_seen=utcnow())
        ),
        lambda memory: memory.mark_entries_seen(FEED, [PAGE, PAGE + "/b"]),
    )
    assert errors == []
    assert FetchMemory(engine).seen_entries(FEED) == {PAGE, PAGE + "/b"}


def test_rewriting_validators_and_entries_is_idempotent(engine):
    memory = FetchMemory(engine)
    for etag in ('"1"', '"2"'):
        memory.remember_validators({PAGE: Validators(etag), FEED: Validators(None, "monday")})
        memory.mark_entries_seen(FEED, [PAGE])
    assert memory.validators([PAGE, FEED]) == {
        PAGE: Validators('"2"'),
        FEED: Validators(None, "monday"),
    }
    assert memory.seen_entries(FEED) == {PAGE}
