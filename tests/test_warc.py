"""WARC import: records read from WARC files written with warcio, then imported by the flow."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractors import Document, InputFailure, iter_documents
from extractors.pipeline import extract_document
from tests.warc_files import CP1251_SENTENCE, PARAGRAPH, page, write_mixed_warc


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_records_become_documents_and_the_rest_are_counted(tmp_path: Path, name: str) -> None:
    warc = write_mixed_warc(tmp_path / name, gzip=name.endswith(".gz"))
    skipped: Counter = Counter()

    items = list(iter_documents([str(warc)], skipped=skipped))

    docs = [i for i in items if isinstance(i, Document)]
    failures = [i for i in items if isinstance(i, InputFailure)]
    assert [d.url for d in docs] == [
        "https://example.org/news/one?utm_source=x",
        "https://example.org/news/two",
        "https://example.ru/paromy",
        "https://example.org/news/three",
    ]
    assert docs[-1].fetched_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert docs[0].fetched_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert docs[2].charset == "windows-1251"
    assert len(failures) == 1 and failures[0].source.startswith(f"{warc}@")
    assert "truncated" in failures[0].reason or "corrupt" in failures[0].reason
    assert skipped == {
        "warc_skipped_request": 1,
        "warc_skipped_revisit": 1,
        "warc_skipped_metadata": 1,
        "warc_skipped_not_html": 1,
    }


def test_charset_from_the_http_header_decodes_the_page(tmp_path: Path) -> None:
    warc = write_mixed_warc(tmp_path / "crawl.warc.gz")
    doc = next(
        i for i in iter_documents([str(warc)]) if isinstance(i, Document) and "paromy" in i.url
    )

    article = extract_document(doc)

    assert CP1251_SENTENCE.split(".")[0] in article.text


def test_a_directory_walk_picks_up_warc_files(tmp_path: Path) -> None:
    write_mixed_warc(tmp_path / "a.warc.gz")
    docs = [i for i in iter_documents([str(tmp_path)]) if isinstance(i, Document)]
    assert len(docs) == 4


@pytest.mark.usefixtures("prefect_harness")
def test_import_flow_stores_warc_pages_under_their_canonical_urls(
    tmp_path: Path, db_url: str
) -> None:
    from corpus.store import open_store
    from flows.import_files import import_files

    warc = write_mixed_warc(tmp_path / "crawl.warc.gz")

    counts = import_files([str(warc)], database_url=db_url)

    assert counts["new"] == 4
    assert counts["failures"] == 1
    assert counts["warc_skipped_request"] == 1 and counts["warc_skipped_not_html"] == 1
    urls = {row["url"] for row in open_store(db_url).iter_latest()}
    assert "https://example.org/news/one" in urls
    again = import_files([str(warc)], database_url=db_url)
    assert again["new"] == 0 and again["unchanged"] == 4


# Seeds whose cut member, inflated on into the next member's bytes, once made the reader skip
# the good record after it; then forty more, since the damaged bytes differ with every seed.
CUT_MEMBER_SEEDS = [1370, 1845, 1858, *range(40)]


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_a_truncated_record_never_swallows_the_records_after_it(tmp_path: Path, name: str) -> None:
    for seed in CUT_MEMBER_SEEDS:
        warc = write_mixed_warc(tmp_path / f"{seed}-{name}", gzip=name.endswith(".gz"), seed=seed)
        items = list(iter_documents([str(warc)]))
        urls = [i.url for i in items if isinstance(i, Document)]
        assert urls[-2:] == ["https://example.ru/paromy", "https://example.org/news/three"], seed
        assert len(urls) == 4, seed
        assert sum(isinstance(i, InputFailure) for i in items) == 1, seed


def test_a_dns_response_is_skipped_and_damage_read_as_an_arc_header_is_a_failure(
    tmp_path: Path,
) -> None:
    """Crawlers write `dns:` lookups as response records with no HTTP message: skipped and
    counted. Damaged bytes that the reader takes for an old ARC header (no WARC-Target-URI)
    are one recorded failure, never a skipped record, and the records after them are read."""
    import gzip

    body = b"20261124 example.org. 300 IN A 10.0.0.1"
    dns = (
        (
            "WARC/1.0\r\nWARC-Type: response\r\nWARC-Date: 2026-03-01T10:00:00Z\r\n"
            "WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
            "WARC-Target-URI: dns:example.org\r\n"
            f"Content-Type: text/dns\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        + b"\r\n\r\n"
    )
    damaged = b"\x9e\x10garbled 10.0.0.1 20260301 x/y 12\n\xd5\x92\xdbr\xda0\x10\x86\xef\n\n"
    warc = tmp_path / "crawl.warc.gz"
    warc.write_bytes(
        gzip.compress(dns) + gzip.compress(damaged) + page("https://example.org/news/one", "One")
    )
    skipped: Counter = Counter()
    items = list(iter_documents([str(warc)], skipped=skipped))

    assert skipped == {"warc_skipped_no_http": 1}
    failures = [i for i in items if isinstance(i, InputFailure)]
    assert len(failures) == 1, failures
    assert [i.url for i in items if isinstance(i, Document)] == ["https://example.org/news/one"]


@pytest.mark.usefixtures("prefect_harness")
def test_a_versions_fetch_time_is_its_warc_date_and_export_shows_it(
    tmp_path: Path, db_url: str
) -> None:
    import json
    from io import StringIO

    import newscorpus
    from corpus.export import export_stream
    from flows.import_files import import_files

    notes = tmp_path / "notes.txt"
    notes.write_text(PARAGRAPH)
    import_files([str(write_mixed_warc(tmp_path / "crawl.warc.gz")), str(notes)],
                 database_url=db_url)  # fmt: skip

    with newscorpus.open(db_url) as corpus:
        records = {r.url or r.source: r for r in corpus.articles()}
        out = StringIO()
        export_stream(records.values(), "jsonl", out)
    assert records["https://example.org/news/three"].fetched_at == datetime(
        2026, 3, 2, 8, 30, tzinfo=UTC
    )
    assert records["https://example.org/news/one"].fetched_at == datetime(
        2026, 3, 1, 10, 0, tzinfo=UTC
    )
    assert records[str(notes)].fetched_at is None  # a file was never fetched
    exported = {row["url"]: row for row in map(json.loads, out.getvalue().splitlines())}
    assert exported["https://example.org/news/three"]["fetched_at"] == "2026-03-02T08:30:00+00:00"
