"""What earlier runs fetched, kept in the corpus database: validators per canonical URL
(for conditional GET), each feed's and sitemap's failures in a row (backoff) and the entry URLs
already handled per feed. The fetching layer reads and writes them only through `FetchMemory`.

Writes are upserts, so two runs writing the same row at once (two feed groups sharing a
feed, two processes) both succeed: the later validators win, a seen entry stays seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from config import FetchSettings
from corpus.models import Base, FeedEntry, FetchState, utcnow
from corpus.upsert import dialect_insert


@dataclass(frozen=True)
class Validators:
    """What a server said identifies the version we have (for If-None-Match/-Modified-Since)."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def _upsert(
    session: Session, model: type[Base], rows: list[dict[str, Any]], update: list[str]
) -> None:
    """Insert `rows`; a row whose primary key exists gets its `update` columns overwritten
    (nothing when `update` is empty). One statement, so a concurrent writer cannot slip in
    between a look-up and the insert."""
    statement = dialect_insert(session, model).values(rows)
    keys = [column.name for column in model.__table__.primary_key]
    if update:
        session.execute(
            statement.on_conflict_do_update(
                index_elements=keys, set_={name: statement.excluded[name] for name in update}
            )
        )
    else:
        session.execute(statement.on_conflict_do_nothing(index_elements=keys))


@dataclass(frozen=True)
class SourceHealth:
    """A feed's or sitemap's consecutive failures, its last error and its next poll time."""

    failures: int
    last_error: str | None
    next_poll_at: datetime | None

    def skip_reason(self, now: datetime) -> str | None:
        """Why the source is not polled at `now` (it is backing off), or None."""
        if not self.next_poll_at:
            return None
        when = self.next_poll_at  # SQLite gives it back without its time zone (UTC)
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        if when <= now:
            return None
        return (
            f"backing off after {self.failures} failure(s) in a row until "
            f"{when:%Y-%m-%d %H:%M} UTC; last error: {self.last_error}"
        )


def backoff_delay(failures: int, config: FetchSettings) -> timedelta:
    """How long a source that failed `failures` times in a row waits before its next poll."""
    seconds = config.source_backoff_seconds * 2 ** min(failures - 1, 40)
    return timedelta(seconds=min(seconds, config.source_backoff_max_seconds))


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
            _upsert(session, FetchState, rows, ["etag", "last_modified", "updated_at"])

    def source_health(self, urls: Iterable[str]) -> dict[str, SourceHealth]:
        """Backoff state of those of `urls` (feeds, sitemaps) that failed last time."""
        wanted = sorted(set(urls))
        if not wanted:
            return {}
        with self.sessions() as session:
            query = select(FetchState).where(FetchState.url.in_(wanted), FetchState.failures > 0)
            rows = session.scalars(query).all()
            return {r.url: SourceHealth(r.failures, r.last_error, r.next_poll_at) for r in rows}

    def record_source_outcomes(
        self, failed: dict[str, str], succeeded: Iterable[str], config: FetchSettings
    ) -> None:
        """Count one more failure (with its error and next poll time) for each URL in
        `failed`; clear the failures of the URLs in `succeeded`."""
        now = utcnow()
        before = self.source_health(failed)
        rows = []
        for url, error in sorted(failed.items()):
            failures = (before[url].failures if url in before else 0) + 1
            next_poll = now + backoff_delay(failures, config)
            rows.append(
                {"url": url, "updated_at": now, "failures": failures, "last_error": error,
                 "next_poll_at": next_poll}
            )  # fmt: skip
        recovered = sorted(set(succeeded) - set(failed))
        with self.sessions.begin() as session:
            if rows:
                columns = ["updated_at", "failures", "last_error", "next_poll_at"]
                _upsert(session, FetchState, rows, columns)
            if recovered:
                session.execute(
                    update(FetchState)
                    .where(FetchState.url.in_(recovered), FetchState.failures > 0)
                    .values(failures=0, last_error=None, next_poll_at=None)
                )

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
            _upsert(session, FeedEntry, rows, update=[])
