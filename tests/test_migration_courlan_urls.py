"""Migration 0004_courlan_urls on real SQLite and PostgreSQL: a corpus built at revision 0003
with URLs that coincide under the new canonicalisation is re-keyed and merged, losing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, column, func, insert, select, table

from corpus.identity import article_id
from corpus.migrate import upgrade
from corpus.models import (
    ArticleRow,
    ArticleVersion,
    FeedEntry,
    FetchState,
    Run,
    Source,
    StoredSignature,
)
from corpus.store import create_db_engine, open_store
from extractors import Article as ExtractedArticle
from extractors import Extracted

T0 = datetime(2026, 11, 1, tzinfo=UTC)
MERGED = "https://ex.com/p?a=1&b=2"
DOTS = "https://ex.com/b"
# Article keys as the old canonicalisation wrote them, with (minutes after T0) of each
# version's ingestion: the two spellings of MERGED were ingested interleaved.
OLD = {
    "url:https://ex.com/p?b=2&a=1": [0, 20],
    "url:https://ex.com/p?a=1&b=2": [10, 30, 40],
    "url:https://ex.com/a/../b": [5],
    "url:https://ex.com./b": [6],
    "url:https://ex.com/q?z=1&y=2": [7],  # alone, but its key changes
    "url:https://ex.com/solo": [8],  # unchanged
    "file:/corpus/a.txt": [9],  # not a URL article
}


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, db_url: str) -> Iterator[Engine]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = create_db_engine(url)
    upgrade(engine, "0003")
    yield engine
    engine.dispose()


def build_old_corpus(engine: Engine) -> dict[int, str]:
    """The corpus at revision 0003; returns each version row id's text."""
    texts: dict[int, str] = {}
    with engine.begin() as db:
        db.execute(insert(Run).values(id="run-1", flow="test", status="ok", parameters={},
                                      counts={}, started_at=T0))  # fmt: skip
        source = db.scalar(insert(Source).values(locator="list.txt", kind="file", first_seen=T0,
                                                 last_seen=T0).returning(Source.id))  # fmt: skip
        for key, minutes in OLD.items():
            ident = article_id(key)
            url = key[4:] if key.startswith("url:") else None
            db.execute(
                insert(ArticleRow).values(
                    id=ident, key=key, url=url, source_id=source, latest_version=len(minutes),
                    created_at=T0 + timedelta(minutes=minutes[0]),
                    updated_at=T0 + timedelta(minutes=minutes[-1]),
                )
            )  # fmt: skip
            for number, minute in enumerate(minutes, start=1):
                text = f"{key} version {number}"
                row = db.scalar(
                    insert(ArticleVersion).values(
                        article_id=ident, version=number, run_id="run-1", source_id=source,
                        title=key, text=text, authors=[], url=url,
                        content_hash=f"{len(texts):064d}", extractor="t",
                        cluster_id=ident, created_at=T0 + timedelta(minutes=minute),
                    ).returning(ArticleVersion.id)
                )  # fmt: skip
                texts[row] = text
                db.execute(
                    insert(StoredSignature).values(
                        article_version_id=row, scheme="s", seed=1, num_perm=4,
                        hashvalues=bytes(16), shingles=3, created_at=T0,
                    )
                )  # fmt: skip
        # One spelling of MERGED duplicates the other; the solo article duplicates it too.
        dup = article_id("url:https://ex.com/p?b=2&a=1")
        canon = article_id("url:https://ex.com/p?a=1&b=2")
        db.execute(
            ArticleVersion.__table__.update()
            .where(ArticleVersion.article_id == dup)
            .values(cluster_id=canon, duplicate_of=canon, similarity=0.9)
        )
        db.execute(
            ArticleVersion.__table__.update()
            .where(ArticleVersion.article_id == article_id("url:https://ex.com/solo"))
            .values(cluster_id=dup, duplicate_of=dup, similarity=0.8)
        )
        # fetch_state as revision 0003 has it (later revisions add defaulted columns).
        fetch_state_0003 = table("fetch_state", column("url"), column("etag"), column("updated_at"))
        db.execute(
            insert(fetch_state_0003),
            [
                {"url": "https://ex.com/p?b=2&a=1", "etag": '"old"', "updated_at": T0},
                {"url": MERGED, "etag": '"new"', "updated_at": T0 + timedelta(hours=1)},
                {"url": "https://ex.com/solo", "etag": '"solo"', "updated_at": T0},
            ],
        )
        db.execute(
            insert(FeedEntry),
            [
                {"feed_url": "https://ex.com/feed?y=1&x=2", "entry_url": "https://ex.com/p?b=2&a=1",
                 "first_seen": T0 + timedelta(minutes=3)},
                {"feed_url": "https://ex.com/feed?x=2&y=1", "entry_url": MERGED,
                 "first_seen": T0 + timedelta(minutes=1)},
                {"feed_url": "https://ex.com/feed?x=2&y=1", "entry_url": "https://ex.com/solo",
                 "first_seen": T0},
            ],
        )  # fmt: skip
    return texts


