"""The archive of originals: kept once per digest, readable after a restart, off when disabled."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from config import ArchiveSettings, Settings
from corpus.archive import OriginalsArchive, open_archive
from corpus.models import ArticleVersion, StoredOriginal
from corpus.store import open_store
from extractors import Document
from tests.warc_files import write_mixed_warc


def cp1251_page(source: str) -> Document:
    body = "<html><body><p>Паромы ходят по зимнему расписанию.</p></body></html>"
    return Document(
        source=source, kind="html", payload=body.encode("cp1251"), url="https://example.ru/a",
        http_headers=[("Content-Type", "text/html; charset=windows-1251"),
                                   ("Content-Encoding", "gzip")],
    )  # fmt: skip


def test_identical_originals_are_kept_once_and_survive_a_restart(
    tmp_path: Path, db_url: str
) -> None:
    folder = tmp_path / "archive"
    store = open_store(db_url)
    archive = OriginalsArchive(folder, store.engine, max_file_bytes=10_000_000)
    text_file = Document(source="notes.txt", kind="text", payload="Plain notes.\n")

    first = archive.keep([cp1251_page("a"), cp1251_page("b"), text_file])
    size = sum(p.stat().st_size for p in folder.iterdir())
    store.close()

    store = open_store(db_url)
    reopened = OriginalsArchive(folder, store.engine, max_file_bytes=10_000_000)
    again = reopened.keep([cp1251_page("c")])
    assert first["a"] == first["b"] == again["c"] != first["notes.txt"]
    assert sum(p.stat().st_size for p in folder.iterdir()) == size
    with store.sessions() as session:
        assert len(session.scalars(select(StoredOriginal)).all()) == 2
    page = reopened.load(first["a"])
    assert page.payload == cp1251_page("a").payload
    assert (page.kind, page.charset, page.url) == ("html", "windows-1251", "https://example.ru/a")
    notes = reopened.load(first["notes.txt"])
    assert (notes.kind, notes.payload) == ("text", b"Plain notes.\n")


def test_files_roll_over_at_the_size_limit(tmp_path: Path, db_url: str) -> None:
    store = open_store(db_url)
    archive = OriginalsArchive(tmp_path / "archive", store.engine, max_file_bytes=200)
    docs = [Document(source=f"{n}.txt", kind="text", payload=f"text {n} " * 50) for n in range(3)]

    digests = archive.keep(docs[:1]) | archive.keep(docs[1:2]) | archive.keep(docs[2:])

    assert len(list((tmp_path / "archive").glob("originals-*.warc.gz"))) == 3
    assert [archive.load(digests[d.source]).payload.decode() for d in docs] == [
        d.payload for d in docs
    ]


def test_default_directory_is_next_to_the_sqlite_file_and_disabled_means_none(
    tmp_path: Path, db_url: str
) -> None:
    store = open_store(db_url)
    archive = open_archive(ArchiveSettings(), store.engine, db_url)
    assert archive.directory == tmp_path / "archive"
    assert open_archive(ArchiveSettings(enabled=False), store.engine, db_url) is None


@pytest.mark.usefixtures("prefect_harness")
def test_imported_versions_reference_their_archived_original(tmp_path: Path, db_url: str) -> None:
    from flows.import_files import import_files

    warc = write_mixed_warc(tmp_path / "crawl.warc.gz")
    import_files([str(warc)], database_url=db_url)

    store = open_store(db_url)
    with store.sessions() as session:
        versions = session.scalars(select(ArticleVersion)).all()
    archive = open_archive(Settings().archive, store.engine, db_url)
    assert len(versions) == 4 and all(v.original for v in versions)
    russian = next(v for v in versions if "example.ru" in v.url)
    original = archive.load(russian.original)
    assert original.charset == "windows-1251"
    assert "Городской совет" in original.payload.decode("cp1251")


@pytest.mark.usefixtures("prefect_harness")
def test_archive_disabled_keeps_no_originals(tmp_path: Path, db_url: str) -> None:
    from flows.import_files import import_files

    config = tmp_path / "off.toml"
    config.write_text("[archive]\nenabled = false\n")
    counts = import_files(
        [str(write_mixed_warc(tmp_path / "c.warc.gz"))], database_url=db_url,
        config_path=str(config),
    )  # fmt: skip

    assert counts["new"] == 4
    assert not (tmp_path / "archive").exists()
    with open_store(db_url).sessions() as session:
        assert all(v.original is None for v in session.scalars(select(ArticleVersion)))


def keep_in_batches(db_url: str, folder: str, batches: int) -> None:
    """One writer process: the same originals as every other writer, batch after batch."""
    from corpus.store import create_db_engine

    archive = OriginalsArchive(Path(folder), create_db_engine(db_url), max_file_bytes=50_000)
    for number in range(batches):
        archive.keep([Document(f"{n}.txt", "text", f"note {n}\n") for n in range(number + 3)])


def test_concurrent_writers_keep_each_original_once(tmp_path: Path, db_url: str) -> None:
    import multiprocessing

    store = open_store(db_url)
    folder = tmp_path / "archive"
    spawn = multiprocessing.get_context("spawn")
    writers = [
        spawn.Process(target=keep_in_batches, args=(db_url, str(folder), 12)) for _ in range(3)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=240)
        if writer.is_alive():
            writer.kill()
    assert [writer.exitcode for writer in writers] == [0, 0, 0]

    archive = OriginalsArchive(folder, store.engine, max_file_bytes=50_000)
    with store.sessions() as session:
        rows = session.scalars(select(StoredOriginal)).all()
    assert len(rows) == 14  # notes 0..13, each named once whoever wrote it first
    assert sorted(archive.load(row.digest).payload for row in rows) == sorted(
        f"note {n}\n".encode() for n in range(14)
    )
