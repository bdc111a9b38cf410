"""WARC files written with warcio for the tests: pages, request, revisit, PDF, broken records."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PARAGRAPH = (
    "The harbour council met on Tuesday evening to discuss the new ferry timetable, which "
    "residents say leaves the island without a morning connection for most of the winter. "
)
CP1251_SENTENCE = "Городской совет обсудил новое расписание паромов на зимний сезон. " * 4


def article_html(title: str, body: str) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{body}</p><p>{body}</p></article></body></html>"
    )


def record_bytes(
    kind: str,
    url: str,
    body: bytes,
    content_type: str | None = "text/html; charset=utf-8",
    status: str = "200 OK",
    date: str = "2026-03-01T10:00:00Z",
    gzip: bool = True,
    record_id: str | None = None,
) -> bytes:
    """One WARC record (one gzip member when `gzip`), as bytes; a random WARC-Record-ID unless
    `record_id` is given."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    http = None
    if kind in ("response", "revisit"):
        headers = [("Content-Type", content_type)] if content_type else []
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    elif kind == "request":
        http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
    warc_headers = {"WARC-Date": date}
    if record_id:
        warc_headers["WARC-Record-ID"] = record_id
    if kind == "revisit":
        record = writer.create_revisit_record(
            url, "sha1:AAAA", url, date, http_headers=http, warc_headers_dict=warc_headers
        )
    else:
        record = writer.create_warc_record(
            url, kind, payload=BytesIO(body), http_headers=http, warc_headers_dict=warc_headers
        )
    writer.write_record(record)
    return out.getvalue()


def page(url: str, title: str, body: str = PARAGRAPH, **kwargs: object) -> bytes:
    return record_bytes("response", url, article_html(title, body).encode("utf-8"), **kwargs)


def record_ids(seed: int) -> Iterator[str]:
    """WARC-Record-IDs that follow from `seed`, so a written file's bytes do too."""
    draws = random.Random(seed)
    while True:
        yield f"<urn:uuid:{uuid.UUID(int=draws.getrandbits(128), version=4)}>"


def write_mixed_warc(path: Path, gzip: bool = True, seed: int = 0) -> Path:
    """Two pages, a request, a revisit, a metadata record, a PDF, a truncated record, a cp1251
    page whose charset is only in the HTTP header, then one more page. Compressed, the truncated
    record is in the middle; uncompressed it is last (a short record without gzip framing
    would run on into the next one up to its Content-Length). Every byte follows from `seed`."""
    ids = record_ids(seed)
    cp1251 = article_html("Паромы", CP1251_SENTENCE).encode("cp1251")
    truncated = page("https://example.org/broken", "Broken", gzip=gzip, record_id=next(ids))
    parts = [
        page("https://example.org/news/one?utm_source=x", "One", gzip=gzip, record_id=next(ids)),
        record_bytes("request", "https://example.org/news/one", b"", gzip=gzip,
                     record_id=next(ids)),
        record_bytes("revisit", "https://example.org/news/one", b"", gzip=gzip,
                     record_id=next(ids)),
        record_bytes("metadata", "https://example.org/news/one", b"fetchTimeMs: 12", gzip=gzip,
                     content_type=None, record_id=next(ids)),
        page("https://example.org/news/two", "Two", PARAGRAPH.replace("ferry", "bus"), gzip=gzip,
             record_id=next(ids)),
        record_bytes("response", "https://example.org/report.pdf", b"%PDF-1.4 binary",
                     content_type="application/pdf", gzip=gzip, record_id=next(ids)),
        record_bytes("response", "https://example.ru/paromy", cp1251,
                     content_type="text/html; charset=windows-1251", gzip=gzip,
                     record_id=next(ids)),
        page("https://example.org/news/three", "Three", PARAGRAPH.replace("ferry", "train"),
             gzip=gzip, date="2026-03-02T08:30:00Z", record_id=next(ids)),
    ]  # fmt: skip
    parts.insert(6 if gzip else len(parts), truncated[: len(truncated) // 2])
    path.write_bytes(b"".join(parts))
    return path
