"""The archive of originals: every fetched page and imported file, kept as it arrived.

Each original (body, plus the HTTP response headers where there were any) is written once, by
content digest, as one record of a gzip-compressed WARC file under the `[archive] dir`; a new
file is started when the current one reaches `max_file_mb`. The `originals` table says where
each digest is kept, and an article version names the digest it was extracted from, so a newer
extractor can run over the originals again (`newscorpus reextract`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from config import ArchiveSettings
from corpus.latest import select_latest
from corpus.models import ArticleRow, ArticleVersion, StoredOriginal
from extractors import Document, InputFailure

FILE_PATTERN = "originals-{:05d}.warc.gz"
HTML_TYPES = ("text/html", "application/xhtml+xml")
# The body is kept decoded (as extracted), so headers that describe a transfer form are dropped.
TRANSFER_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def archive_directory(settings: ArchiveSettings, database_url: str) -> Path:
    """`[archive] dir`, or an `archive` folder next to the SQLite file (else ./data/archive)."""
    if settings.dir:
        return Path(settings.dir)
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database).parent / "archive"
    return Path("data") / "archive"


def _payload_bytes(doc: Document) -> bytes:
    return doc.payload.encode("utf-8") if isinstance(doc.payload, str) else doc.payload


def _headers(doc: Document) -> list[tuple[str, str]] | None:
    headers = doc.http_headers
    if not headers:
        return None
    return [(str(k), str(v)) for k, v in headers if str(k).lower() not in TRANSFER_HEADERS]


def original_digest(doc: Document) -> str:
    """sha256 of the original's headers and bytes: identical originals share one record."""
    digest = hashlib.sha256()
    for name, value in _headers(doc) or []:
        digest.update(f"{name}: {value}\r\n".encode("utf-8", "replace"))
    digest.update(b"\r\n")
    digest.update(_payload_bytes(doc))
    return digest.hexdigest()


def _content_type(doc: Document) -> str:
    media = "text/html" if doc.kind == "html" else "text/plain"
    return f"{media}; charset={doc.charset}" if doc.charset else media


def _media_and_charset(content_type: str | None) -> tuple[str, str | None]:
    media, _, params = (content_type or "").partition(";")
    name, _, value = params.strip().partition("=")
    charset = value.strip().strip("\"'") if name.strip().lower() == "charset" and value else None
    return media.strip().lower(), charset or None


class OriginalsArchive:
    """Rolling compressed WARC files plus the `originals` index in the corpus database."""

    def __init__(self, directory: Path, engine: Engine, max_file_bytes: int) -> None:
        self.directory = directory
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.max_file_bytes = max_file_bytes
        directory.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name[10:15]) for p in directory.glob("originals-[0-9]*.warc.gz")]
        self.number = max(numbers, default=1)

    def _current_file(self) -> Path:
        path = self.directory / FILE_PATTERN.format(self.number)
        if path.exists() and path.stat().st_size >= self.max_file_bytes:
            self.number += 1
            path = self.directory / FILE_PATTERN.format(self.number)
        return path

    def _record(self, writer: WARCWriter, doc: Document, digest: str) -> ArcWarcRecord:
        uri = doc.url or doc.source
        warc_headers = {
            "WARC-Date": doc.metadata.get("fetched_at")
            or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "WARC-Original-Digest": f"sha256:{digest}",
        }
        headers = _headers(doc)
        if headers is not None:
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            return writer.create_warc_record(
                uri, "response", payload=BytesIO(_payload_bytes(doc)), http_headers=http,
                warc_headers_dict=warc_headers,
            )  # fmt: skip
        warc_headers["Content-Type"] = _content_type(doc)
        return writer.create_warc_record(
            uri, "resource", payload=BytesIO(_payload_bytes(doc)), warc_headers_dict=warc_headers
        )

    def keep(self, items: Iterable[Document | InputFailure]) -> dict[str, str]:
        """Archive each document's original unless its digest is already kept; returns the
        digest per document source."""
        docs = [item for item in items if isinstance(item, Document)]
        by_source = {doc.source: original_digest(doc) for doc in docs}
        with self.sessions.begin() as session:
            known = set(
                session.scalars(
                    select(StoredOriginal.digest).where(
                        StoredOriginal.digest.in_(set(by_source.values()))
                    )
                )
            )
            path = self._current_file()
            with path.open("ab") as handle:
                # Writers in other processes (concurrent runs on one corpus) append to the same
                # file: one at a time, each record's offset read once the lock is held.
                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.seek(0, os.SEEK_END)
                writer = WARCWriter(handle, gzip=True)
                for doc in docs:
                    digest = by_source[doc.source]
                    if digest in known:
                        continue
                    offset = handle.tell()
                    writer.write_record(self._record(writer, doc, digest))
                    handle.flush()
                    known.add(digest)
                    session.add(
                        StoredOriginal(
                            digest=digest, file=path.name, offset=offset,
                            length=handle.tell() - offset, url=doc.url,
                            size=len(_payload_bytes(doc)),
                        )
                    )  # fmt: skip
        return by_source

    def load(self, digest: str) -> Document | None:
        """The archived original as a Document (kind and charset from its headers)."""
        with self.sessions() as session:
            row = session.get(StoredOriginal, digest)
        if row is None:
            return None
        with (self.directory / row.file).open("rb") as handle:
            handle.seek(row.offset)
            data = handle.read(row.length)
        record = next(iter(ArchiveIterator(BytesIO(data))))
        if record.http_headers is not None:
            content_type = record.http_headers.get_header("Content-Type")
        else:
            content_type = record.rec_headers.get_header("Content-Type")
        media, charset = _media_and_charset(content_type)
        payload = record.content_stream().read()
        url = record.rec_headers.get_header("WARC-Target-URI")
        headers = list(record.http_headers.headers) if record.http_headers else None
        return Document(
            source=url, kind="html" if media in HTML_TYPES else "text", payload=payload,
            url=row.url, charset=charset, http_headers=headers,
        )  # fmt: skip

    def originals_of_latest(
        self, since: datetime | None = None, site: str | None = None
    ) -> Iterator[Document]:
        """The archived original of each article's latest version (stored since `since`, on
        host `site` or its subdomains), as a Document that saves back to the same article."""
        query = select_latest(ArticleRow.key, ArticleRow.url, ArticleVersion.original).where(
            ArticleVersion.original.is_not(None)
        )
        if since is not None:
            query = query.where(ArticleVersion.created_at >= since)
        with self.sessions() as session:
            rows = session.execute(query.order_by(ArticleRow.id)).all()
        for key, url, digest in rows:
            host = (urlsplit(url).hostname or "") if url else ""
            if site and host != site and not host.endswith("." + site):
                continue
            doc = self.load(digest)
            if doc is None:
                continue
            # The article's key is its URL, or for a file the absolute path it was read from.
            doc.source = url if key.startswith("url:") else key.removeprefix("file:")
            doc.url = url
            yield doc


def open_archive(
    settings: ArchiveSettings, engine: Engine, database_url: str
) -> OriginalsArchive | None:
    """The archive the settings describe, or None when `[archive] enabled = false`."""
    if not settings.enabled:
        return None
    directory = archive_directory(settings, database_url)
    return OriginalsArchive(directory, engine, settings.max_file_mb * 1_000_000)
