"""CorpusStore on real databases: versioning, duplicates, failures, migrations, streaming."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from corpus.identity import article_id, article_key, canonical_url
from corpus.normalize import content_hash
from corpus.store import open_store
from extractors import Article, Extracted, InputFailure

BODY = "The council approved the new harbour budget after a long debate on Tuesday night."


def item(source: str, text_: str, url: str | None = None, title: str = "Harbour") -> Extracted:
    return Extracted(source, url, Article(title=title, text=text_, language="en", extractor="t"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, db_url: str) -> str:
    if request.param == "sqlite":
        return db_url
    return request.getfixturevalue("postgres_url")


def test_versions_are_added_only_when_clean_text_changes(store_url: str) -> None:
    store = open_store(store_url)
    run = store.start_run("test", {})

    first, _ = store.save_batch(run, [item("a.txt", BODY)])
    same, _ = store.save_batch(run, [item("a.txt", "  " + BODY.upper() + "  ")])
    changed, _ = store.save_batch(run, [item("a.txt", BODY + " A second paragraph.")])

    assert [r.status for r in first + same + changed] == ["new", "unchanged", "new_version"]
    versions = store.article_versions(first[0].article_id)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["text"] == BODY


def test_duplicates_are_marked_not_dropped(store_url: str) -> None:
    store = open_store(store_url)
    run = store.start_run("test", {})
    unrelated = "Heavy snow closed the mountain pass and three villages lost power overnight."

    saved, failures = store.save_batch(
        run,
        [
            item("a.txt", BODY),
            item("b.txt", BODY.replace("council", "Council")),
            item("c.txt", BODY + " Officials declined to comment."),
            item("d.txt", unrelated),
        ],
    )

    assert not failures
    a, b, c, d = saved
    assert b.duplicate_of == a.article_id and b.similarity == 1.0
    assert c.duplicate_of == a.article_id and 0 < c.similarity < 1.0
    assert a.duplicate_of is None and d.duplicate_of is None
    records = list(store.iter_latest())
    assert len(records) == 4
    assert {r["id"] for r in store.iter_latest(canonical_only=True)} == {a.article_id, d.article_id}


def test_one_bad_item_fails_alone(store_url: str) -> None:
    store = open_store(store_url)
    run = store.start_run("test", {})
    oversized_language = Article(title="x", text=BODY, language="x" * 100, extractor="t")

    saved, failures = store.save_batch(
        run,
        [
            item("a.txt", BODY),
            Extracted("bad.txt", None, oversized_language),
            item("c.txt", "Other text."),
        ],
    )

    if store.engine.dialect.name == "sqlite":  # SQLite does not enforce VARCHAR lengths
        assert len(saved) == 3 and not failures
    else:
        assert [r.source for r in saved] == ["a.txt", "c.txt"]
        assert failures[0].source == "bad.txt" and failures[0].stage == "store"
    assert store.count_articles() == len(saved)


def test_runs_and_failures_are_recorded(store_url: str) -> None:
    store = open_store(store_url)
    run = store.start_run("import_files", {"paths": ["x"]}, prefect_flow_run_id=None)
    store.record_failures(run, [InputFailure("x/broken.html", "binary content", "extract")])
    store.finish_run(run, "completed", {"imported": 1, "failures": 1})

    (recorded,) = store.recent_runs()
    assert recorded["status"] == "completed" and recorded["counts"]["failures"] == 1
    assert store.run_failures(run) == [
        {"source": "x/broken.html", "stage": "extract", "reason": "binary content"}
    ]


def test_schema_is_migrated_once_and_reopening_is_a_no_op(store_url: str) -> None:
    open_store(store_url)
    store = open_store(store_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"sources", "articles", "article_versions", "runs", "failures"} <= tables
    with store.engine.connect() as conn:
        assert conn.execute(text("select count(*) from alembic_version")).scalar() == 1


def test_sqlite_runs_in_wal_mode(db_url: str) -> None:
    store = open_store(db_url)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_export_streams_in_constant_batches(db_url: str) -> None:
    store = open_store(db_url)
    run = store.start_run("test", {})
    store.save_batch(run, [item(f"{n}.txt", f"{BODY} Number {n}.") for n in range(1200)])
    stream = store.iter_latest(batch=100)
    first = next(stream)
    assert set(first) >= {"id", "text", "version", "content_hash"}
    assert sum(1 for _ in stream) == 1199


def test_identity_is_stable_and_ignores_tracking() -> None:
    url = "HTTPS://Example.org:443/news/a?utm_source=x&id=3&fbclid=y#comments"
    assert canonical_url(url) == "https://example.org/news/a?id=3"
    assert article_key("ignored", url) == "url:https://example.org/news/a?id=3"
    assert article_id(article_key("a.txt", None)) == article_id(article_key("./a.txt", None))
    assert content_hash("“Quoted” — text") == content_hash('"quoted"  -  TEXT')
