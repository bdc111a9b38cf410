"""What earlier runs fetched, kept in the corpus database: validators per canonical URL
(for conditional GET) and the entry URLs already handled per feed.

Writes are upserts, so two runs writing the same row at once (two feed groups sharing a
feed, two processes) both succeed: the later validators win, a seen entry stays seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from corpus.models import FeedEntry, FetchState, utcnow
from fetching.http import Validators

_DIALECT_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def upsert(session: Session, table: Table, rows: list[dict[str, Any]], update: list[str]) -> None:
    """Insert `rows`; a row whose primary key exists gets its `update` columns overwritten
    (nothing when `update` is empty). One statement, so a concurrent writer cannot slip in
    between a look-up and the insert."""
    dialect = session.get_bind().dialect.name
    if dialect not in _DIALECT_INSERTS:
        raise NotImplementedError(f"fetch state needs SQLite or PostgreSQL, not {dialect}")
    statement = _DIALECT_INSERTS[dialect](table).values(rows)
    keys = [column.name for column in table.primary_key]
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in update}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    session.execute(statement)


class FetchMemory:
    """Reads and writes the `fetch_state` and `feed_entries` tables."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def validators(self, urls: Iterable[str]) -> dict[str, Validators]:
        """Stored validators for those of `urls` fetched before."""
        wanted = sorted(set(urls))
        if not wanted:
            return {}
        with self.sessions() as session:
            rows = session.scalars(select(FetchState).where(FetchState.url.in_(wanted))).all()
            return {row.url: Validators(row.etag, row.last_modified) for row in rows}

    def remember_validators(self, validators: dict[str, Validators]) -> None:
        """Store the validators of URLs whose content is now in the corpus."""
        useful = {url: v for url, v in validators.items() if v.etag or v.last_modified}
        if not useful:
            return
        now = utcnow()
        rows = [
            {"url": url, "etag": v.etag, "last_modified": v.last_modified, "updated_at": now}
            for url, v in sorted(useful.items())
        ]
        with self.sessions.begin() as session:
            upsert(session, FetchState.__table__, rows, ["etag", "last_modified", "updated_at"])

    def seen_entries(self, feed_url: str) -> set[str]:
        """Entry URLs already handled for `feed_url`."""
        with self.sessions() as session:
            query = select(FeedEntry.entry_url).where(FeedEntry.feed_url == feed_url)
            return set(session.scalars(query).all())

    def mark_entries_seen(self, feed_url: str, entry_urls: Iterable[str]) -> None:
        """Record entries as handled, so later polls of the feed skip them."""
        new = set(entry_urls) - self.seen_entries(feed_url)
        if not new:
            return
        now = utcnow()
        rows = [{"feed_url": feed_url, "entry_url": url, "first_seen": now} for url in sorted(new)]
        with self.sessions.begin() as session:
            upsert(session, FeedEntry.__table__, rows, update=[])
