"""`newscorpus export` on real databases: formats round trip with their types, snapshots as of
a time, every version, filters, part files with a dataset card, incremental pulls."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import newscorpus
from corpus import export, records
from corpus.models import FeedEntry
from corpus.records import RECORD_FIELDS
from corpus.store import open_store
from extractors import Article, Extracted
from newscorpus.cli import main

HARBOUR = "The council approved the new harbour budget after a long debate on Tuesday night."
SNOW = "Heavy snow closed the mountain pass and three villages lost power overnight in the north."
FLOOD = "Rivers burst their banks after a week of rain and the army was called in to help."


def item(source: str, text: str, language: str = "en", site: str = "Harbour News") -> Extracted:
    article = Article(
        title=text.split()[1].title(),
        text=text,
        language=language,
        authors=["Ann Lee", "Bo Chen"],
        site=site,
        published="2026-11-20",
        extractor="newscorpus-text-0.2",
    )
    return Extracted(source, None, article)


def run(url: str, *items: Extracted, finish: bool = True) -> str:
    """One ingestion run storing `items`; left running when `finish` is false."""
    store = open_store(url)
    run_id = store.start_run("test", {})
    saved, failures = store.save_batch(run_id, items)
    assert not failures
    if finish:
        store.finish_run(run_id, "completed", {"new": len(saved)})
    store.close()
    return run_id


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, db_url: str) -> str:
    if request.param == "sqlite":
        return db_url
    return request.getfixturevalue("postgres_url")


def cli(url: str, *args: str) -> int:
    return main(["--db", url, "export", *args])


def expected(url: str, **filters: object) -> list[dict]:
    with newscorpus.open(url) as corpus:
        return [record.as_dict() for record in corpus.articles(**filters)]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_round_trip_jsonl(db_url: str, tmp_path: Path) -> None:
    run(db_url, item("a.txt", HARBOUR), item("b.txt", SNOW, "de", "Schnee"))
    assert cli(db_url, "--out", str(tmp_path / "out.jsonl")) == 0

    rows = read_jsonl(tmp_path / "out.jsonl")
    want = expected(db_url)
    assert len(rows) == 2 and tuple(rows[0]) == RECORD_FIELDS
    for row, record in zip(rows, want, strict=True):
        assert datetime.fromisoformat(row.pop("ingested_at")) == record.pop("ingested_at")
        assert row == record
    assert rows[0]["authors"] == ["Ann Lee", "Bo Chen"]
    assert rows[0]["extractor_version"] == "0.2" and rows[0]["run_id"]


def test_round_trip_csv(db_url: str, tmp_path: Path) -> None:
    run(db_url, item("a.txt", HARBOUR), item("b.txt", SNOW, "de", "Schnee"))
    assert cli(db_url, "--format", "csv", "--out", str(tmp_path / "out.csv")) == 0

    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    want = expected(db_url)
    assert len(rows) == 2
    for row, record in zip(rows, want, strict=True):
        assert json.loads(row["authors"]) == record["authors"]
        assert int(row["version"]) == record["version"]
        assert datetime.fromisoformat(row["ingested_at"]) == record["ingested_at"]
        assert row["text"] == record["text"] and row["source"] == record["source"]
        assert row["duplicate_of"] == "" and record["duplicate_of"] is None


def test_round_trip_parquet_keeps_types(store_url: str, tmp_path: Path) -> None:
    run(store_url, item("a.txt", HARBOUR), item("b.txt", SNOW, "de", "Schnee"))
    target = tmp_path / "out.parquet"
    assert cli(store_url, "--format", "parquet", "--out", str(target)) == 0

    table = pq.read_table(target)
    assert table.schema.equals(export.parquet_schema())
    assert str(table.schema.field("ingested_at").type) == "timestamp[us, tz=UTC]"
    assert table.schema.field("authors").type.value_type == "string"
    assert table.to_pylist() == expected(store_url)


def test_as_of_gives_the_text_that_stood_then(store_url: str, tmp_path: Path) -> None:
    run(store_url, item("a.txt", HARBOUR))
    between = datetime.now(UTC)
    run(store_url, item("a.txt", HARBOUR + " The vote was close."), item("b.txt", SNOW))

    for name, moment in (("then", between), ("now", datetime.now(UTC))):
        out = str(tmp_path / f"{name}.jsonl")
        assert cli(store_url, "--as-of", moment.isoformat(), "--out", out) == 0

    then = read_jsonl(tmp_path / "then.jsonl")
    now = {row["source"]: row for row in read_jsonl(tmp_path / "now.jsonl")}
    assert [(row["source"], row["version"], row["text"]) for row in then] == [("a.txt", 1, HARBOUR)]
    assert (now["a.txt"]["version"], now["a.txt"]["text"]) == (2, HARBOUR + " The vote was close.")
    assert set(now) == {"a.txt", "b.txt"}, "an article first stored later joins the snapshot"


def test_versions_and_filters(db_url: str, tmp_path: Path) -> None:
    run(db_url, item("a.txt", HARBOUR), item("b.txt", SNOW, "de", "Schnee"))
    run(db_url, item("a.txt", HARBOUR + " The vote was close."), item("c.txt", HARBOUR))

    def ids(*args: str) -> list[tuple[str, int]]:
        out = tmp_path / "out.jsonl"
        assert cli(db_url, "--out", str(out), *args) == 0
        return [(row["source"], row["version"]) for row in read_jsonl(out)]

    assert sorted(ids("--versions")) == [("a.txt", 1), ("a.txt", 2), ("b.txt", 1), ("c.txt", 1)]
    assert sorted(ids()) == [("a.txt", 2), ("b.txt", 1), ("c.txt", 1)]
    assert ids("--language", "de") == [("b.txt", 1)]
    assert ids("--site", "Schnee") == [("b.txt", 1)]
    assert sorted(ids("--language", "de", "--language", "en", "--canonical-only")) == [
        ("a.txt", 2),
        ("b.txt", 1),
    ]  # c.txt holds a's first text: an exact duplicate of a (v1), left out
    assert ids("--since", "2999-01-01") == []


def test_directory_parts_card_and_readers(db_url: str, tmp_path: Path, monkeypatch) -> None:
    run(db_url, *(item(f"{n}.txt", f"{HARBOUR} Number {n}.") for n in range(7)))
    run(db_url, item("snow.txt", SNOW, "de", "Schnee"))
    monkeypatch.setenv("NEWSCORPUS_EXPORT_ROW_GROUP_ROWS", "3")
    folder = tmp_path / "dataset"
    args = ["--format", "parquet", "--out", f"{folder}/", "--part-size", "0"]
    assert cli(db_url, *args) == 0

    parts = sorted((folder / "data").glob("part-*.parquet"))
    assert len(parts) == 8, "a part size of 0 closes a part after every row"
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "| `authors` | list<string> | no |" in card
    assert "| en | 7 |" in card and "| Schnee | 1 |" in card
    assert f"export --format parquet --out {folder}/ --part-size 0" in card

    import duckdb
    import pandas
    import polars

    frame = pandas.read_parquet(folder / "data")
    assert len(frame) == 8 and str(frame["ingested_at"].dtype) == "datetime64[us, UTC]"
    assert list(frame["authors"].iloc[0]) == ["Ann Lee", "Bo Chen"]
    lazy = polars.read_parquet(f"{folder}/data/*.parquet")
    assert lazy.height == 8 and lazy.schema["authors"] == polars.List(polars.String)
    counted = duckdb.sql(f"select language, count(*) from '{folder}/data/*.parquet' group by 1")
    assert sorted(counted.fetchall()) == [("de", 1), ("en", 7)]

    # One file with small row groups: written while streaming, not at the end.
    assert cli(db_url, "--format", "parquet", "--out", str(tmp_path / "one.parquet")) == 0
    assert pq.ParquetFile(tmp_path / "one.parquet").metadata.num_row_groups == 3

    # A second export into the same folder would mix two exports: refused, nothing overwritten.
    assert cli(db_url, *args) == 2


def test_incremental_pull_after_three_runs(store_url: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(records, "RUNS_PER_QUERY", 1)  # pulls of several runs read in chunks

    def pull(n: int) -> list[tuple[str, int]]:
        out = tmp_path / f"pull{n}.jsonl"
        assert cli(store_url, "--cursor", "hourly", "--out", str(out)) == 0
        return [(row["id"], row["version"]) for row in read_jsonl(out)]

    first = run(store_url, item("a.txt", HARBOUR), item("b.txt", SNOW))
    pulled = pull(1)
    run(store_url, item("a.txt", HARBOUR + " The vote was close."))
    # A run still storing (started before the next one finishes) is held back, not skipped.
    slow = run(store_url, item("c.txt", FLOOD), finish=False)
    run(store_url, item("b.txt", SNOW + " Roads reopened."), item("d.txt", FLOOD + " Again."))
    pulled += pull(2)
    open_store(store_url).finish_run(slow, "completed", {})
    pulled += pull(3)
    pulled += pull(4)

    with newscorpus.open(store_url) as corpus:
        every = [(record.id, record.version) for record in corpus.articles(versions=True)]
    assert len(pulled) == len(set(pulled)) == 6, "no version repeated"
    assert sorted(pulled) == sorted(every), "no version missed"
    assert pull(5) == []

    out = tmp_path / "since.jsonl"
    assert cli(store_url, "--since-run", first, "--out", str(out)) == 0
    assert len(read_jsonl(out)) == 4


def test_clear_errors(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(db_url, item("a.txt", HARBOUR))
    assert cli(db_url, "--format", "parquet") == 2
    assert "Parquet is binary" in capsys.readouterr().err
    assert cli(db_url, "--as-of", "yesterday") == 2
    assert "--as-of 'yesterday': not an ISO 8601 date" in capsys.readouterr().err
    assert cli(db_url, "--since-run", "no-such-run") == 2
    assert "no run no-such-run" in capsys.readouterr().err


def test_rows_name_the_feed_that_listed_them(db_url: str, tmp_path: Path) -> None:
    page = "https://news.example.org/harbour"
    listed = Extracted(page, page, item(page, HARBOUR).article)
    run(db_url, listed, item("b.txt", SNOW))
    store = open_store(db_url)
    with store.sessions.begin() as session:
        session.add(FeedEntry(feed_url="https://news.example.org/rss", entry_url=page))
    store.close()

    assert cli(db_url, "--out", str(tmp_path / "out.jsonl")) == 0
    feeds = {row["source"]: row["feed"] for row in read_jsonl(tmp_path / "out.jsonl")}
    assert feeds == {page: "https://news.example.org/rss", "b.txt": None}


def test_rows_name_their_archived_original(db_url: str, tmp_path: Path) -> None:
    from config import ArchiveSettings
    from corpus.archive import open_archive
    from extractors import Document

    page = "https://news.example.org/harbour"
    original = Document(page, "html", f"<html><body><p>{HARBOUR}</p></body></html>".encode())
    store = open_store(db_url)
    archive = open_archive(ArchiveSettings(dir=str(tmp_path / "archive")), store.engine, db_url)
    digests = archive.keep([original])
    run_id = store.start_run("test", {})
    store.save_batch(run_id, [item(page, HARBOUR), item("b.txt", SNOW)], digests)
    store.finish_run(run_id, "completed", {})

    assert cli(db_url, "--out", str(tmp_path / "out.jsonl")) == 0
    rows = {row["source"]: row["original"] for row in read_jsonl(tmp_path / "out.jsonl")}
    assert rows == {page: digests[page], "b.txt": None}
    assert archive.load(rows[page]).payload == original.payload
    store.close()
