"""The Python reading API on real databases: typed records, read-only, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

import newscorpus
from tests.test_export import HARBOUR, SNOW, item, run


def test_articles_versions_runs_and_clusters(db_url: str) -> None:
    first = run(db_url, item("a.txt", HARBOUR), item("b.txt", SNOW, "de", "Schnee"))
    between = datetime.now(UTC)
    run(db_url, item("a.txt", HARBOUR + " The vote was close."), item("c.txt", HARBOUR))

    with newscorpus.open(db_url) as corpus:
        latest = {record.source: record for record in corpus.articles()}
        assert isinstance(latest["a.txt"], newscorpus.ArticleRecord)
        assert latest["a.txt"].version == 2 and latest["a.txt"].authors == ("Ann Lee", "Bo Chen")
        assert latest["a.txt"].ingested_at.tzinfo is not None
        with pytest.raises(AttributeError):
            latest["a.txt"].text = "changed"  # frozen
        assert [r.source for r in corpus.articles(language="de")] == ["b.txt"]
        assert [r.version for r in corpus.articles(as_of=between) if r.source == "a.txt"] == [1]

        versions = corpus.versions(latest["a.txt"].id)
        assert [(v.version, v.text) for v in versions] == [
            (1, HARBOUR),
            (2, HARBOUR + " The vote was close."),
        ]
        assert corpus.versions("no-such-article") == []

        runs = corpus.runs()
        assert len(runs) == 2 and runs[-1].id == first and runs[-1].counts == {"new": 2}

        # c.txt holds a's first text; a has since changed, so c is its own canonical article
        # or a's duplicate, as the deduplicator decided: the cluster lists the latest versions.
        for cluster in corpus.clusters(min_size=1):
            assert cluster.size == len(cluster.members) >= 1
            assert cluster.members[0].duplicate_of is None


def test_missing_corpus_is_a_clear_error_and_nothing_is_created(tmp_path: Path) -> None:
    missing = tmp_path / "sub" / "none.db"
    with pytest.raises(newscorpus.CorpusNotFound, match="does not exist"):
        newscorpus.open(f"sqlite:///{missing}")
    assert not missing.exists() and not missing.parent.exists()

    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(newscorpus.CorpusNotFound, match="no newscorpus tables"):
        newscorpus.open(f"sqlite:///{empty}")
    assert empty.stat().st_size == 0, "no table was created"


def test_the_api_cannot_write(db_url: str) -> None:
    run(db_url, item("a.txt", HARBOUR))
    with (
        newscorpus.open(db_url) as corpus,
        corpus.engine.connect() as connection,
        pytest.raises(OperationalError, match="readonly"),
    ):
        connection.execute(text("DELETE FROM article_versions"))
    with newscorpus.open(db_url) as corpus:
        assert len(list(corpus.articles())) == 1


def test_postgres_corpus_read_only(postgres_url: str) -> None:
    run(postgres_url, item("a.txt", HARBOUR))
    with newscorpus.open(postgres_url) as corpus:
        assert [r.source for r in corpus.articles()] == ["a.txt"]
        with corpus.engine.connect() as connection, pytest.raises(DBAPIError, match="read-only"):
            connection.execute(text("DELETE FROM article_versions"))