def test_upgrade_rekeys_and_merges_keeping_every_version(engine: Engine) -> None:
    texts = build_old_corpus(engine)
    upgrade(engine, "0004_courlan_urls")

    with engine.connect() as db:
        ids = set(db.scalars(select(ArticleRow.id)))
        assert ids == {
            article_id("url:" + MERGED),
            article_id("url:" + DOTS),
            article_id("url:https://ex.com/q?y=2&z=1"),
            article_id("url:https://ex.com/solo"),
            article_id("file:/corpus/a.txt"),
        }
        rows = db.execute(
            select(ArticleVersion.id, ArticleVersion.text).order_by(ArticleVersion.id)
        ).all()
        # Nothing lost: every version row, with its text, and every signature still attached.
        assert {row.id: row.text for row in rows} == texts
        signed = select(func.count()).select_from(StoredSignature).join(ArticleVersion)
        assert db.scalar(signed) == len(texts)

        merged = article_id("url:" + MERGED)
        history = db.execute(
            select(ArticleVersion.version, ArticleVersion.text)
            .where(ArticleVersion.article_id == merged)
            .order_by(ArticleVersion.version)
        ).all()
        assert [row.version for row in history] == [1, 2, 3, 4, 5]
        assert [row.text for row in history] == [  # ingest order: minutes 0, 10, 20, 30, 40
            "url:https://ex.com/p?b=2&a=1 version 1",
            "url:https://ex.com/p?a=1&b=2 version 1",
            "url:https://ex.com/p?b=2&a=1 version 2",
            "url:https://ex.com/p?a=1&b=2 version 2",
            "url:https://ex.com/p?a=1&b=2 version 3",
        ]
        article = db.execute(select(ArticleRow).where(ArticleRow.id == merged)).one()
        assert (article.key, article.url, article.latest_version) == ("url:" + MERGED, MERGED, 5)
        assert article.created_at.replace(tzinfo=UTC) == T0
        version_urls = db.execute(select(ArticleVersion.article_id, ArticleVersion.url)).all()
        assert {url for ident, url in version_urls if ident == merged} == {MERGED}
        assert (article_id("file:/corpus/a.txt"), None) in version_urls
        dots = db.execute(
            select(ArticleVersion.version).where(
                ArticleVersion.article_id == article_id("url:" + DOTS)
            )
        ).scalars()
        assert sorted(dots) == [1, 2]

        # Every article's versions are numbered 1..latest_version with no gap.
        for ident, latest in db.execute(select(ArticleRow.id, ArticleRow.latest_version)):
            numbers = db.scalars(
                select(ArticleVersion.version).where(ArticleVersion.article_id == ident)
            ).all()
            assert sorted(numbers) == list(range(1, latest + 1))

        # References follow the new ids; the merged article no longer duplicates itself.
        refs = db.execute(
            select(ArticleVersion.article_id, ArticleVersion.cluster_id,
                   ArticleVersion.duplicate_of, ArticleVersion.similarity)
        ).all()  # fmt: skip
        assert {(r.cluster_id, r.duplicate_of, r.similarity) for r in refs
                if r.article_id == merged} == {(merged, None, None)}  # fmt: skip
        solo = [r for r in refs if r.article_id == article_id("url:https://ex.com/solo")]
        assert [(r.cluster_id, r.duplicate_of, r.similarity) for r in solo] == [
            (merged, merged, 0.8)
        ]
        assert {r.cluster_id for r in refs} <= ids

        state = dict(db.execute(select(FetchState.url, FetchState.etag)).all())
        assert state == {MERGED: '"new"', "https://ex.com/solo": '"solo"'}
        entries = db.execute(select(FeedEntry.feed_url, FeedEntry.entry_url, FeedEntry.first_seen))
        seen = {(feed, entry): first.replace(tzinfo=UTC) for feed, entry, first in entries}
        assert seen == {
            ("https://ex.com/feed?x=2&y=1", MERGED): T0 + timedelta(minutes=1),
            ("https://ex.com/feed?x=2&y=1", "https://ex.com/solo"): T0,
        }


def test_a_spelling_ingested_after_the_upgrade_adds_to_the_merged_article(engine: Engine) -> None:
    build_old_corpus(engine)
    store = open_store(str(engine.url.render_as_string(hide_password=False)))
    run = store.start_run("test", {})
    item = Extracted("list.txt", "https://EX.com.:443/p?b=2&a=1#c",
                     ExtractedArticle(title="P", text="A sixth text.", extractor="t"))  # fmt: skip

    saved, failures = store.save_batch(run, [item])

    assert not failures
    assert (saved[0].article_id, saved[0].version) == (article_id("url:" + MERGED), 6)
    history = store.article_versions(saved[0].article_id)
    assert [v["version"] for v in history] == [1, 2, 3, 4, 5, 6]
    store.close()
