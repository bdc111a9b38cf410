"""The archive of originals: every fetched page and imported file, kept as it arrived.

Each original (body, plus the HTTP response headers where there were any) is written once, by
content digest, as one record of a gzip-compressed WARC file. In a folder (`[archive] dir` a
path; the default is next to the SQLite file) records are appended to rolling files, a new one
started when the current one reaches `max_file_mb`, appends locked across processes. At an
fsspec URL (`s3://bucket/prefix`, `memory://...`) objects cannot be appended to nor locked, so
each batch's new originals become one immutable WARC object with a unique name, uploaded before
the database names it. Either way the `originals` table says where each digest is kept (file or
object, offset, length), and an article version names the digest it was extracted from, so a
newer extractor can run over the originals again (`newscorpus reextract`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import fsspec
from sqlalchemy import select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from config import ArchiveSettings
from corpus.latest import select_latest
from corpus.models import ArticleRow, ArticleVersion, StoredOriginal
from corpus.records import as_utc
from extractors import Document, InputFailure

FILE_PATTERN = "originals-{:05d}.warc.gz"
# One object per batch at a URL: time-ordered names, unique across concurrent writers.
OBJECT_PATTERN = "originals-{}-{}.warc.gz"
GZIP_LEVEL = 6  # gzip's own default; see `_write_records`
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
Span = tuple[int, int]  # (offset, length) of one record in its file
Placement = tuple[str, int, int]  # (file or object name, offset, length)
HTML_TYPES = ("text/html", "application/xhtml+xml")
# The body is kept decoded (as extracted), so headers that describe a transfer form are dropped.
TRANSFER_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


class ArchiveError(Exception):
    """The archive cannot be opened as configured; the message says why."""


def is_url(location: str) -> bool:
    """True for an fsspec URL (`s3://bucket/prefix`, `memory://x`), False for a local path."""
    return bool(URL_SCHEME.match(location))


def archive_location(settings: ArchiveSettings, database_url: str) -> Path | str:
    """`[archive] dir` (a folder, or an fsspec URL kept as a string), or an `archive` folder
    next to the SQLite file (else ./data/archive)."""
    if settings.dir:
        return settings.dir if is_url(settings.dir) else Path(settings.dir)
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


class FolderShelf:
    """Rolling WARC files in a local folder, appended to under an exclusive lock."""

    def __init__(self, directory: Path, max_file_bytes: int) -> None:
        self.directory = directory
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

    def put(self, records: list[tuple[Document, str]]) -> list[Placement]:
        path = self._current_file()
        with path.open("ab") as handle:
            # Writers in other processes (concurrent runs on one corpus) append to the same
            # file: one at a time, each record's offset read once the lock is held.
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0, os.SEEK_END)
            return [(path.name, *span) for span in _write_records(handle, records)]

    def read(self, name: str, offset: int, length: int) -> bytes:
        with (self.directory / name).open("rb") as handle:
            handle.seek(offset)
            return handle.read(length)


class ObjectShelf:
    """Immutable WARC objects under an fsspec URL: one object per batch of new originals."""

    def __init__(self, url: str, storage_options: Mapping[str, Any]) -> None:
        try:
            self.fs, root = fsspec.core.url_to_fs(url, **storage_options)
        except (ImportError, ValueError) as exc:
            raise ArchiveError(f"[archive] dir {url} cannot be opened: {exc}") from None
        self.root = root.rstrip("/")

    def put(self, records: list[tuple[Document, str]]) -> list[Placement]:
        buffer = BytesIO()
        spans = _write_records(buffer, records)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = OBJECT_PATTERN.format(stamp, uuid.uuid4().hex)
        self.fs.pipe_file(f"{self.root}/{name}", buffer.getvalue())
        return [(name, *span) for span in spans]

    def read(self, name: str, offset: int, length: int) -> bytes:
        return self.fs.cat_file(f"{self.root}/{name}", start=offset, end=offset + length)


def _write_records(handle: BinaryIO, records: list[tuple[Document, str]]) -> list[Span]:
    """Write each (document, digest) as one WARC record in its own gzip member, as warcio
    does, but at gzip's default level: level 9 (warcio's) costs 60% more time for files under
    1% smaller. Returns each record's (offset, length)."""
    plain = BytesIO()
    writer = WARCWriter(plain, gzip=False)
    spans = []
    for doc, digest in records:
        plain.seek(0)
        plain.truncate()
        writer.write_record(_record(writer, doc, digest))
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        member = compressor.compress(plain.getvalue()) + compressor.flush()
        offset = handle.tell()
        handle.write(member)
        handle.flush()
        spans.append((offset, len(member)))
    return spans


