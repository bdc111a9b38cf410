"""What earlier runs fetched, kept in the corpus database: validators per canonical URL
(for conditional GET) and the entry URLs already handled per feed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from corpus.models import FeedEntry, FetchState, utcnow
from fetching.http import Validators


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
        with self.sessions.begin() as session:
            for url, v in sorted(useful.items()):
                row = session.get(FetchState, url)
                if row is None:
                    session.add(FetchState(url=url, etag=v.etag, last_modified=v.last_modified))
                else:
                    row.etag, row.last_modified, row.updated_at = v.etag, v.last_modified, utcnow()

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
        with self.sessions.begin() as session:
            session.add_all(FeedEntry(feed_url=feed_url, entry_url=url) for url in sorted(new))
