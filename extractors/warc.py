"""WARC files (`.warc`, `.warc.gz`, CC-NEWS as published) read into Documents, streaming.

Every `response` record with a 2xx HTML or plain-text body becomes a Document whose `url` is
`WARC-Target-URI`, whose fetch time (`fetched_at`) is `WARC-Date` and whose charset
is the one the record's HTTP `Content-Type` declares. Other records (request, metadata, revisit,
warcinfo, PDFs and images, redirects and errors) are skipped and counted in `skipped`. A
truncated or corrupt record yields an InputFailure; reading resumes at the next record boundary,
so the rest of the file goes through. Memory stays constant: one record at a time.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from extractors.article import Document, DocumentKind

WARC_SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)
GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
RESYNC_CHUNK = 1 << 16


class _Failure(Exception):
    """A record that cannot be read; the message is the recorded reason."""


RecordFailure = tuple[str, str]  # (source, reason)


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    """(`text/html`, `iso-8859-1`) from a Content-Type header value."""
    if not content_type:
        return "", None
    media, *params = (part.strip() for part in content_type.split(";"))
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return media.lower(), charset


def warc_date(value: str | None) -> datetime | None:
    """`WARC-Date` (W3C ISO 8601, UTC: `2026-03-01T12:34:56Z`, maybe with fractions) as an
    aware datetime; None when missing or unreadable."""
    try:
        moment = datetime.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_TRUNCATED = "record is truncated: fewer bytes than its Content-Length"
# A response to an http(s) URL always holds an HTTP message; one without (or without any
# WARC-Target-URI: damaged bytes the reader took for an old ARC header) is damage, not a
# skippable non-HTTP response such as a `dns:` record.
_NO_HTTP_MESSAGE = "response record holds no HTTP message for an http(s) URL (damaged)"
DAMAGE = (_TRUNCATED, _NO_HTTP_MESSAGE)
_CORRUPT = "corrupt or truncated WARC record"


def _skip_reason(record: ArcWarcRecord) -> str | None:
    """Why a record is not an article page, or None when it is one."""
    if record.rec_type != "response":
        return f"warc_skipped_{record.rec_type}"
    if record.http_headers is None:
        uri = record.rec_headers.get_header("WARC-Target-URI")
        damaged = uri is None or uri.startswith(("http:", "https:"))
        return _NO_HTTP_MESSAGE if damaged else "warc_skipped_no_http"
    status = record.http_headers.get_statuscode() or ""
    if not status.startswith("2"):
        return "warc_skipped_status"
    media, _ = _media_type(record.http_headers.get_header("Content-Type"))
    if media not in HTML_TYPES + TEXT_TYPES:
        return "warc_skipped_not_html"
    return None


def _document(record: ArcWarcRecord, max_bytes: int) -> Document:
    """The page in a response record (its `source` is set by the caller)."""
    url = record.rec_headers.get_header("WARC-Target-URI")
    if not url:
        raise _Failure("response record has no WARC-Target-URI")
    media, charset = _media_type(record.http_headers.get_header("Content-Type"))
    body = record.content_stream().read(max_bytes + 1)
    declared = record.rec_headers.get_header("Content-Length")
    if len(body) > max_bytes:
        raise _Failure(f"record body is over the {max_bytes}-byte limit")
    if declared and declared.isdigit() and record.raw_stream.limit:
        # warcio's LimitReader keeps what is left unread: bytes missing means a truncated record.
        raise _Failure(_TRUNCATED)
    kind: DocumentKind = "html" if media in HTML_TYPES else "text"
    return Document(
        source="",
        kind=kind,
        payload=body,
        url=url,
        charset=charset,
        http_headers=list(record.http_headers.headers),
        fetched_at=warc_date(record.rec_headers.get_header("WARC-Date")),
    )


def _starts_record(handle: BinaryIO, at: int, gzipped: bool) -> bool:
    """True when a WARC record (inside a gzip member, when `gzipped`) starts at `at`."""
    handle.seek(at)
    head = handle.read(4096)
    if not gzipped:
        return head.startswith(WARC_MAGIC)
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16).startswith(b"WARC/")
    except zlib.error:
        return False


def _next_boundary(handle: BinaryIO, start: int, gzipped: bool) -> int | None:
    """The offset of the next record start after `start` (gzip member or `WARC/1.` line)."""
    magic = GZIP_MAGIC if gzipped else WARC_MAGIC
    position = start
    while True:
        handle.seek(position)
        chunk = handle.read(RESYNC_CHUNK)
        if len(chunk) < len(magic):
            return None
        found = chunk.find(magic)
        if found < 0:
            position += len(chunk) - len(magic) + 1
        elif _starts_record(handle, position + found, gzipped):
            return position + found
        else:
            position += found + 1


def _records(
    handle: BinaryIO, shown: str, max_bytes: int, skipped: Counter, gzipped: bool
) -> Iterator[Document | RecordFailure]:
    """The file's records from the start; after a damaged record, from the next boundary after
    that record's start (one failure for the whole stretch, however many false starts it takes
    to get past it). Where the reader stands after a damaged record says nothing: the rest of
    a cut gzip member inflates the next member's bytes as its own, so reading on from there
    could run past good records."""
    offset, in_damage = 0, False
    while True:
        handle.seek(offset)
        iterator = ArchiveIterator(handle, check_digests=False)
        last, ran_out = offset, False
        try:
            for record in iterator:
                skip = _skip_reason(record)
                try:
                    doc, reason = (None, skip) if skip else (_document(record, max_bytes), "")
                except _Failure as exc:
                    doc, reason = None, str(exc)
                # Only after the body is read: asking for the offset first empties the body.
                last = iterator.get_record_offset()  # absolute: warcio starts at tell()
                if doc:
                    in_damage = False
                    doc.source = f"{shown}@{last}"
                    yield doc
                elif reason.startswith("warc_skipped_"):
                    skipped[reason] += 1
                elif reason in DAMAGE:
                    break
                else:
                    in_damage = False
                    yield f"{shown}@{last}", reason
            else:
                # The end, unless a damaged record swallowed the ones after it.
                ran_out, reason = True, f"{_CORRUPT} (record runs past the next one)"
        except Exception as exc:  # noqa: BLE001 - a corrupt record is recorded, reading resumes
            reason = f"{_CORRUPT} ({type(exc).__name__})"
        resume = _next_boundary(handle, last + 1, gzipped)
        if resume is None and ran_out:
            return
        if not in_damage:
            yield f"{shown}@{last}", reason
        in_damage = True
        if resume is None:
            return
        offset = resume


def read_warc(
    handle: BinaryIO, shown: str, max_bytes: int, skipped: Counter
) -> Iterator[Document | RecordFailure]:
    """A Document for each article record of the open WARC file `shown` (gzipped when its
    name ends in .gz), (source, reason) for each broken one."""
    gzipped = shown.lower().endswith(".gz")
    yield from _records(handle, shown, max_bytes, skipped, gzipped)
