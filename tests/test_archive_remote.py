"""The archive of originals at an fsspec URL: a real S3 endpoint on loopback (moto's server,
spoken to over HTTP by s3fs) and fsspec's in-memory filesystem. Objects are written once per
batch, never appended to; reading back (load, reextract) goes through the same URL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from config import ArchiveSettings
from corpus.archive import OriginalsArchive, open_archive
from corpus.models import ArticleVersion, StoredOriginal
from corpus.store import open_store
from extractors import Document
from tests.warc_files import PARAGRAPH, record_bytes, write_mixed_warc

SECRET = "s3cr3t-never-shown-anywhere"
NEWSLETTER = "Sign up for our free newsletter to get the news every morning."
PROMO_URL = "https://example.org/news/promo"


def promo_record() -> bytes:
    """A page with a newsletter line that only the English rules remove, fetched at 07:15."""
    body = "".join(f"<p>{p}</p>" for p in (PARAGRAPH, NEWSLETTER, PARAGRAPH.upper()))
    html = f"<html><head><title>Promo</title></head><body><article>{body}</article></body></html>"
    return record_bytes("response", PROMO_URL, html.encode(), date="2026-03-03T07:15:00Z")


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An S3 endpoint on a free loopback port with an empty bucket `corpus`; the credentials
    are in the environment only, as users give them."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "newscorpus-test",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    s3 = s3_client(endpoint)
    s3.mkdir("corpus")
    try:
        yield endpoint
    finally:
        server.stop()


def s3_client(endpoint: str):  # noqa: ANN201 - an s3fs filesystem, its own view of the bucket
    import s3fs

    return s3fs.S3FileSystem(endpoint_url=endpoint, skip_instance_cache=True)


def text(name: str, words: str) -> Document:
    return Document(source=name, kind="text", payload=f"{words}\n")


def test_memory_url_keeps_each_original_once_and_reads_it_after_a_restart(db_url: str) -> None:
    url = f"memory://newscorpus-{uuid.uuid4().hex}/archive"
    store = open_store(db_url)
    first = OriginalsArchive(url, store.engine, max_file_bytes=1).keep(
        [text("a.txt", "alpha"), text("b.txt", "beta"), text("c.txt", "alpha")]
    )
    reopened = OriginalsArchive(url, store.engine, max_file_bytes=1)
    again = reopened.keep([text("d.txt", "alpha"), text("e.txt", "gamma")])

    assert first["a.txt"] == first["c.txt"] == again["d.txt"] != first["b.txt"]
    with store.sessions() as session:
        rows = session.scalars(select(StoredOriginal)).all()
    # Three distinct originals in two objects: one per batch that had new originals.
    assert len(rows) == 3 and len({row.file for row in rows}) == 2
    assert reopened.directory is None
    assert reopened.load(first["b.txt"]).payload == b"beta\n"
    assert reopened.load(again["e.txt"]).payload == b"gamma\n"


@pytest.mark.usefixtures("prefect_harness")
def test_import_to_an_s3_archive_then_reextract_reads_the_objects_back(
    tmp_path: Path, db_url: str, s3_endpoint: str, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    from flows.import_files import import_files
    from flows.reextract import reextract

    archive = (
        '[archive]\ndir = "s3://corpus/news/originals"\n'
        f'storage_options = {{ endpoint_url = "{s3_endpoint}" }}\n'
    )
    old_rules, current = tmp_path / "old.toml", tmp_path / "current.toml"
    old_rules.write_text('[extraction]\nrule_languages = ["de"]\n' + archive)
    current.write_text(archive)
    warc = write_mixed_warc(tmp_path / "crawl.warc.gz")
    warc.write_bytes(warc.read_bytes() + promo_record())

    counts = import_files([str(warc)], database_url=db_url, config_path=str(old_rules))
    assert counts["new"] == 5

    objects = s3_client(s3_endpoint).find("corpus/news/originals")
    store = open_store(db_url)
    with store.sessions() as session:
        stored = session.scalars(select(StoredOriginal)).all()
        versions = session.scalars(select(ArticleVersion)).all()
    assert len(stored) == 5 and all(v.original for v in versions)
    assert {f"corpus/news/originals/{row.file}" for row in stored} <= set(objects)
    assert not (tmp_path / "archive").exists()  # nothing written next to the SQLite file

    # Rules for every language now: the current extractor runs over the objects again.
    again = reextract(database_url=db_url, config_path=str(current))
    assert (again["imported"], again["new_versions"], again["failures"]) == (5, 1, 0)
    with store.sessions() as session:
        promo = session.scalars(select(ArticleVersion).where(ArticleVersion.url == PROMO_URL)).all()
    # The re-extracted version keeps the fetch time of the original it came from.
    assert [v.version for v in promo] == [1, 2] and NEWSLETTER not in promo[1].text
    assert {v.fetched_at.replace(tzinfo=UTC) for v in promo} == {
        datetime(2026, 3, 3, 7, 15, tzinfo=UTC)
    }
    archive = open_archive(
        ArchiveSettings(dir="s3://corpus/news/originals", storage_options={
            "endpoint_url": s3_endpoint}), store.engine, db_url,
    )  # fmt: skip
    russian = next(v for v in versions if "example.ru" in v.url)
    assert "Городской совет" in archive.load(russian.original).payload.decode("cp1251")
    shown = capsys.readouterr()
    assert SECRET not in shown.out + shown.err + caplog.text


def test_credentials_are_refused_in_the_settings_and_never_repeated(tmp_path: Path) -> None:
    from config import SettingsError, load_settings

    config = tmp_path / "newscorpus.toml"
    for given in (
        f'dir = "s3://newscorpus-test:{SECRET}@corpus/originals"',
        f'dir = "s3://corpus/originals"\nstorage_options = {{ secret = "{SECRET}" }}',
    ):
        config.write_text(f"[archive]\n{given}\n")
        with pytest.raises(SettingsError) as caught:
            load_settings(config, environ={})
        assert "AWS_SECRET_ACCESS_KEY" in str(caught.value) and SECRET not in str(caught.value)
    assert ArchiveSettings(storage_options={"endpoint_url": "http://127.0.0.1:9000"})


def test_an_unknown_url_scheme_is_a_clear_error(db_url: str) -> None:
    from corpus.archive import ArchiveError

    store = open_store(db_url)
    with pytest.raises(ArchiveError, match=r"nosuch://bucket/x cannot be opened"):
        open_archive(ArchiveSettings(dir="nosuch://bucket/x"), store.engine, db_url)