def _record(writer: WARCWriter, doc: Document, digest: str) -> ArcWarcRecord:
    uri = doc.url or doc.source
    fetched = doc.fetched_at or datetime.now(UTC)
    warc_headers = {
        "WARC-Date": fetched.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
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


class OriginalsArchive:
    """WARC records on a shelf (a folder or an fsspec URL) plus the `originals` index in the
    corpus database."""

    def __init__(
        self,
        location: Path | str,
        engine: Engine,
        max_file_bytes: int,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.reading = sessionmaker(
            engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )
        self.shelf: FolderShelf | ObjectShelf
        if is_url(str(location)):
            self.shelf = ObjectShelf(str(location), storage_options or {})
        else:
            self.shelf = FolderShelf(Path(location), max_file_bytes)

    @property
    def directory(self) -> Path | None:
        """The local folder of the WARC files (None for an archive at a URL)."""
        return self.shelf.directory if isinstance(self.shelf, FolderShelf) else None

    def _kept(self, session: Session, digests: Iterable[str]) -> set[str]:
        query = select(StoredOriginal.digest).where(StoredOriginal.digest.in_(set(digests)))
        return set(session.scalars(query))

    def keep(self, items: Iterable[Document | InputFailure]) -> dict[str, str]:
        """Archive each document's original unless its digest is already kept; returns the
        digest per document source. The bytes are written before the database names them,
        outside its write lock (an upload may take a while); an original another writer
        kept meanwhile is named once, its second copy left unreferenced."""
        docs = [item for item in items if isinstance(item, Document)]
        by_source = {doc.source: original_digest(doc) for doc in docs}
        with self.reading() as session:
            known = self._kept(session, by_source.values())
        first: dict[str, Document] = {}  # the first document of each digest
        for doc in docs:
            first.setdefault(by_source[doc.source], doc)
        records = [(doc, digest) for digest, doc in first.items() if digest not in known]
        if not records:
            return by_source
        placements = self.shelf.put(records)
        with self.sessions.begin() as session:
            known = self._kept(session, first)
            for (doc, digest), (name, offset, length) in zip(records, placements, strict=True):
                if digest in known:
                    continue
                session.add(
                    StoredOriginal(
                        digest=digest, file=name, offset=offset, length=length, url=doc.url,
                        size=len(_payload_bytes(doc)),
                    )
                )  # fmt: skip
        return by_source

    def load(self, digest: str) -> Document | None:
        """The archived original as a Document (kind and charset from its headers)."""
        with self.reading() as session:
            row = session.get(StoredOriginal, digest)
        if row is None:
            return None
        data = self.shelf.read(row.file, row.offset, row.length)
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
        query = select_latest(
            ArticleRow.key, ArticleRow.url, ArticleVersion.original, ArticleVersion.fetched_at
        ).where(ArticleVersion.original.is_not(None))
        if since is not None:
            query = query.where(ArticleVersion.created_at >= since)
        with self.reading() as session:
            rows = session.execute(query.order_by(ArticleRow.id)).all()
        for key, url, digest, fetched_at in rows:
            host = (urlsplit(url).hostname or "") if url else ""
            if site and host != site and not host.endswith("." + site):
                continue
            doc = self.load(digest)
            if doc is None:
                continue
            # The article's key is its URL, or for a file the absolute path it was read from.
            doc.source = url if key.startswith("url:") else key.removeprefix("file:")
            doc.url = url
            doc.fetched_at = as_utc(fetched_at) if fetched_at else None
            yield doc


def open_archive(
    settings: ArchiveSettings, engine: Engine, database_url: str
) -> OriginalsArchive | None:
    """The archive the settings describe, or None when `[archive] enabled = false`."""
    if not settings.enabled:
        return None
    location = archive_location(settings, database_url)
    return OriginalsArchive(
        location, engine, settings.max_file_mb * 1_000_000, settings.storage_options
    )
