"""The `import_files` flow end to end: real Prefect runs into a real SQLite corpus."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from corpus.export import export_jsonl
from corpus.store import EXPORT_FIELDS, open_store
from flows.import_files import import_files
from tests.inputs import (
    CYRILLIC_SENTENCE,
    write_binary,
    write_cp1251_page,
    write_truncated_page,
)

pytestmark = pytest.mark.usefixtures("prefect_harness")


def exported(db_url: str, canonical_only: bool = False) -> list[dict]:
    lines: list[str] = []

    class Sink:
        def write(self, chunk: str) -> None:
            lines.append(chunk)

    export_jsonl(open_store(db_url), Sink(), canonical_only=canonical_only)
    return [json.loads(line) for line in "".join(lines).splitlines()]


def test_fresh_import_stores_every_sample(seeds: Path, db_url: str) -> None:
    counts = import_files([str(seeds)], database_url=db_url)

    assert counts["imported"] == 5
    assert counts["new"] == 5
    assert counts["failures"] == 0
    assert counts["languages"] == {"en": 5}
    records = exported(db_url)
    assert len(records) == 5
    for record in records:
        assert set(record) == set(EXPORT_FIELDS)
        assert record["title"] and len(record["text"]) > 500
        assert record["version"] == 1
        assert record["duplicate_of"] is None
        assert record["cluster_id"]
    assert {Path(r["source"]).name for r in records} == {p.name for p in seeds.iterdir()}


def test_reimport_adds_nothing(seeds: Path, db_url: str) -> None:
    import_files([str(seeds)], database_url=db_url)
    before = exported(db_url)

    counts = import_files([str(seeds)], database_url=db_url)

    assert (counts["new"], counts["new_versions"], counts["unchanged"]) == (0, 0, 5)
    assert exported(db_url) == before
    runs = open_store(db_url).recent_runs()
    assert [run["status"] for run in runs] == ["completed", "completed"]


def test_changed_file_adds_version_two_and_keeps_version_one(seeds: Path, db_url: str) -> None:
    import_files([str(seeds)], database_url=db_url)
    target = seeds / "000_66ee1cf45df24c18.txt"
    original = target.read_text(encoding="utf-8")
    anchor = "This is where Russia and Israel share a common goal."
    added = "An editor's correction was added to this article after publication today."
    assert anchor in original
    target.write_text(original.replace(anchor, f"{anchor}\n\n{added}"), encoding="utf-8")

    counts = import_files([str(seeds)], database_url=db_url)

    assert (counts["new"], counts["new_versions"], counts["unchanged"]) == (0, 1, 4)
    store = open_store(db_url)
    changed = next(r for r in exported(db_url) if Path(r["source"]).name == target.name)
    versions = store.article_versions(changed["id"])
    assert [v["version"] for v in versions] == [1, 2]
    assert added not in versions[0]["text"]
    assert added in versions[1]["text"]
    assert changed["version"] == 2


def test_bad_inputs_are_recorded_and_the_run_completes(seeds: Path, db_url: str) -> None:
    write_binary(seeds / "binary.html")
    (seeds / "empty.txt").write_bytes(b"")
    write_cp1251_page(seeds / "cp1251.html")
    write_cp1251_page(seeds / "cp1251-undeclared.html", declare=False)
    write_truncated_page(seeds / "truncated.html")
    (seeds / "broken.jsonl").write_text('{"url": "https://example.org/a", "html": ""}\nnot json\n')

    counts = import_files([str(seeds)], database_url=db_url)

    assert counts["new"] == 5 + 3  # the samples, both cp1251 pages, the truncated page
    assert counts["failures"] == 4
    store = open_store(db_url)
    failures = {Path(f["source"]).name: f for f in store.run_failures(store.recent_runs()[0]["id"])}
    assert "binary" in failures["binary.html"]["reason"]
    assert "empty" in failures["empty.txt"]["reason"]
    assert "neither" in failures["broken.jsonl:1"]["reason"]
    assert "JSON" in failures["broken.jsonl:2"]["reason"]
    by_name = {Path(r["source"]).name: r for r in exported(db_url)}
    for name in ("cp1251.html", "cp1251-undeclared.html"):
        assert CYRILLIC_SENTENCE in by_name[name]["text"]
        assert by_name[name]["language"] == "ru"
    assert "The first paragraph of this report" in by_name["truncated.html"]["text"]


def test_jsonl_import_keys_articles_by_canonical_url(tmp_path: Path, db_url: str) -> None:
    body = "Wire copy about the harbour reopening after the storm. " * 8
    lines = [
        {"url": "https://news.example.org/harbour?utm_source=x#top", "text": f"Harbour\n{body}"},
        {"url": "https://NEWS.example.org/harbour", "text": f"Harbour\n{body} Updated."},
        {
            "url": "https://news.example.org/other",
            "html": f"<html><body><p>{body}</p></body></html>",
        },
    ]
    feed = tmp_path / "batch.jsonl"
    feed.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")

    counts = import_files([str(feed)], database_url=db_url)

    assert (counts["new"], counts["new_versions"]) == (2, 1)
    urls = sorted(r["url"] for r in exported(db_url))
    assert urls == ["https://news.example.org/harbour", "https://news.example.org/other"]


def test_export_round_trip_and_exact_duplicates(seeds: Path, db_url: str) -> None:
    first = sorted(seeds.iterdir())[0]
    (seeds / "zz-copy-of-first.txt").write_bytes(first.read_bytes())

    counts = import_files([str(seeds)], database_url=db_url)

    assert counts["duplicates"] == 1
    records = exported(db_url)
    copy = next(r for r in records if r["source"].endswith("zz-copy-of-first.txt"))
    original = next(r for r in records if r["source"].endswith(first.name))
    assert copy["duplicate_of"] == original["id"]
    assert copy["cluster_id"] == original["cluster_id"]
    assert copy["content_hash"] == original["content_hash"]
    canonical = exported(db_url, canonical_only=True)
    assert len(canonical) == 5 and copy["id"] not in {r["id"] for r in canonical}
    # Round trip: what export wrote is exactly what the store holds.
    store = open_store(db_url)
    for record in records:
        latest = store.article_versions(record["id"])[-1]
        assert (record["text"], record["title"]) == (latest["text"], latest["title"])


def _stored_when_each_is_read(
    db_url: str, count: int, **pipeline: object
) -> tuple[dict, list[int]]:
    """Import `count` distinct stories with these `[pipeline]` settings; returns the run's
    counts and, for each story, how many versions were stored when the pipeline read it."""
    from prefect import flow
    from sqlalchemy import create_engine, text

    from config import load_settings
    from extractors import Document
    from flows.pipeline import run_pipeline

    settings = load_settings()
    settings = settings.model_copy(
        update={"pipeline": settings.pipeline.model_copy(update=pipeline)}
    )
    open_store(db_url).close()
    counter = create_engine(db_url)
    stored_when_pulled: list[int] = []
    words = ("harbour", "council", "bridge", "river", "ferry", "tram", "station", "budget")

    def documents():
        for number in range(count):
            with counter.connect() as connection:
                stored = connection.execute(text("select count(*) from article_versions"))
                stored_when_pulled.append(stored.scalar_one())
            rng = random.Random(number)
            sentences = [
                " ".join(rng.choice(words) for _ in range(12)).capitalize() + f" {number}."
                for _ in range(8)
            ]
            payload = f"Story {number}\n\n" + " ".join(sentences)
            yield Document(source=f"story-{number}.txt", kind="text", payload=payload)

    @flow
    def importing() -> dict:
        with open_store(db_url, settings=settings) as store:
            return run_pipeline("import_files", documents(), settings, store, {})

    counts = importing()
    counter.dispose()
    return counts, stored_when_pulled


def test_a_batch_is_stored_as_soon_as_it_is_extracted(db_url: str) -> None:
    """Extracted on the spot (the sequential runner), each batch is stored before the next
    batch is read: storing does not wait for later batches to be under way."""
    counts, stored_when_pulled = _stored_when_each_is_read(
        db_url, 8, batch_size=2, runner="sequential"
    )
    assert counts["new"] == 8
    # stories 0-1 are batch 1, 2-3 batch 2, ...: every earlier batch is stored when a batch
    # is read
    assert stored_when_pulled == [0, 0, 2, 2, 4, 4, 6, 6], stored_when_pulled


def test_the_input_is_read_batch_by_batch_as_it_is_stored(db_url: str) -> None:
    """A long import never holds its whole input: the pipeline asks its document iterator for
    the next documents only as batches are stored (a bounded look-ahead at most)."""
    counts, stored_when_pulled = _stored_when_each_is_read(db_url, 40, batch_size=2)
    assert counts["new"] == 40
    look_ahead = [pulled - stored for pulled, stored in enumerate(stored_when_pulled)]
    assert max(look_ahead) <= 10, look_ahead
