"""The fetch time of a version: WARC-Date read as UTC, and the column added to an existing
corpus by migration 0012 (earlier versions keep NULL, nothing else changes)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, inspect, select

from corpus.migrate import alembic_config
from corpus.models import ArticleVersion
from corpus.store import open_store
from extractors import Document
from extractors.pipeline import Extracted, extract_many
from extractors.warc import warc_date
from tests.warc_files import PARAGRAPH, article_html


def test_warc_dates_are_read_as_utc_and_bad_ones_are_none() -> None:
    assert warc_date("2026-03-01T10:00:00Z") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert warc_date("2026-03-01T12:00:00.250+02:00") == datetime(
        2026, 3, 1, 10, 0, 0, 250_000, tzinfo=UTC
    )
    assert warc_date("2026-03-01T10:00:00") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert warc_date("yesterday") is None
    assert warc_date(None) is None


def test_migration_adds_an_empty_fetch_time_to_an_existing_corpus(db_url: str) -> None:
    store = open_store(db_url)
    run = store.start_run("import_files", {})
    fetched = datetime(2026, 3, 1, 10, tzinfo=UTC)
    doc = Document("a.html", "html", article_html("Ferry", PARAGRAPH), fetched_at=fetched)
    [item] = [r for r in extract_many([doc]) if isinstance(r, Extracted)]
    store.save_batch(run, [item])
    with store.sessions() as session:
        [stored] = session.scalars(select(ArticleVersion)).all()
    assert stored.fetched_at.replace(tzinfo=UTC) == fetched
    store.close()
    engine = create_engine(db_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011_version_warnings")
    columns = {c["name"] for c in inspect(engine).get_columns("article_versions")}
    engine.dispose()
    assert "fetched_at" not in columns

    reopened = open_store(db_url)  # migrates back to the head
    with reopened.sessions() as session:
        [version] = session.scalars(select(ArticleVersion)).all()
    assert version.fetched_at is None and version.text == item.article.text
